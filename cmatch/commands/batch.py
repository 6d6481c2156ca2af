"""``cmatch batch …``: the nightly and bulk jobs, in one process or on a Ray cluster.

    cmatch batch match-all --out DIR [--ray local|ADDRESS] [--workers N] [--top K] [--json]
    cmatch batch embed FILE.jsonl --out DIR [--ray local|ADDRESS] [--workers N] [--json]
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from cmatch.batch.embed import embed_file
from cmatch.batch.match_all import match_all
from cmatch.batch.ray_runtime import ray_cluster
from cmatch.output import print_fields
from indexer.jsonable import to_plain
from indexer.settings import get_settings

batch_app = typer.Typer(help="Batchwerk (alle matches, bulk-embedding), lokaal of op een Ray-cluster.",
                        no_args_is_help=True)

RAY_HELP = "'local' (eigen Ray-cluster op 127.0.0.1) of het adres van een Ray-cluster (HOST:6379); zonder: één proces."


def _cluster(ray_address: str | None, workers: int | None):
    return ray_cluster(ray_address, workers) if ray_address else nullcontext(1)


def _progress(label: str):
    from tqdm import tqdm

    bar = tqdm(desc=label, unit="shard")
    return bar, lambda _res, _actors: bar.update(1)


@batch_app.command("match-all")
def match_all_command(
    out: Path = typer.Option(..., "--out", help="Map voor matches.jsonl en de shards."),
    ray_address: str = typer.Option(None, "--ray", help=RAY_HELP),
    workers: int = typer.Option(None, "--workers", min=1, help="Aantal workers (standaard: alle CPU's van de cluster)."),
    top: int = typer.Option(20, "--top", "-k", min=1),
    shard_size: int = typer.Option(200, "--shard-size", min=1, help="Portfolio's per shard."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Elk portfolio tegen elke vacature: top-K per portfolio in OUT/matches.jsonl (gesorteerd op id)."""
    settings = get_settings()
    with _cluster(ray_address, workers) as cpus:
        n = workers or cpus
        bar, tick = _progress("match-all") if not as_json else (None, None)
        report = match_all(settings, out, top=top, ray_address=ray_address, workers=n, shard_size=shard_size,
                           on_done=tick)
        if bar is not None:
            bar.close()
    fields = to_plain(report)
    print_fields({k: fields[k] for k in ("n_portfolios", "n_vacancies", "seconds", "pairs_per_s", "workers")}
                 | ({} if as_json else {"out": report.out, "resumed_shards": report.resumed_shards}), as_json)


@batch_app.command("embed")
def embed_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Vacatures (JSONL, importschema) met tekst."),
    out: Path = typer.Option(..., "--out", help="Map voor de shards (hervatten: dezelfde map)."),
    ray_address: str = typer.Option(None, "--ray", help=RAY_HELP),
    workers: int = typer.Option(None, "--workers", min=1),
    shard_size: int = typer.Option(100, "--shard-size", min=1, help="Vacatures per shard."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Vacatureteksten -> competenties (extractie) + vectoren in shards, daarna één atomaire wissel in de vacature-index."""
    settings = get_settings()
    with _cluster(ray_address, workers) as cpus:
        bar, tick = _progress("embed") if not as_json else (None, None)
        report = embed_file(settings, file, out, ray_address=ray_address, workers=workers or cpus,
                            shard_size=shard_size, on_done=tick)
        if bar is not None:
            bar.close()
    print_fields(to_plain(report), as_json, width=20)
    if report.rejected:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(batch_app, name="batch")
