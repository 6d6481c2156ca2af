"""``cmatch bench scale``: the vacancy index at one million vacancies — build, latency, recall, memory.

What is measured (on at most ``--threads`` cores):

* **vacancies**: ``n`` synthetic vacancies as competence bags sampled from the Competent
  occupation profiles of the taxonomy store (:class:`eval.scale_data.CompetenceBags`:
  4–9 essential and 2–6 optional competences of one occupation, weighted by profile weight);
  their vectors are exactly what the durable index stores (:class:`CompetenceVectors`), made in
  chunks of 100,000 so the raw float32 vectors (1.5 GB at 10⁶) are never all in memory;
* **build**: training the IVF-SQ8 index (``new_ivf``, the same constructor the durable index
  uses) on a sample of the first chunk, then adding every vector with its id (``build_s``);
* **exact search**: the true top-20 of every query by brute force over all vectors, streamed
  chunk by chunk (the same result as ``IndexFlatIP`` on the same vectors);
* **queries**: synthetic portfolios (part of an occupation's essential competences, some
  optional ones, a few of other occupations); ``nprobe`` is chosen on 200 tuning queries as the
  smallest reaching the recall target plus a margin (0.02, for the sampling error of 200
  queries), then 200 *other* queries are timed one by one (portfolio
  → vector → top-20) and scored: ``p95_ms``, ``recall_at_20``;
* **recall@20**: the share of the exact top-20 that the approximate top-20 finds. Sampled bags
  repeat (an occupation with few competences yields identical vacancies), so exact scores tie;
  a returned vacancy whose exact score equals the 20th exact score counts as found
  (``recall_at_20``); the strict id-overlap is reported too (``recall_at_20_ids``);
* **memory**: peak resident set size while building and searching (``rss_mb``, from
  ``getrusage``), and the resident size once built (``rss_serving_mb``);
* **snapshot**: the built index written as a durable snapshot and loaded back through
  :class:`~indexer.storage.vacancy_index.VacancyIndex` (what an API process does on start):
  ``snapshot_write_s`` (with fsync), ``snapshot_load_s``, ``snapshot_mb``; the peak RSS
  including that round trip (two copies for a moment) is ``rss_peak_final_mb``.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from eval.machine import limit_cores, peak_rss_mb, rss_mb
from eval.scale_data import CompetenceBags
from indexer.storage.vacancy_index import (CompetenceVectors, VacancyIndex, auto_nlist, new_ivf, stored_keys,
                                           vacancy_weight)


class _Chunker:
    """Vacancy vectors for ids ``[start, stop)``, vectorised per occupation.

    The same distribution as :meth:`CompetenceBags.vacancy_bag` (one occupation uniformly, 4–9
    essential and 2–6 optional competences drawn without replacement with probability by
    profile weight, through the ``u ** (1 / w)`` keys), but drawn with numpy for a whole chunk:
    bags -> sparse rows -> one product with the competence table. Deterministic per chunk.
    """

    def __init__(self, bags: CompetenceBags, vectors: CompetenceVectors, seed: int):
        import scipy.sparse as sp

        self.sp = sp
        self.seed = seed
        comps = sorted({c for code in bags.codes for c, _ in bags.ess[code] + bags.opt[code]})
        self.col = {c: j for j, c in enumerate(comps)}
        self.table = vectors.table(comps).astype(np.float32)
        self.codes = bags.codes
        self.groups = []
        for code in bags.codes:
            groups = []
            for items, imp, lo, hi in ((bags.ess[code], "essential", 4, 9), (bags.opt[code], "optional", 2, 6)):
                cols = np.array([self.col[c] for c, _ in items], dtype=np.int64)
                w = np.array([max(w, 0.05) for _, w in items], dtype=np.float64)
                vals = np.array([vacancy_weight(imp, x) for _, x in items], dtype=np.float32)
                groups.append((cols, w, vals, lo, hi))
            self.groups.append(groups)

    def bag_rows(self, start: int, stop: int):
        rng = np.random.default_rng([self.seed, start])
        m = stop - start
        occ = rng.integers(0, len(self.codes), m)
        rows, cols, vals = [], [], []
        for o in np.unique(occ):
            members = np.nonzero(occ == o)[0]
            for gcols, w, gvals, lo, hi in self.groups[o]:
                if len(gcols) == 0:
                    continue
                keys = rng.random((len(members), len(gcols))) ** (1.0 / w)
                order = np.argsort(-keys, axis=1)
                want = rng.integers(lo, hi + 1, len(members))[:, None]
                take = np.arange(len(gcols))[None, :] < want
                r = np.broadcast_to(members[:, None], order.shape)[take]
                rows.append(r)
                cols.append(gcols[order[take]])
                vals.append(gvals[order[take]])
        return self.sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                  shape=(m, len(self.col)))

    def vectors_for(self, start: int, stop: int) -> np.ndarray:
        x = np.asarray(self.bag_rows(start, stop) @ self.table, dtype=np.float32)
        x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        return x


def _merge_topk(best_s: np.ndarray, best_i: np.ndarray, s: np.ndarray, ids: np.ndarray, k: int):
    rows = np.arange(len(s))[:, None]
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]          # this chunk's top-k first
    all_s = np.concatenate([best_s, s[rows, top]], axis=1)
    all_i = np.concatenate([best_i, ids[top]], axis=1)
    part = np.argpartition(-all_s, k - 1, axis=1)[:, :k]
    rows = np.arange(len(all_s))[:, None]
    return all_s[rows, part], all_i[rows, part]


def bench_scale(n: int = 1_000_000, *, settings=None, queries: int = 200, k: int = 20, target_recall: float = 0.95,
                tune_margin: float = 0.02,
                nlist: int = 0, sq8: bool = True, threads: int = 2, search_threads: int = 1, chunk: int = 100_000,
                seed: int = 42, vector_source: str = "auto", snapshot: bool = True, progress: bool = False) -> dict:
    import faiss

    t_all = time.perf_counter()
    cores, _ = limit_cores(threads)  # for the whole run (a command process)
    faiss.omp_set_num_threads(threads)

    def say(msg: str) -> None:
        if progress:
            print(f"[{time.perf_counter() - t_all:7.1f}s, rss {rss_mb():6.0f} MB] {msg}", flush=True)

    store = Path(settings.store_path) if settings is not None else None
    if store is not None and store.exists():
        bags, profiles = CompetenceBags.from_store(store, seed=seed), "Competent-beroepsprofielen (taxonomy.sqlite)"
        if vector_source == "labels":
            vectors = CompetenceVectors.from_label_index(settings.index_dir)
        elif vector_source == "auto":
            vectors = CompetenceVectors.auto(settings)
        else:
            vectors = CompetenceVectors.hashed()
    else:
        bags, profiles = CompetenceBags.synthetic(n_occupations=600, vocabulary=15000, seed=seed), "synthetisch"
        vectors = CompetenceVectors.hashed()
    chunker = _Chunker(bags, vectors, seed)
    say(f"{len(bags.codes)} beroepen, {len(chunker.col)} competenties, vectoren {vectors.fingerprint}")

    # queries: tuning set and evaluation set, disjoint
    q_bags = [bags.portfolio_bag(i) for i in range(2 * queries)]
    q_all = np.stack([vectors.bag((c, 1.0) for c in bag) for bag in q_bags]).astype(np.float32)
    nlist = nlist or auto_nlist(n)
    gt_s = np.full((len(q_all), k), -np.inf, np.float32)
    gt_i = np.full((len(q_all), k), -1, np.int64)

    cand: list[dict[int, float]] = [{} for _ in range(len(q_all))]
    gen_s = gt_time = build_s = 0.0
    index = None
    for start in range(1, n + 1, chunk):
        stop = min(n + 1, start + chunk)
        t = time.perf_counter()
        x = chunker.vectors_for(start, stop)
        ids = np.arange(start, stop, dtype=np.int64)
        gen_s += time.perf_counter() - t
        t = time.perf_counter()
        scores = q_all @ x.T
        gt_s, gt_i = _merge_topk(gt_s, gt_i, scores, ids, k)
        # everything at or above the running k-th score (which only rises): holds the final ties
        near = scores >= gt_s.min(axis=1, keepdims=True) - 1e-5
        for qi in np.nonzero(near.any(axis=1))[0]:
            cand[qi].update(zip(ids[near[qi]].tolist(), scores[qi, near[qi]].tolist()))
        del scores, near
        gt_time += time.perf_counter() - t
        t = time.perf_counter()
        if index is None:
            train_n = min(len(x), 40 * nlist)
            sample = x[np.random.default_rng(seed).choice(len(x), train_n, replace=False)]
            index = new_ivf(sample, nlist, sq8=sq8)
            say(f"getraind: IVF{nlist},{'SQ8' if sq8 else 'Flat'} op {train_n} vectoren in {time.perf_counter() - t:.1f}s")
        index.add_with_ids(x, ids)
        build_s += time.perf_counter() - t
        del x
        say(f"{stop - 1:,} vacatures in de index")
    assert index is not None and index.ntotal == n
    gt_order = np.argsort(-gt_s, axis=1)
    gt_s = np.take_along_axis(gt_s, gt_order, 1)
    gt_i = np.take_along_axis(gt_i, gt_order, 1)
    rss_serving = rss_mb()

    # exact answers: the top-k, and every vacancy tied with the k-th (an equally right answer)
    tied = []
    for qi in range(len(q_all)):
        kth = gt_s[qi, -1] - 1e-5
        tied.append({vid for vid, sc in cand[qi].items() if sc >= kth} | set(gt_i[qi].tolist()))
    cand.clear()

    def recall(rows: range, got: np.ndarray) -> tuple[float, float]:
        tie, strict = [], []
        for qi, r in zip(rows, got):
            truth = set(gt_i[qi].tolist())
            strict.append(len(truth & set(r.tolist())) / k)
            tie.append(min(k, sum(1 for vid in r.tolist() if vid in tied[qi])) / k)
        return float(np.mean(tie)), float(np.mean(strict))

    # choose nprobe on the tuning queries
    tune = range(0, queries)
    sweep = []
    chosen = None
    for nprobe in (4, 8, 16, 32, 64, 128, 256):
        if nprobe > nlist:
            break
        index.nprobe = nprobe
        _, got = index.search(q_all[:queries], k)
        r_tie, r_ids = recall(tune, got)
        sweep.append({"nprobe": nprobe, "recall_at_20": round(r_tie, 4), "recall_at_20_ids": round(r_ids, 4)})
        say(f"nprobe {nprobe}: recall@20 {r_tie:.4f} (ids {r_ids:.4f})")
        if r_tie >= target_recall + tune_margin:
            chosen = nprobe
            break
    index.nprobe = chosen or sweep[-1]["nprobe"]

    # evaluation queries, timed one by one: portfolio bag -> vector -> top-20. One search thread:
    # an API process answers concurrent requests, one thread each (and OpenMP hand-offs for a
    # single query only add tail latency on a loaded 2-core machine).
    faiss.omp_set_num_threads(search_threads)
    evalq = range(queries, 2 * queries)
    for qi in list(evalq)[:10]:  # warm-up
        index.search(q_all[qi:qi + 1], k)
    times, cpu, got = [], [], []
    for qi in evalq:
        t, c = time.perf_counter(), time.thread_time()
        qv = vectors.bag((c, 1.0) for c in q_bags[qi]).astype(np.float32)[None, :]
        _, ids = index.search(qv, k)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
        got.append(ids[0])
    r_tie, r_ids = recall(evalq, np.stack(got))
    keys = stored_keys(index)
    a = np.asarray(times)
    peak_rss = peak_rss_mb()
    snap = _snapshot_roundtrip(index, vectors, settings, say) if snapshot else {}
    return {
        "n_vacancies": int(index.ntotal), "build_s": round(build_s, 1), "p95_ms": round(float(np.percentile(a, 95)), 2),
        "recall_at_20": round(r_tie, 4), "rss_mb": round(peak_rss, 0),
        "p50_ms": round(float(np.percentile(a, 50)), 2), "p99_ms": round(float(np.percentile(a, 99)), 2),
        "p95_cpu_ms": round(float(np.percentile(cpu, 95)), 2), "load_avg_1m": round(os.getloadavg()[0], 2),
        "recall_at_20_ids": round(r_ids, 4), "rss_serving_mb": round(rss_serving, 0),
        "index": f"IVF{nlist},{'SQ8' if sq8 else 'Flat'} (inner product, hashtable direct map)", "nlist": nlist,
        "nprobe": int(index.nprobe), "nprobe_sweep_tuning_queries": sweep, "target_recall": target_recall, "tune_margin": tune_margin,
        "queries": len(evalq), "k": k, "threads": cores, "search_threads": search_threads, "generate_s": round(gen_s, 1),
        "exact_search_s": round(gt_time, 1), "total_s": round(time.perf_counter() - t_all, 1),
        "unique_ids_in_index": int(len(np.unique(keys))), "dim": int(index.d), "vectors": vectors.fingerprint,
        "profiles": profiles, "occupations": len(bags.codes), "competences": len(chunker.col), "seed": seed,
        **snap, "rss_peak_final_mb": round(peak_rss_mb(), 0),
    }


class _BenchRepo:
    """Just enough of a change log for a snapshot of the bench index (no database behind it)."""

    def __init__(self, seq: int):
        self.seq = seq

    def instance(self) -> str:
        return "bench-scale"

    def max_change_seq(self) -> int:
        return self.seq

    def changes_since(self, seq: int, limit: int = 10000) -> list:
        return []


def _snapshot_roundtrip(index, vectors, settings, say) -> dict:
    """Write the built index as a durable snapshot and load it back, through VacancyIndex itself."""
    import shutil
    import tempfile

    base = Path(settings.var_dir) / "bench" if settings is not None else Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="vindex-", dir=base))
    try:
        repo = _BenchRepo(int(index.ntotal))
        vi = VacancyIndex(repo, root, vectors)
        vi.index = index
        vi.names = {int(i): f"SYN-V-{int(i):07d}" for i in stored_keys(index)}
        vi.seq = repo.seq
        t = time.perf_counter()
        folder = vi.snapshot()
        write_s = time.perf_counter() - t
        size = sum(f.stat().st_size for f in folder.iterdir())
        del vi
        t = time.perf_counter()
        loaded = VacancyIndex.open(repo, root, vectors, catch_up=False)
        load_s = time.perf_counter() - t
        assert loaded.loaded_from == folder.name and loaded.ntotal == index.ntotal
        say(f"snapshot {size / 2**20:.0f} MB: schrijven {write_s:.1f}s, laden {load_s:.1f}s")
        del loaded
        return {"snapshot_write_s": round(write_s, 1), "snapshot_load_s": round(load_s, 1),
                "snapshot_mb": round(size / 2**20, 0)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
