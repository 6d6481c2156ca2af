"""``report.md``, ``results.json`` and the PNG plots of ``cmatch eval all``; baseline comparison.

Every numeric figure in ``results.json`` has a dotted path (``matching.systems.hybrid.ndcg_10``).
:func:`direction` says whether higher (+1) or lower (-1) is better, or that the figure is not
compared (counts, seeds, settings: 0). With a baseline, :func:`compare` lists every compared
figure that got worse; quality figures (deterministic) count as worse on any decrease, speed and
memory figures only beyond ``speed_tolerance`` (default 10 %, timings are noisy).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

WORSE = "▼ slechter"
BETTER = "▲ beter"

_HIGHER_EXACT = {"mrr", "map", "invariance_rate", "top20_identical_rate", "identical_score_rate",
                 "diploma_less_rank_equal_rate"}
_HIGHER_PREFIX = ("success_", "acc_", "rp_", "ndcg_", "recall_")
_HIGHER_SUFFIX = ("min_max_ratio", "_per_s")
_LOWER_SUFFIX = ("_ms", "rss_delta_mb", "peak_rss_mb")
_LOWER_PREFIX = ("rss_mb_",)
#: figures where the distance from 0 counts (lower |x| is better)
_ABS = {"diploma_less_mean_rank_diff"}


def flatten(obj, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            if str(k).startswith("_"):
                continue
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, bool):
        pass
    elif isinstance(obj, (int, float)) and not (isinstance(obj, float) and math.isnan(obj)):
        out[prefix] = float(obj)
    return out


def direction(path: str) -> int:
    """+1 higher is better, -1 lower is better, 0 not compared (counts, settings, shares)."""
    leaf = path.rsplit(".", 1)[-1]
    if path == "meta.seconds_total":
        return -1
    if path.startswith(("meta.", "durations.")) or ".exposure_share." in path or ".top_slots." in path:
        return 0
    if leaf in _HIGHER_EXACT or leaf.startswith(_HIGHER_PREFIX) or leaf.endswith(_HIGHER_SUFFIX):
        return 1
    if leaf in _ABS or leaf.endswith(_LOWER_SUFFIX) or leaf.startswith(_LOWER_PREFIX):
        return -1
    return 0


def is_speed(path: str) -> bool:
    return path.startswith(("speed.", "meta."))


def compare(current: dict, baseline: dict, speed_tolerance: float = 0.10) -> dict:
    cur, base = flatten(current), flatten(baseline)
    worse, better = [], []
    for path, v in sorted(cur.items()):
        d = direction(path)
        if d == 0 or path not in base:
            continue
        b = base[path]
        leaf = path.rsplit(".", 1)[-1]
        delta = (abs(v) - abs(b)) * d if leaf in _ABS else (v - b) * d     # > 0: better
        tol = speed_tolerance * abs(b) if is_speed(path) else 1e-9
        item = {"figure": path, "baseline": b, "current": v,
                "change": round(v - b, 6), "relative": round((v - b) / b, 4) if b else None}
        if delta < -tol:
            worse.append(item)
        elif delta > tol:
            better.append(item)
    return {"worse": worse, "better": better, "compared": sum(1 for p in cur if direction(p) and p in base),
            "speed_tolerance": speed_tolerance}


# ---------------------------------------------------------------------- markdown
def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "ja" if v else "nee"
    if isinstance(v, float):
        return f"{v:.4f}".rstrip("0").rstrip(".") if abs(v) < 10 else f"{v:,.1f}".replace(",", " ")
    if isinstance(v, int):
        return f"{v:,}".replace(",", " ")
    return str(v)


class _Marks:
    def __init__(self, comparison: dict | None):
        self.worse = {w["figure"]: w for w in (comparison or {}).get("worse", [])}
        self.better = {w["figure"]: w for w in (comparison or {}).get("better", [])}

    def __call__(self, path: str, v, unit: str = "") -> str:
        s = _fmt(v) + unit
        if path in self.worse:
            return f"{s} {WORSE} (was {_fmt(self.worse[path]['baseline'])})"
        if path in self.better:
            return f"{s} {BETTER}"
        return s


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"] + \
           ["| " + " | ".join(r) + " |" for r in rows]


ANCHORS = {
    "melo.nld_q_nl_c_nl": "MRR: OpenAI te3-large 0.572, e5-mistral-7b 0.565, mE5-large 0.506, BGE-M3 0.505, char TF-IDF 0.486, BM25 0.443 (volledige testset)",
    "melo.nld_q_nl_c_en": "MRR: OpenAI te3-large 0.451, e5-mistral-7b 0.413, mE5-large 0.325, BM25 0.034 (volledige testset)",
    "skills.tech": "RP@5: ConTeXT-match 63.98, CurriculumMatch 59.40 (test)",
    "skills.house": "RP@5: CurriculumMatch 49.14 (test)",
    "jobbert": "geen gepubliceerd anker",
}


def render_markdown(results: dict, comparison: dict | None = None) -> str:
    m = _Marks(comparison)
    meta = results.get("meta", {})
    L = [f"# Evaluatierapport Competentiematch", "",
         f"- commit `{meta.get('commit', '?')}`, {meta.get('date', '?')}; machine: {meta.get('cpu_count', '?')} kernen, "
         f"belasting bij start {meta.get('load_avg_1m_start', '?')}",
         f"- totale duur {m('meta.seconds_total', meta.get('seconds_total'), ' s')}"
         + (f"; vergeleken met `{meta.get('baseline')}`" if meta.get("baseline") else ""), ""]
    if comparison is not None:
        n = len(comparison["worse"])
        L += [f"**Vergelijking met de basislijn**: {comparison['compared']} cijfers vergeleken, "
              f"{n} slechter, {len(comparison['better'])} beter (snelheid/geheugen pas boven "
              f"{comparison['speed_tolerance']:.0%} verschil).", ""]
        if n:
            L += _table(["cijfer", "basislijn", "nu", "verschil"],
                        [[w["figure"], _fmt(w["baseline"]), f"{_fmt(w['current'])} {WORSE}",
                          _fmt(w["change"])] for w in comparison["worse"]]) + [""]
    if results.get("errors"):
        L += ["## Fouten", ""] + [f"- **{k}**: {v}" for k, v in results["errors"].items()] + [""]
    # ---------------- extraction benchmarks
    ex = results.get("extraction", {})
    if ex:
        L += ["## Normalisatie en extractie (dev-sets)", ""]
        rows = []
        for key, r in ex.items():
            if not isinstance(r, dict) or "error" in r:
                rows.append([key, "fout", "", "", "", ""])
                continue
            p = f"extraction.{key}"
            if key.startswith("melo"):
                rows.append([key, "MRR " + m(f"{p}.mrr", r.get("mrr")), "MAP " + m(f"{p}.map", r.get("map")),
                             "s@1 " + m(f"{p}.success_1", r.get("success_1")),
                             "s@10 " + m(f"{p}.success_10", r.get("success_10")), f"{r.get('n_queries')} vragen"])
            elif key.startswith("skills"):
                rows.append([key, "RP@5 " + m(f"{p}.rp_5", r.get("rp_5")), "RP@10 " + m(f"{p}.rp_10", r.get("rp_10")),
                             "MRR " + m(f"{p}.mrr", r.get("mrr")), "", f"{r.get('n_sentences')} zinnen"])
            else:
                rows.append([key, "MRR " + m(f"{p}.mrr", r.get("mrr")), "acc@1 " + m(f"{p}.acc_1", r.get("acc_1")),
                             "acc@5 " + m(f"{p}.acc_5", r.get("acc_5")), "acc@10 " + m(f"{p}.acc_10", r.get("acc_10")),
                             f"{r.get('n_queries')} titels" + (f" (steekproef {r['sample']})" if r.get("sample") else "")])
        L += _table(["benchmark", "", "", "", "", "omvang"], rows) + [""]
        L += ["Gepubliceerde ankers (volledige testsets, niet rechtstreeks vergelijkbaar met de dev-splitsing):", ""]
        L += [f"- {k}: {v}" for k, v in ANCHORS.items()] + [""]
    # ---------------- matching
    mt = results.get("matching", {})
    if mt.get("systems"):
        L += ["## Matching (synthetische vacatures, gegradeerde relevantie) — enkel regressiecontrole: vragen en vacatures komen uit dezelfde profielen; de kwaliteit meet `cmatch eval relevance`", "",
              f"{mt.get('n_queries')} zoekvragen (verstoorde beroepsprofielen) over {mt.get('n_query_occupations')} beroepen, "
              f"{_fmt(mt.get('n_vacancies'))} vacatures; gemiddeld {mt.get('mean_query_competences')} competenties per "
              f"zoekvraag en {mt.get('mean_relevant_3')} vacatures met relevantie 3. Relevantie: 3 zelfde beroep, "
              "2 zelfde ISCO-4, 1 zelfde ISCO-3.", ""]
        rows = []
        for name, r in mt["systems"].items():
            p = f"matching.systems.{name}"
            rows.append([name, m(f"{p}.ndcg_10", r.get("ndcg_10")), m(f"{p}.mrr", r.get("mrr")),
                         m(f"{p}.recall_50", r.get("recall_50")), _fmt(r.get("shortage_share_10"))])
        L += _table(["systeem", "nDCG@10", "MRR", "Recall@50", "aandeel knelpunt in top 10"], rows) + [""]
    br = results.get("breakdown_example")
    if br:
        L += [f"Voorbeeld van een score-opbouw ({br['query']}: {br['occupation']} → {br['vacancy']} "
              f"'{br.get('title')}', score {br['score']}):", ""]
        L += _table(["factor", "soort", "waarde", "effect", "uitleg"],
                    [[f["label"], f["kind"], _fmt(f["value"]), _fmt(f["effect"]), f["explanation"]] for f in br["factors"]])
        L += ["", "![score-opbouw](breakdown.png)", ""]
    # ---------------- fairness
    fa = results.get("fairness", {})
    if fa:
        L += ["## Eerlijkheid", ""]
        px = fa.get("proxy") or {}
        if px:
            L += ["### Proxy's (kan falen): selectieratio per groep, vier-vijfde-regel", "",
                  f"{px.get('vacancies')} vacatures × {px.get('per_group')} personen per groep, gelijk in competenties; "
                  f"beschermde kenmerken enkel via proxy's (talen en Nederlands niveau, gemeente, naam en vereniging in cv-tekst"
                  f"{'' if px.get('extractor') else ' (zonder extractor)'}, loopbaanonderbreking). Ratio = selectiekans / hoogste; >= 0,8 gewenst.", ""]
            rows = []
            for variant in ("default", "language_off", "distance_off", "language_and_distance_off", "language_hard"):
                for k in ("top10", "top50"):
                    t = (px.get(variant) or {}).get(k) or {}
                    if t:
                        rows.append([variant, k, _fmt(t.get("min_ratio")), ", ".join(
                            f"{g} {_fmt(x.get('ratio'))}" + (f" ({x['cause']})" if x.get("cause") else "")
                            for g, x in (t.get("groups") or {}).items())])
            L += _table(["opties", "top", "min. ratio", "per groep (factor achter de kloof)"], rows) + [""]
        L += ["### Bewakingscontroles (waar per constructie)", "",
              "Deze varianten veranderen enkel velden die geen enkele factor leest: ze bewaken tegen een regressie, "
              "ze bewijzen geen eerlijkheid (zie de proxy's hierboven).", ""]
        cf = fa.get("counterfactual", {})
        ex_ = fa.get("exposure", {})
        rows = [["contrafeitelijke invariantie (alle scores identiek)", m("fairness.counterfactual.invariance_rate", cf.get("invariance_rate")),
                 f"{cf.get('variants')} varianten van {cf.get('portfolios')} portfolio's, elk tegen alle vacatures"],
                ["top-20 identiek", m("fairness.counterfactual.top20_identical_rate", cf.get("top20_identical_rate")), ""],
                ["klonen met identieke competenties: identieke score", m("fairness.exposure.identical_score_rate", ex_.get("identical_score_rate")),
                 f"{ex_.get('bases')} basisportfolio's × 24 klonen, {ex_.get('vacancy_queries')} vacatures, pool {ex_.get('pool')}"],
                ["blootstelling min/max over groepen", m("fairness.exposure.exposure_min_max_ratio", ex_.get("exposure_min_max_ratio")),
                 "1 = gelijk; verschillen komen enkel van de id-volgorde bij gelijke scores"],
                ["zonder diploma even hoog gerangschikt", m("fairness.exposure.diploma_less_rank_equal_rate", ex_.get("diploma_less_rank_equal_rate")),
                 f"op {ex_.get('diploma_vacancies')} vacatures die een diploma vragen"],
                ["gemiddeld rangverschil zonder − met diploma", m("fairness.exposure.diploma_less_mean_rank_diff", ex_.get("diploma_less_mean_rank_diff")), "0 = gelijk"]]
        L += _table(["controle", "resultaat", "opzet"], rows) + [""]
        for dim, g in (ex_.get("groups") or {}).items():
            L += [f"- blootstelling per {dim}: " + ", ".join(f"{k} {v:.1%}" for k, v in (g.get("exposure_share") or {}).items())
                  + f" (min/max {_fmt(g.get('min_max_ratio'))})"]
        L += [""]
    # ---------------- speed
    sp = results.get("speed", {})
    if sp:
        L += ["## Snelheid en omvang", "",
              f"Gemeten op {sp.get('cpu_count')} kernen, belasting {sp.get('load_avg_1m')} bij de start van dit deel"
              + (" (andere taken draaiden mee: de cijfers zijn pessimistisch)."
                 if (sp.get("load_avg_1m") or 0) > 0.75 * (sp.get("cpu_count") or 1) else "."), ""]
        rows = []
        e = sp.get("extraction", {})
        if "p50_ms" in e:
            rows.append(["extractie (vacature ~300 woorden)", m("speed.extraction.p50_ms", e.get("p50_ms")),
                         m("speed.extraction.p95_ms", e.get("p95_ms")), m("speed.extraction.p99_ms", e.get("p99_ms")), f"{e.get('runs')} runs"])
        for key, label in (("match_20k", "match top-20"), ("match_200k", "match top-20")):
            r = sp.get(key)
            if r and "p50_ms" in r:
                rows.append([f"{label} over {_fmt(r.get('n_vacancies'))} vacatures", m(f"speed.{key}.p50_ms", r.get("p50_ms")),
                             m(f"speed.{key}.p95_ms", r.get("p95_ms")), m(f"speed.{key}.p99_ms", r.get("p99_ms")),
                             f"{r.get('queries')} vragen, warm"])
        L += _table(["meting", "p50 ms", "p95 ms", "p99 ms", ""], rows) + [""]
        rows = []
        for key in ("index_build_20k", "index_build_200k"):
            r = sp.get(key)
            if r:
                rows.append([f"matchindex {_fmt(r.get('vacancies'))} vacatures + {_fmt(r.get('portfolios'))} portfolio's"
                             + (f" ({r['source']})" if r.get("source") else ""),
                             f"{_fmt(r.get('seconds'))} s", m(f"speed.{key}.vacancies_per_s", r.get("vacancies_per_s"), " vac/s"),
                             m(f"speed.{key}.rss_delta_mb", r.get("rss_delta_mb"), " MB")])
        enc = sp.get("encoder", {})
        if "labels_per_s" in enc:
            rows.append([f"encoder (labelindex), {enc.get('labels')} labels", f"{_fmt(enc.get('seconds'))} s",
                         m("speed.encoder.labels_per_s", enc.get("labels_per_s"), " labels/s"), ""])
        L += _table(["opbouw", "duur", "doorvoer", "extra geheugen"], rows) + [""]
        L += [f"Residentgeheugen: {m('speed.rss_mb_20k', sp.get('rss_mb_20k'), ' MB')} na 20k"
              + (f", {m('speed.rss_mb_200k', sp.get('rss_mb_200k'), ' MB')} na 200k" if sp.get("rss_mb_200k") else "")
              + f", piek {m('speed.peak_rss_mb', sp.get('peak_rss_mb'), ' MB')} (hele proces, model inbegrepen).", "",
              "![latentie](latency.png)", ""]
    d = results.get("durations", {})
    if d:
        L += ["## Duur per onderdeel", ""] + _table(["onderdeel", "s"], [[k, _fmt(v)] for k, v in d.items()]) + [""]
    L += ["![kwaliteit](quality.png)", ""]
    return "\n".join(L)


# ---------------------------------------------------------------------- plots
def plots(results: dict, raw: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    # quality per benchmark
    bars: list[tuple[str, float]] = []
    for key, r in (results.get("extraction") or {}).items():
        if isinstance(r, dict) and "error" not in r:
            if key.startswith("skills"):
                bars.append((f"{key}\nRP@5/100", r.get("rp_5", 0) / 100))
            else:
                bars.append((f"{key}\nMRR", r.get("mrr", 0)))
    for name, r in ((results.get("matching") or {}).get("systems") or {}).items():
        bars.append((f"match {name}\nnDCG@10", r.get("ndcg_10", 0)))
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(bars) + 2), 4.2))
    if bars:
        colors = ["#4C72B0" if not b[0].startswith("match") else "#DD8452" for b in bars]
        ax.bar(range(len(bars)), [b[1] for b in bars], color=colors)
        ax.set_xticks(range(len(bars)))
        ax.set_xticklabels([b[0] for b in bars], fontsize=7, rotation=30, ha="right")
        for i, b in enumerate(bars):
            ax.text(i, b[1] + 0.01, f"{b[1]:.3f}", ha="center", fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_title("Kwaliteit per benchmark")
    fig.tight_layout()
    fig.savefig(out / "quality.png", dpi=110)
    plt.close(fig)
    written.append("quality.png")
    # latency distributions: match histograms, extraction histogram, CDF of all (log scale)
    series = [(k, v) for k, v in raw.items() if v]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for k, v in series:
        x = np.sort(np.asarray(v))
        ax = axes[1] if k == "extraction" else axes[0]
        ax.hist(x, bins=30, alpha=0.6, label=k)
        axes[2].plot(x, np.arange(1, len(x) + 1) / len(x), label=k)
    axes[0].set_title("Matchlatentie (top-20, warm)")
    axes[1].set_title("Extractielatentie (~300 woorden)")
    axes[2].set_title("CDF")
    axes[2].set_xscale("log")
    for a in axes:
        a.set_xlabel("ms")
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    written.append("latency.png")
    # score breakdown example: additive contributions, then multipliers around 1
    br = results.get("breakdown_example")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 1]})
    if br:
        for ax, kind, title in ((axes[0], "additive", "optellend (+)"), (axes[1], "multiplier", "vermenigvuldigend (×)")):
            fs = [f for f in br["factors"] if f["kind"] == kind]
            vals = [f["effect"] for f in fs]
            if kind == "additive":
                ax.barh(range(len(fs)), vals, color="#55A868")
                ax.set_xlim(0, max(vals + [0.5]) * 1.25)
            else:
                ax.barh(range(len(fs)), [v - 1 for v in vals], left=1, color="#C44E52")
                ax.axvline(1, color="k", lw=0.8)
                span = max([abs(v - 1) for v in vals] + [0.1]) * 1.4
                ax.set_xlim(1 - span, 1 + span)
            ax.set_yticks(range(len(fs)))
            ax.set_yticklabels([f["label"] for f in fs], fontsize=8)
            ax.invert_yaxis()
            for i, v in enumerate(vals):
                ax.text(v, i, f" {v:.3f}", va="center", fontsize=8)
            ax.set_title(title, fontsize=9)
        fig.suptitle(f"Score-opbouw {br['vacancy']}: (som +) × (product ×) = {br['score']:.3f}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "breakdown.png", dpi=110)
    plt.close(fig)
    written.append("breakdown.png")
    return written


def write_report(results: dict, raw: dict, out: Path, baseline: Path | None = None,
                 speed_tolerance: float = 0.10) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    comparison = None
    if baseline is not None:
        base = json.loads(Path(baseline).read_text(encoding="utf-8"))
        comparison = compare(results, base, speed_tolerance)
        results["comparison"] = {"baseline": str(baseline), "worse": comparison["worse"],
                                 "better": comparison["better"], "compared": comparison["compared"],
                                 "speed_tolerance": speed_tolerance}
    results.setdefault("plots", [])
    try:
        results["plots"] = plots(results, raw, out)
    except Exception as exc:  # a plot must never lose the figures
        results.setdefault("errors", {})["plots"] = f"{type(exc).__name__}: {exc}"
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (out / "latencies.json").write_text(json.dumps({k: [round(x, 3) for x in v] for k, v in raw.items()}), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(results, comparison), encoding="utf-8")
    return results
