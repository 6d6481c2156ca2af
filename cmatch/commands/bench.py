"""``cmatch bench …``: timings as figures (extraction and match latency, the vacancy index at 10⁶).

The measurements themselves live in :mod:`eval.speed`, :mod:`eval.bench_match`,
:mod:`eval.bench_update`, :mod:`eval.bench_scale` and :mod:`eval.load_bench`; timings never
decide a test.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import typer

from api.wiring import Components
from cmatch.output import print_fields, print_json
from eval.bench_match import bench_match
from eval.bench_scale import bench_scale
from eval.bench_update import bench_update
from eval.speed import extraction_latency, short_text_throughput
from indexer.settings import get_settings

bench_app = typer.Typer(help="Snelheid meten.", no_args_is_help=True)


def _report(res: dict, as_json: bool, lines: Callable[[dict], Iterable[str]]) -> None:
    """``--json`` prints the measurement as it is; otherwise the Dutch summary ``lines(res)``."""
    if as_json:
        print_json(res)
        return
    for line in lines(res):
        typer.echo(line)


def _load(res: dict) -> str:
    return f"belasting {res['load_1min_before']} -> {res['load_1min_after']}"


@bench_app.command("extract")
def bench_extract(
    runs: int = typer.Option(30, min=3, help="Aantal gemeten extracties (na opwarmen)."),
    short_texts: int = typer.Option(200, "--short-texts", min=10, help="Korte teksten, elk in een eigen oproep (texts_per_s)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """p50/p95-latentie (ms) van het extraheren van een Nederlandse vacature van ~300 woorden, warm,
    en texts_per_s: één oproep per korte tekst."""
    extractor = Components.from_env().extractor
    out, _times = extraction_latency(extractor, runs)
    out.update(short_text_throughput(extractor, short_texts))
    print_fields(out, as_json)


@bench_app.command("match")
def bench_match_command(
    queries: int = typer.Option(200, "--queries", "-n", min=10, help="Aantal zoekvragen (portfolio's)."),
    top: int = typer.Option(20, "--top", "-k"),
    threads: int = typer.Option(2, "--threads", help="Rekenkernen (BLAS/OpenMP) voor de meting."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Latentie van 'match vacancies' (top-20, warm): p50/p95/p99 in ms."""
    _report(bench_match(Components.from_env(), queries=queries, top=top, threads=threads), as_json, lambda res: [
        f"match vacancies top-{top} over {res['n_vacancies']} vacatures, {res['queries']} zoekvragen, "
        f"{res['threads']} kernen: p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, p99 {res['p99_ms']} ms "
        f"(doel p95 <= 50 ms: {'ok' if res['p95_ms'] <= 50 else 'NIET gehaald'})"])


@bench_app.command("scale")
def bench_scale_command(
    n: int = typer.Option(1_000_000, "--n", min=1000, help="Aantal synthetische vacatures."),
    queries: int = typer.Option(200, "--queries", min=20, help="Zoekvragen (afstemmen én meten, elk zoveel)."),
    nlist: int = typer.Option(0, "--nlist", help="IVF-lijsten (0 = ongeveer √n)."),
    flat_codes: bool = typer.Option(False, "--ivf-flat", help="IVF zonder SQ8 (float32-codes)."),
    threads: int = typer.Option(2, "--threads", help="Kernen voor het bouwen."),
    search_threads: int = typer.Option(1, "--search-threads", help="Threads per zoekvraag bij de meting."),
    seed: int = typer.Option(42, "--seed"),
    vector_source: str = typer.Option("auto", "--vectors", help="auto | hashed | labels (competentievectoren)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Vacature-index op schaal: bouwtijd, p95-latentie, recall@20 t.o.v. exact zoeken, geheugen."""
    res = bench_scale(n, settings=get_settings(), queries=queries, nlist=nlist, sq8=not flat_codes,
                      threads=threads, search_threads=search_threads, seed=seed, vector_source=vector_source,
                      progress=not as_json)
    print_fields(res, as_json, width=28)


@bench_app.command("encode")
def bench_encode_command(
    labels: int = typer.Option(2000, "--labels", min=10, help="Aantal labels (steekproef uit de taxonomie)."),
    texts: int = typer.Option(200, "--texts", min=5, help="Aantal korte teksten, elk in een eigen oproep."),
    rounds: int = typer.Option(2, "--rounds", min=1, help="Afwisselende meetrondes per backend (beste telt)."),
    backends: str = typer.Option("torch,onnx,openvino", "--backends", help="Backends, komma-gescheiden."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Coderingssnelheid per backend naast PyTorch: labels/s, teksten/s, cos_min t.o.v. PyTorch."""
    from eval.bench_encode import bench_encode

    def lines(res: dict) -> Iterable[str]:
        yield f"{res['labels']} labels, {res['texts']} korte teksten, {res['cores']} kernen, {_load(res)}"
        for r in res["backends"]:
            yield (f"  {r['backend']:<9} {r['labels_per_s']:>8} labels/s ({r['speedup_labels']}×)  "
                   f"{r['texts_per_s']:>7} teksten/s ({r['speedup_texts']}×)  cos_min {r['cos_min']}  "
                   f"laden {r['load_s']} s")

    _report(bench_encode(get_settings(), labels=labels, texts=texts, rounds=rounds,
                         backends=tuple(b.strip() for b in backends.split(",") if b.strip())), as_json, lines)


@bench_app.command("batch")
def bench_batch_command(
    top: int = typer.Option(20, "--top", "-k", min=1),
    shard_size: int = typer.Option(200, "--shard-size", min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """'batch match-all': paren/s in één proces en met 1 en 2 lokale Ray-workers (één meting), en een clusterschatting."""
    from cmatch.batch.bench import bench_batch

    def lines(res: dict) -> Iterable[str]:
        yield f"{res['n_portfolios']} portfolio's x {res['n_vacancies']} vacatures, top-{top}, {_load(res)}"
        for name, r in res["runs"].items():
            yield (f"  {name:<15} {r['pairs_per_s']:>12,.0f} paren/s  {r['seconds']:>7.1f} s  "
                   f"({res['speedup_vs_single'][name]}x; workerstart {r['load_s']} s)")
        yield (f"  identiek: {res['identical_outputs']}; 250k x 100k in 1 uur: "
               f"~{res['estimate_250k_x_100k_in_1h']['worker_cores']} workerkernen")

    _report(bench_batch(get_settings(), top=top, shard_size=shard_size), as_json, lines)


@bench_app.command("update")
def bench_update_command(
    writes: int = typer.Option(20, "--writes", min=1, help="Schrijfacties per soort (vacature, portfolio)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Wat één schrijfactie de matchindex kost (één rij opnieuw), naast alles opnieuw coderen; op een kopie."""
    _report(bench_update(Components.from_env(), writes=writes), as_json, lambda res: [
        f"matchindex over {res['vacancies']} vacatures, {res['portfolios']} portfolio's: alles coderen "
        f"{res['full_build_s']} s; na één vacature {res['update_vacancy_ms_median']} ms (max "
        f"{res['update_vacancy_ms_max']}), na één portfolio {res['update_portfolio_ms_median']} ms (max "
        f"{res['update_portfolio_ms_max']}); mediaan over {res['writes_each']} schrijfacties"])


@bench_app.command("load")
def bench_load_command(
    phase_s: float = typer.Option(8.0, "--phase-seconds", min=1.0, max=10.0, help="Duur per fase (6 fasen, samen <= 60 s)."),
    vacancies: int = typer.Option(2000, "--vacancies", min=10, help="Synthetische vacatures in de wegwerpopslag."),
    portfolios: int = typer.Option(200, "--portfolios", min=10),
    workers: int = typer.Option(1, "--workers", min=1, max=8, help="Serverprocessen (zoals 'cmatch serve --workers')."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Belastingstest op 127.0.0.1: req/s, p50/p95 en fouten bij 1/4/16 gelijktijdige clients, ook met 1 schrijfactie/s."""
    from eval.load_bench import bench_load

    def lines(res: dict) -> Iterable[str]:
        yield (f"{res['endpoint']}; {res['workers']} serverproces(sen); {res['vacancies']} vacatures; "
               f"klaar na {res['ready_s']} s; "
               f"{res['cores']} kernen, {_load(res)}")
        for r in res["runs"]:
            yield (f"  {r['clients']:>2} clients{' + 1 write/s' if r['writes_per_s'] else '            '}  "
                   f"{r['req_per_s']:>7} req/s  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  fouten {r['errors']}")

    _report(bench_load(get_settings(), phase_s=phase_s, vacancies=vacancies, portfolios=portfolios, workers=workers),
            as_json, lines)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
