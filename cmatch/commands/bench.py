"""``cmatch bench match`` (match latency) and ``cmatch bench scale`` (the vacancy index at 10⁶).

Both join the ``bench`` group that :mod:`cmatch.commands.eval` opens (``bench extract``); the
measurements themselves live in :mod:`eval.bench_match` and :mod:`eval.bench_scale`.
"""
from __future__ import annotations

import typer

from cmatch.output import print_fields, print_json


def bench_match_command(
    queries: int = typer.Option(200, "--queries", "-n", min=10, help="Aantal zoekvragen (portfolio's)."),
    top: int = typer.Option(20, "--top", "-k"),
    threads: int = typer.Option(2, "--threads", help="Rekenkernen (BLAS/OpenMP) voor de meting."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Latentie van 'match vacancies' (top-20, warm): p50/p95/p99 in ms."""
    from api.wiring import Components
    from eval.bench_match import bench_match

    res = bench_match(Components.from_env(), queries=queries, top=top, threads=threads)
    if as_json:
        print_json(res)
        return
    typer.echo(f"match vacancies top-{top} over {res['n_vacancies']} vacatures, {res['queries']} zoekvragen, "
               f"{res['threads']} kernen: p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, p99 {res['p99_ms']} ms "
               f"(doel p95 <= 50 ms: {'ok' if res['p95_ms'] <= 50 else 'NIET gehaald'})")


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
    from eval.bench_scale import bench_scale
    from indexer.settings import get_settings

    res = bench_scale(n, settings=get_settings(), queries=queries, nlist=nlist, sq8=not flat_codes,
                      threads=threads, search_threads=search_threads, seed=seed, vector_source=vector_source,
                      progress=not as_json)
    print_fields(res, as_json, width=28)


def register(app: typer.Typer) -> None:
    """For ``cmatch.cli.COMMAND_GROUPS``: add ``match`` and ``scale`` to the ``bench`` group (made if missing)."""
    bench = next((g.typer_instance for g in app.registered_groups if g.name == "bench"), None)
    if bench is None:
        bench = typer.Typer(help="Metingen (latentie, kwaliteit, schaal).", no_args_is_help=True)
        app.add_typer(bench, name="bench")
    bench.command("match")(bench_match_command)
    bench.command("scale")(bench_scale_command)
