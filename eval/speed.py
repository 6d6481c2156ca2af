"""Speed and size: extraction latency, match latency at 20,000 and 200,000 vacancies, index
build throughput, resident memory.

* **Extraction latency** — :data:`BENCH_VACANCY` (a Dutch vacancy of ~300 words) through
  the product's extractor, warm (3 warm-up runs), p50/p95/p99 in ms.
* **Encoder throughput** — label texts encoded per second (``encode_passages``, batches of the
  configured size): the rate that bounds building the FAISS label indexes.
* **Match index build** — :meth:`MatchEngine.ensure_built` from the repository, no snapshot
  cache: vacancies (+ portfolios) per second.
* **Match latency** — ``match_vacancies`` top 20, fully explained (breakdown, evidence, gaps with
  "opens N vacancies"), warm, for evenly spaced stored portfolios; p50/p95/p99/mean in ms.
  At **200,000** vacancies the synthetic set is replicated ten times (new ids, locations
  jittered by up to ~5 km) in a lazy in-memory repository (:class:`ReplicatedRepository`), so
  nothing is written to disk.
* **Resident memory** — ``psutil`` RSS of this process after each build (it includes the
  model and everything loaded before; the deltas are the engine's own cost) and the peak.

Timings depend on the machine and on whatever else runs on it.
"""
from __future__ import annotations

import dataclasses
import os
import random
import resource
import time

import numpy as np

EXTRACT_RUNS = 20
MATCH_QUERIES = 200
MATCH_QUERIES_LARGE = 100
WARMUP = 10
REPLICAS = 10

#: A Dutch vacancy of ~300 words: the text of the extraction latency benchmarks.
BENCH_VACANCY = """Voor onze klant, een logistiek bedrijf in de regio Gent, zoeken wij een gemotiveerde magazijnmedewerker.

Jouw taken:
- Je laadt en lost vrachtwagens met de heftruck en de reachtruck.
- Je verzamelt orders met een handscanner en controleert de goederen bij ontvangst.
- Je houdt de voorraad bij in het WMS-systeem en meldt afwijkingen aan de teamleider.
- Je zorgt voor een nette en veilige werkplek en volgt de veiligheidsvoorschriften strikt op.
- Je verpakt goederen en maakt zendingen klaar voor verzending.
- Je voert dagelijks inventariscontroles uit en rapporteert tekorten of beschadigingen.
- Je bedient de wikkelmachine en labelt paletten volgens de richtlijnen van de klant.
- Je helpt nieuwe collega's op weg en deelt je kennis van de procedures in het magazijn.
- Je werkt mee aan het verbeteren van de werkprocessen en denkt mee over efficiëntere routes.
- Je registreert retourzendingen en zorgt dat ze correct terug in voorraad komen.
- Je communiceert vlot met chauffeurs, klanten en collega's van de administratie.
- Je werkt in een twee-ploegenstelsel en bent bereid om af en toe op zaterdag te werken.

Jouw profiel:
- Je hebt minstens twee jaar ervaring als magazijnier of orderpicker.
- Een heftruckattest is vereist; een VCA-attest is een pluspunt.
- Je bent flexibel, stressbestendig en werkt graag in team.
- Je werkt nauwkeurig en kan zelfstandig je werk plannen.
- Kennis van SAP is een troef, maar geen ervaring met SAP is ook geen probleem.
- Je spreekt vlot Nederlands; basiskennis Frans of Engels is bij voorkeur.
- Rijbewijs B is noodzakelijk.

Ons aanbod:
Wij bieden een contract van onbepaalde duur, een competitief loon met maaltijdcheques en
hospitalisatieverzekering, en opleidingen om je verder te ontwikkelen. Wij streven naar
diversiteit en moedigen iedereen aan om te solliciteren, ongeacht leeftijd, geslacht of afkomst.
Interesse? Solliciteer via onze website en stuur je cv en motivatiebrief."""


def _pct(a: list[float]) -> dict:
    x = np.array(a, dtype=float)
    if not len(x):
        return {}
    return {"p50_ms": round(float(np.percentile(x, 50)), 2), "p95_ms": round(float(np.percentile(x, 95)), 2),
            "p99_ms": round(float(np.percentile(x, 99)), 2), "mean_ms": round(float(x.mean()), 2)}


def rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def extraction_latency(extractor, runs: int = EXTRACT_RUNS) -> tuple[dict, list[float]]:
    """Warm latency of extracting :data:`BENCH_VACANCY` (3 warm-up calls, then ``runs`` timed)."""
    for _ in range(min(3, runs)):
        extractor.extract(BENCH_VACANCY, kind="vacancy")
    times = []
    r = None
    for _ in range(runs):
        t = time.perf_counter()
        r = extractor.extract(BENCH_VACANCY, kind="vacancy")
        times.append((time.perf_counter() - t) * 1000)
    return {**_pct(times), "runs": runs, "words": len(BENCH_VACANCY.split()),
            "competences": len(r.competences) if r else 0, "requirements": len(r.requirements) if r else 0}, times


def short_text_throughput(extractor, calls: int = 200) -> dict:
    """``texts_per_s``: one extraction call per short text (the lines of :data:`BENCH_VACANCY`
    with three words or more, cycled to ``calls`` calls), warm, one thread of the caller."""
    lines = [ln.strip("-• ").strip() for ln in BENCH_VACANCY.splitlines() if len(ln.split()) >= 3]
    for t in lines[:3]:
        extractor.extract(t, kind="free")
    texts = [lines[i % len(lines)] for i in range(calls)]
    t0 = time.perf_counter()
    for t in texts:
        extractor.extract(t, kind="free")
    dt = time.perf_counter() - t0
    return {"texts_per_s": round(calls / dt, 1), "short_texts": calls,
            "short_text_words": round(sum(len(t.split()) for t in texts) / calls, 1)}


def encoder_throughput(services, n: int = 256) -> dict:
    labels = []
    for _cid, _lang, label, _kind in services.store.labels("competences"):
        labels.append(label)
        if len(labels) >= n:
            break
    enc = services.encoder
    enc.encode_passages(labels[:32])
    t = time.perf_counter()
    enc.encode_passages(labels)
    s = time.perf_counter() - t
    return {"labels": len(labels), "seconds": round(s, 2), "labels_per_s": round(len(labels) / s, 1)}


def match_latency(engine, people, *, top: int = 20, warmup: int = WARMUP) -> tuple[dict, list[float]]:
    times = []
    warmup = min(warmup, len(people) // 2)
    for i, p in enumerate(people):
        t = time.perf_counter()
        engine.match_vacancies(p, top=top, record_exposure=False)
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
    return {**_pct(times), "queries": len(times), "top": top, "n_vacancies": engine.vac.n}, times


def sample_people(portfolios, n: int) -> list:
    step = max(1, len(portfolios) // max(1, n))
    return list(portfolios)[::step][:n]


class ReplicatedRepository:
    """A read-only repository of ``replicas`` copies of ``base`` vacancies (new ids, jittered
    places), built lazily; enough of :class:`indexer.storage.protocol.VacancyRepository` for the
    match engine."""

    def __init__(self, base, replicas: int = REPLICAS, seed: int = 7, portfolios=()):
        self.base = list(base)
        self.replicas = replicas
        self.seed = seed
        self._portfolios = list(portfolios)
        self._pos = {}
        from matcher.geo import complete

        self._locs = [complete(v.location) for v in self.base]

    def _make(self, k: int, i: int):
        v = self.base[i]
        if k == 0:
            return v
        loc = self._locs[i]
        r = random.Random(f"{self.seed}:{k}:{i}")
        if loc.lat is not None:
            loc = dataclasses.replace(loc, lat=loc.lat + r.uniform(-0.045, 0.045), lon=loc.lon + r.uniform(-0.06, 0.06))
        return dataclasses.replace(v, id=f"{v.id}-R{k:02d}", location=loc)

    def _parse(self, vid: str) -> tuple[int, int]:
        if vid not in self._pos and not self._pos:
            self._pos = {v.id: i for i, v in enumerate(self.base)}
        if "-R" in vid[-4:]:
            return int(vid[-2:]), self._pos[vid[:-4]]
        return 0, self._pos[vid]

    def iter_vacancies(self):
        for k in range(self.replicas):
            for i in range(len(self.base)):
                yield self._make(k, i)

    def get_vacancies(self, ids):
        return [self._make(*self._parse(i)) for i in ids]

    def get_vacancy(self, vid):
        return self.get_vacancies([vid])[0]

    def iter_portfolios(self):
        return iter(self._portfolios)

    def get_portfolios(self, ids):
        by = {p.id: p for p in self._portfolios}
        return [by[i] for i in ids if i in by]

    def count_vacancies(self) -> int:
        return len(self.base) * self.replicas

    def count_portfolios(self) -> int:
        return len(self._portfolios)

    def competence_ids(self):
        ids = {c.competence_id for v in self.base for c in v.competences}
        ids |= {c.competence_id for p in self._portfolios for c in p.competences}
        return sorted(ids)

    def state_key(self) -> str:
        return f"replicated-{len(self.base)}x{self.replicas}-{self.seed}"

    def generation(self) -> int:
        return 0

    def exposure_counts(self, kind):
        return {}


def engine_build(tax, repo, near=None, *, near_loader=None, source: str = "") -> tuple[object, dict]:
    """A fresh engine over ``repo`` (no snapshot cache), timed, with RSS before and after.
    The near table is loaded first and not timed (it is built once per taxonomy and label index)."""
    from matcher.matching.engine import MatchEngine

    engine = MatchEngine(tax, repo, near, near_loader=near_loader, cache_dir=None)
    t = time.perf_counter()
    near_source = engine.near.source
    near_s = time.perf_counter() - t
    before = rss_mb()
    t = time.perf_counter()
    engine.ensure_built()
    s = time.perf_counter() - t
    after = rss_mb()
    n_v, n_p = engine.vac.n, engine.port.n
    return engine, {"vacancies": n_v, "portfolios": n_p, "source": source, "seconds": round(s, 2), "near_source": near_source,
                    "near_load_seconds": round(near_s, 2),
                    "vacancies_per_s": round(n_v / s, 1) if s > 0 else None,
                    "rss_before_mb": before, "rss_after_mb": after, "rss_delta_mb": round(after - before, 1)}


def run_speed(services, engine, build_info: dict, tax, vacancies, portfolios, *, large: bool = True,
              replicas: int = REPLICAS, queries: int = MATCH_QUERIES, queries_large: int = MATCH_QUERIES_LARGE,
              extract_runs: int = EXTRACT_RUNS, progress: bool = False) -> tuple[dict, dict]:
    """Returns (figures, raw latencies for the plots)."""
    out: dict = {"cpu_count": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)}
    raw: dict = {}
    try:
        if extract_runs > 0:
            out["extraction"], raw["extraction"] = extraction_latency(services.extractor, extract_runs)
    except Exception as exc:  # the extractor is another component: report, don't stop
        out["extraction"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        out["encoder"] = encoder_throughput(services)
    except Exception as exc:
        out["encoder"] = {"error": f"{type(exc).__name__}: {exc}"}

    def scale(name: str, eng, build: dict, n_queries: int, shown: object) -> None:
        """One index size: its build figures, match latency over a sample of people, RSS after."""
        out[f"index_build_{name}"] = build
        out[f"match_{name}"], raw[f"match_{name}"] = match_latency(eng, sample_people(portfolios, n_queries + WARMUP))
        out[f"rss_mb_{name}"] = rss_mb()
        if progress:
            print(f"  speed {shown}: p50 {out[f'match_{name}'].get('p50_ms')} ms", flush=True)

    scale("20k", engine, build_info, queries, "20k")
    if large and vacancies:
        repo = ReplicatedRepository(vacancies, replicas)
        big, info = engine_build(tax, repo, engine.near, source=f"in geheugen, {replicas}x gerepliceerd (geen JSON-parsing)")
        scale("200k", big, info, queries_large, big.vac.n)
        del big
    out["peak_rss_mb"] = peak_rss_mb()
    out["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    return out, raw


__all__ = ["run_speed", "ReplicatedRepository", "engine_build", "rss_mb"]
