"""End-to-end extraction quality on the project's own gold texts (``data/gold/extraction``).

Per text, the extractor's *held* competences are compared with the gold ``competences``
(document level, micro over all texts): a prediction is right when it is the gold concept or
its crosswalk twin (Competent code <-> ESCO URI by exactMatch/closeMatch). A prediction that
matches an ``acceptable`` item counts neither as a hit nor as an error. ``must_not`` items are
counted in the top 5 of each text (held and suggested items, by confidence). Requirements are
scored on (category, value, status) and, for languages, the CEFR/moedertaal level.

The gold set is also the development set: files at positions 3, 6, 9, … (sorted by name) are
the held-out split (:func:`split_of`); report its figures beside the rest.
"""
from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

#: held-out split: every 3rd file in name order
HOLDOUT_EVERY = 3
TOP_MUST_NOT = 5


def load_gold(folder: Path) -> list[dict]:
    files = sorted(Path(folder).glob("*.json"))
    if not files:
        raise ValueError(f"{folder}: geen gold-bestanden (*.json) gevonden.")
    out = []
    for f in files:
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{f}: ongeldige JSON ({exc}).") from exc
        if not isinstance(d, dict) or "text" not in d or "competences" not in d:
            raise ValueError(f"{f}: 'text' en 'competences' verwacht.")
        out.append(d)
    return out


def split_of(position: int) -> str:
    """'holdout' for every 3rd file (positions 3, 6, 9, … counting from 1), else 'dev'."""
    return "holdout" if position % HOLDOUT_EVERY == HOLDOUT_EVERY - 1 else "dev"


def twin_map(store) -> dict[str, set[str]]:
    """Each Competent code and ESCO URI -> itself and its exact/close crosswalk twins."""
    twins: dict[str, set[str]] = defaultdict(set)
    for code, uri, rel in store.con.execute("SELECT competent_code, esco_uri, relation FROM competence_map"):
        if rel in ("exactMatch", "closeMatch"):
            twins[code].add(uri)
            twins[uri].add(code)
    return twins


def _ids(c, twins) -> set[str]:
    own = {x for x in (c.competence_id, c.competent_code, c.esco_uri) if x}
    return own | {t for x in own for t in twins.get(x, ())}


def _gold_ids(item_id: str, twins) -> set[str]:
    return {item_id} | twins.get(item_id, set())


def _level(level: str | None) -> str | None:
    """Only CEFR levels and mother tongue are levels in the gold set; vague words are None."""
    if level and (level == "moedertaal" or (len(level) == 2 and level[0] in "ABC" and level[1] in "12")):
        return level
    return None


def requirement_key(category: str, value: str, status: str, language_codes: dict[str, str]) -> tuple:
    if category == "language":
        value = language_codes.get(value, value)
    return (category, value.lower(), status)


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def score_text(doc: dict, extraction, twins, language_codes: dict[str, str]) -> dict:
    """Hits, errors and misses of one text."""
    gold = [(g["id"], g["label"], _gold_ids(g["id"], twins)) for g in doc["competences"]]
    acceptable = set().union(*(_gold_ids(a["id"], twins) for a in doc.get("acceptable", []))) if doc.get("acceptable") else set()
    must_not = {m["id"]: m for m in doc.get("must_not", [])}
    held = [c for c in extraction.competences if c.status == "held"]
    matched: set[str] = set()
    hits, errors, ignored = [], [], []
    for c in held:
        ids = _ids(c, twins)
        g = next((g for g in gold if g[2] & ids and g[0] not in matched), None)
        if g is not None:
            matched.add(g[0])
            hits.append(g[0])
        elif any(g[2] & ids for g in gold) or ids & acceptable:
            ignored.append(c.competence_id)
        else:
            bad = next((must_not[m] for m in must_not if _gold_ids(m, twins) & ids), None)
            errors.append({"id": c.competence_id, "label": c.label, "confidence": c.confidence,
                           "span": c.spans[0].text if c.spans else "", "must_not": bad["why"] if bad else None})
    ranked = sorted(extraction.competences, key=lambda c: -c.confidence)[:TOP_MUST_NOT]
    must_not_top = [{"id": c.competence_id, "label": c.label, "status": c.status}
                    for c in ranked if any(_gold_ids(m, twins) & _ids(c, twins) for m in must_not)]
    statuses = ("held", "not_held", "in_progress", "required", "nice_to_have")
    got_req = {requirement_key(r.category, r.value, r.status, language_codes) for r in extraction.requirements
               if r.status in statuses}
    want_req = {requirement_key(r["category"], r["value"], r["status"], language_codes) for r in doc.get("requirements", [])}
    got_lv = {(language_codes.get(r.value, r.value), _level(r.level)) for r in extraction.requirements if r.category == "language"}
    want_lv = {(r["value"], r["level"]) for r in doc.get("requirements", []) if r["category"] == "language"}
    return {
        "id": doc.get("id"), "kind": doc.get("kind"), "tp": len(hits), "fp": len(errors), "fn": len(gold) - len(matched),
        "errors": errors, "misses": [{"id": g[0], "label": g[1]} for g in gold if g[0] not in matched],
        "acceptable_or_repeat": ignored, "must_not_top5": must_not_top,
        "n_suggestions": sum(1 for c in extraction.competences if c.status != "held"),
        "req_tp": len(got_req & want_req), "req_fp": len(got_req - want_req), "req_fn": len(want_req - got_req),
        "req_extra": sorted(map(list, got_req - want_req)), "req_missed": sorted(map(list, want_req - got_req)),
        "lang_level_tp": len(got_lv & want_lv), "lang_level_n": len(want_lv),
    }


def summarise(rows: list[dict]) -> dict:
    tp, fp, fn = (sum(r[k] for r in rows) for k in ("tp", "fp", "fn"))
    out = _prf(tp, fp, fn)
    req = _prf(*(sum(r[k] for r in rows) for k in ("req_tp", "req_fp", "req_fn")))
    out.update({
        "n_texts": len(rows),
        "must_not_in_top5": sum(len(r["must_not_top5"]) for r in rows),
        "texts_with_must_not_in_top5": sum(1 for r in rows if r["must_not_top5"]),
        "held_per_text": round((tp + fp + sum(len(r["acceptable_or_repeat"]) for r in rows)) / max(1, len(rows)), 2),
        "requirements": {k: req[k] for k in ("precision", "recall", "f1")},
        "language_level_accuracy": round(sum(r["lang_level_tp"] for r in rows) / max(1, sum(r["lang_level_n"] for r in rows)), 4),
    })
    return out


def evaluate_extract_gold(folder: Path, extractor, store, *, out_dir: Path | None = None,
                          progress: bool = False) -> dict:
    """Micro P/R/F1 over all gold texts, per split (dev / holdout) and per kind; errors to a file."""
    from matcher.text.cues import LANGUAGE_CODES

    t0 = time.time()
    docs = load_gold(folder)
    twins = twin_map(store)
    rows = []
    it = enumerate(docs)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, total=len(docs), desc="Gold-teksten", unit="tekst")
    for i, doc in it:
        ex = extractor.extract(doc["text"], kind=doc.get("kind", "free"))
        row = score_text(doc, ex, twins, LANGUAGE_CODES)
        row["split"] = split_of(i)
        rows.append(row)
    res = summarise(rows)
    res["splits"] = {sp: summarise([r for r in rows if r["split"] == sp]) for sp in ("dev", "holdout")}
    res["kinds"] = {k: summarise([r for r in rows if (r["kind"] == "vacancy") == (k == "vacancy")]) for k in ("cv", "vacancy")}
    res["seconds"] = round(time.time() - t0, 1)
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "extract-gold.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
        (out_dir / "extract-gold-errors.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
        res["errors_file"] = str(out_dir / "extract-gold-errors.json")
    return res


def _restatus(extraction, confidence: list[float], held_cut: float):
    """A copy of ``extraction`` with the given confidences, cut into held / suggestion."""
    from dataclasses import replace

    comps = [replace(c, confidence=p, status="held" if p >= held_cut else "suggestion")
             for c, p in zip(extraction.competences, confidence)]
    return replace(extraction, competences=comps)


def fit_extract_calibration(folder: Path, extractor, store, *, min_precision: float = 0.85,
                            progress: bool = False) -> dict:
    """The end-to-end calibration, fitted on the documents (≥ 2 sentences) of the gold **dev** split
    only (never the held-out split; a one-sentence text keeps the label-identity confidence).

    Target per extracted concept: right when it is a gold competence or an acceptable one (or
    their crosswalk twin), wrong otherwise (must-not and everything else). The held cut is the
    lowest one whose dev precision (the :func:`score_text` rule) reaches ``min_precision``.
    Returns the file content for :func:`matcher.extraction.calibration.end_to_end_path` plus the
    dev sweep; :class:`ValueError` when the extractions hold no right (or no wrong) example."""
    from matcher.extraction.calibration import END_TO_END_MIN_SENTENCES, Calibration, choose_cut, fit_end_to_end
    from matcher.text.clauses import split_sentences
    from matcher.text.cues import LANGUAGE_CODES

    docs = [d for i, d in enumerate(load_gold(folder))
            if split_of(i) == "dev" and len(split_sentences(d["text"])) >= END_TO_END_MIN_SENTENCES]
    twins = twin_map(store)
    runs, evidence, right = [], [], []
    it = docs
    if progress:
        from tqdm import tqdm

        it = tqdm(docs, desc="Gold-teksten (dev)", unit="tekst")
    for doc in it:
        ex = extractor.extract(doc["text"], kind=doc.get("kind", "free"))
        good = set()
        for g in doc["competences"] + doc.get("acceptable", []):
            good |= _gold_ids(g["id"], twins)
        runs.append((doc, ex))
        for c in ex.competences:
            evidence.append(c.evidence)
            right.append(bool(_ids(c, twins) & good))
    fit = fit_end_to_end(evidence, right)
    cal = Calibration(weights=fit["weights"], bias=fit["bias"])
    confs = [[cal.confidence(c.evidence) for c in ex.competences] for _doc, ex in runs]

    def score(cut: float) -> dict:
        rows = [score_text(doc, _restatus(ex, p, cut), twins, LANGUAGE_CODES) for (doc, ex), p in zip(runs, confs)]
        return summarise(rows)

    sweep = []
    for cut in [round(0.2 + 0.01 * i, 2) for i in range(78)]:
        s = score(cut)
        sweep.append((cut, s["precision"], s["recall"]))
    held_cut = choose_cut(sweep, min_precision=min_precision)
    dev = score(held_cut)
    return {**fit, "held_cut": held_cut, "min_sentences": END_TO_END_MIN_SENTENCES,
            "fitted_on": f"{folder} (dev split, {len(docs)} texts)", "min_precision": min_precision,
            "dev": {k: dev[k] for k in ("precision", "recall", "f1", "must_not_in_top5", "held_per_text")},
            "sweep": [{"cut": c, "precision": p, "recall": r} for c, p, r in sweep]}
