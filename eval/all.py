"""``cmatch eval all --out DIR [--baseline results.json]``: every benchmark in one report.

Runs, in one process with one loaded model (:class:`api.wiring.Services`):

1. the MELO, skill-extraction and JobBERT evaluations on the dev sets (:mod:`eval.melo`,
   :mod:`eval.skills`, :mod:`eval.jobbert`, default settings: hybrid, taxonomy expansion,
   trained adapter when present);
2. the graded-relevance matching benchmark with its ablations (:mod:`eval.matching_bench`);
3. fairness: counterfactual invariance, exposure by group, diploma-less check
   (:mod:`eval.fairness_eval`);
4. speed and size (:mod:`eval.speed`);

and writes ``DIR/report.md``, ``DIR/results.json``, ``DIR/latencies.json`` and the plots
``quality.png``, ``latency.png``, ``breakdown.png`` (:mod:`eval.report`). With ``--baseline``
every figure that got worse is marked in the report and listed in ``results.json``
(``comparison.worse``).

The matching, fairness and speed parts run on a dedicated synthetic store
(``var/eval/synthetic-<taxonomy>-s42-20000x5000/app.sqlite``, generated with
:mod:`eval.synthetic` when missing) — never on the application's own store, so imports there
cannot change the figures. Every sample is seeded: two runs on the same commit give the same
quality figures. A step that fails is reported under ``errors`` (exit code 1) and the others
still run.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import typer

STEPS = ("extraction", "matching", "fairness", "speed")
SYN_VACANCIES, SYN_PORTFOLIOS, SYN_SEED = 20000, 5000, 42


def _log(msg: str, progress: bool) -> None:
    if progress:
        typer.echo(f"[eval all {time.strftime('%H:%M:%S')}] {msg}", err=True)


def git_commit(root: Path | None = None) -> str:
    root = root or Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        commit = out.stdout.strip() or "?"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=20).stdout.strip()
        return commit + ("+wijzigingen" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "?"


# ---------------------------------------------------------------------- synthetic store
def synthetic_store(services, *, vacancies: int = SYN_VACANCIES, portfolios: int = SYN_PORTFOLIOS,
                    seed: int = SYN_SEED, progress: bool = False):
    """The benchmark's own repository of synthetic records (generated and imported once)."""
    from indexer.storage.sqlite import SqliteVacancyRepository

    tax = services.match_taxonomy
    folder = Path(services.settings.var_dir) / "eval" / f"synthetic-{tax.version}-s{seed}-{vacancies}x{portfolios}"
    db = folder / "app.sqlite"
    done = folder / "COMPLETE"
    if db.exists() and done.exists():
        return SqliteVacancyRepository(db), False
    from matcher.ingest import Resolver, import_jsonl
    from eval.synthetic import generate

    _log(f"synthetische set genereren ({vacancies} vacatures, {portfolios} portfolio's, seed {seed}) -> {folder}",
         progress)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    gen = generate(tax, services.store, folder, vacancies=vacancies, portfolios=portfolios, seed=seed)
    repo = SqliteVacancyRepository(db)
    resolver = Resolver(tax)
    for kind in ("vacancies", "portfolios"):
        rep = import_jsonl(gen.files[kind], kind, repo, resolver)
        if rep.rejected:
            raise RuntimeError(f"synthetische {kind}: {len(rep.rejected)} regels geweigerd, bv. {rep.rejected[0]}")
    done.write_text(json.dumps({"vacancies": vacancies, "portfolios": portfolios, "seed": seed,
                                "taxonomy": tax.version}), encoding="utf-8")
    return repo, True


def _active_indexes(services):
    """The active label indexes, or None before ``cmatch index build``."""
    try:
        return services.indexes
    except (FileNotFoundError, RuntimeError, OSError):
        return None


# ---------------------------------------------------------------------- extraction benchmarks
def _jobbert_subsample(path: Path, n: int, tmp: Path) -> Path:
    """Every k-th row (deterministic, spread over the file) into a temporary CSV."""
    from eval.readers import read_jobbert

    rows = read_jobbert(path)
    step = max(1, len(rows) // n)
    keep = rows[::step][:n]
    import csv

    tmp.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["", "vacancyTitle", "conceptUri"])
        for i, (t, u) in enumerate(keep):
            w.writerow([i, t, u])
    return tmp


def run_extraction(services, bench_dir: Path, out: Path, *, jobbert_sample: int = 0, progress: bool = False,
                   errors: dict) -> dict:
    res: dict = {}
    melo_root = bench_dir / "melo-nld-dev"
    if melo_root.is_dir():
        from eval.melo import evaluate_melo

        for sub in sorted(p for p in melo_root.iterdir() if p.is_dir()):
            key = f"melo.{sub.name}"
            _log(f"MELO {sub.name}", progress)
            for suffix, expand in (("", False), (".with_esco_label_lookup", True)):
                try:
                    res[key + suffix] = evaluate_melo(sub, services, expand=expand)
                except Exception as exc:
                    errors[key + suffix] = f"{type(exc).__name__}: {exc}"
    skills_root = bench_dir / "skill-extraction-dev"
    labels = skills_root / "skills_en_label.txt"
    if labels.exists():
        from eval.skills import evaluate_skills

        for ann in sorted(skills_root.glob("*_annotations.csv")):
            key = "skills." + ann.name.split("_")[0]
            _log(f"skills {ann.name}", progress)
            try:
                res[key] = evaluate_skills(ann, labels, services)
            except Exception as exc:
                errors[key] = f"{type(exc).__name__}: {exc}"
    jb = next(iter(sorted((bench_dir / "jobbert-dev").glob("*.csv*"))), None) if (bench_dir / "jobbert-dev").is_dir() else None
    if jb is not None:
        from eval.jobbert import evaluate_jobbert

        _log(f"JobBERT {jb.name}" + (f" (steekproef {jobbert_sample})" if jobbert_sample else ""), progress)
        try:
            path = _jobbert_subsample(jb, jobbert_sample, out / ".tmp" / "jobbert_sample.csv") if jobbert_sample else jb
            r = evaluate_jobbert(path, services)
            if jobbert_sample:
                r["sample"] = jobbert_sample
                r["set"] = jb.name
            res["jobbert"] = r
        except Exception as exc:
            errors["jobbert"] = f"{type(exc).__name__}: {exc}"
    return res


# ---------------------------------------------------------------------- everything
def evaluate_all(services, out: Path, *, baseline: Path | None = None, bench_dir: Path | None = None,
                 skip: set[str] = frozenset(), jobbert_sample: int = 0, n_queries: int | None = None,
                 synthetic: tuple[int, int] = (SYN_VACANCIES, SYN_PORTFOLIOS), large: bool = True,
                 replicas: int | None = None, fairness_sizes: tuple[int, int] | None = None,
                 speed_tolerance: float = 0.10, repo=None, min_vacancies: int = 3, speed_kw: dict | None = None,
                 progress: bool = False) -> dict:
    """Everything, as a dict (also written to ``out``). ``repo``: a prepared repository of
    synthetic records to use instead of the generated one (tests)."""
    from eval import fairness_eval, matching_bench, report, speed

    t_start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    errors: dict[str, str] = {}
    durations: dict[str, float] = {}
    results: dict = {"meta": {"commit": git_commit(), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                              "cpu_count": os.cpu_count(), "load_avg_1m_start": round(os.getloadavg()[0], 2),
                              "baseline": str(baseline) if baseline else None, "model": services.settings.model,
                              "skipped": sorted(skip)}}
    raw: dict = {}
    bench_dir = Path(bench_dir) if bench_dir else Path(services.settings.data_dir) / "benchmarks-dev"

    def step(name: str, fn):
        t = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # keep going: the report says what failed
            import traceback

            errors[name] = f"{type(exc).__name__}: {exc}"
            if progress:
                traceback.print_exc()
            return None
        finally:
            durations[name] = round(time.perf_counter() - t, 1)

    if "extraction" not in skip:
        results["extraction"] = step("extraction", lambda: run_extraction(
            services, bench_dir, out, jobbert_sample=jobbert_sample, progress=progress, errors=errors)) or {}

    need_engine = any(s not in skip for s in ("matching", "fairness", "speed"))
    engine = build_info = vacancies = portfolios = indexes = None
    tax = services.match_taxonomy if need_engine else None
    if need_engine:
        def prepare():
            nonlocal engine, build_info, vacancies, portfolios, indexes
            if repo is not None:
                rp, generated = repo, False
            else:
                rp, generated = synthetic_store(services, vacancies=synthetic[0], portfolios=synthetic[1],
                                                progress=progress)
            loader, indexes = services.near_table, _active_indexes(services)
            _log("matchindex opbouwen (synthetische set)", progress)
            engine, build_info = speed.engine_build(tax, rp, near_loader=loader,
                                                    source="uit de SQLite-opslag (JSON-documenten), met portfolio's")
            vacancies = list(rp.iter_vacancies())
            portfolios = list(rp.iter_portfolios())
            return generated

        results["synthetic"] = {"generated_now": step("prepare", prepare), "vacancies": synthetic[0],
                                "portfolios": synthetic[1], "seed": SYN_SEED}
    if engine is not None:
        if "matching" not in skip:
            _log("matchingbenchmark", progress)

            def matching():
                r = matching_bench.run_matching_bench(engine, services.store, tax, vacancies, indexes=indexes,
                                                      n_queries=n_queries or matching_bench.N_QUERIES,
                                                      min_vacancies=min_vacancies, progress=progress)
                queries = r.pop("_queries")
                results["breakdown_example"] = matching_bench.example_breakdown(engine, queries, tax)
                return r

            results["matching"] = step("matching", matching) or {}
        if "fairness" not in skip:
            _log("eerlijkheid", progress)
            kw = {}
            if fairness_sizes:
                kw = {"n_counterfactual": fairness_sizes[0], "n_bases": fairness_sizes[1]}
            results["fairness"] = step("fairness", lambda: fairness_eval.run_fairness(
                engine, tax, vacancies, portfolios, **kw)) or {}
        if "speed" not in skip:
            _log("snelheid en geheugen", progress)

            def speed_step():
                figs, r = speed.run_speed(services, engine, build_info, tax, vacancies, portfolios,
                                          large=large and "large" not in skip,
                                          replicas=replicas or speed.REPLICAS, progress=progress, **(speed_kw or {}))
                raw.update(r)
                return figs

            results["speed"] = step("speed", speed_step) or {}
    results["durations"] = durations
    results["errors"] = errors
    results["meta"]["seconds_total"] = round(time.perf_counter() - t_start, 1)
    report.write_report(results, raw, out, baseline, speed_tolerance)
    _log(f"klaar in {results['meta']['seconds_total']} s -> {out}/report.md", progress)
    return results
