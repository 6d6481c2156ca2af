"""``cmatch eval relevance …``: the independent relevance benchmark (see :mod:`eval.relevance`)."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from api.wiring import Components
from cmatch.commands.eval import eval_app
from cmatch.output import print_json

relevance_app = typer.Typer(help="Onafhankelijke relevantiebenchmark: 40 werkzoekendenteksten, beoordeelde pools.",
                            no_args_is_help=True)
JUDGMENTS = Path("data/gold/relevance/judgments.jsonl")


def _setup():
    from eval.relevance import load_persons, portfolios_from_texts

    services = Components.from_env()
    persons = load_persons()
    portfolios = portfolios_from_texts(persons, services.resolver, services.extractor)
    return services, persons, portfolios


@relevance_app.command("pool")
def pool(judgments: Path = typer.Option(JUDGMENTS, "--judgments"), as_json: bool = typer.Option(False, "--json")) -> None:
    """Pools bouwen (top 20 van elk systeem) en wat nog niet beoordeeld is beoordelen volgens de gids."""
    from eval.relevance import build_pool

    services, persons, portfolios = _setup()
    out = build_pool(persons, portfolios, services.matcher, services.vacancy_index, services.vacancies, judgments,
                     progress=not as_json)
    if as_json:
        print_json(out)
    else:
        typer.echo(f"{out['judged_now']} nieuwe oordelen, {out['judged_total']} in totaal -> {judgments}")


@relevance_app.command("run")
def run(judgments: Path = typer.Option(JUDGMENTS, "--judgments"),
        out: Path = typer.Option(Path("eval/results/relevance.json"), "--out"),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """nDCG@10 en P@5 per systeem, met orakel en willekeurige ondergrens; resultaat naar een bestand."""
    from eval.relevance import evaluate

    services, persons, portfolios = _setup()
    rep = evaluate(persons, portfolios, services.matcher, services.vacancy_index, judgments)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rep.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        print_json(rep.as_dict())
        return
    typer.echo(f"Commit {rep.commit} (pools: {rep.pool_commit}), {rep.persons} personen, {rep.judged} oordelen")
    _print_systems(rep)
    typer.echo(f"-> {out}")


def _print_systems(rep) -> None:
    for s in rep.systems:
        split = "  ".join(f"{k} {v['ndcg10']:.3f}/{v['p5']:.3f}" for k, v in s.splits.items())
        typer.echo(f"  {s.system:<24} nDCG@10 {s.ndcg10:.3f}  P@5 {s.p5:.3f}  [{split}]"
                   f"  (niet beoordeeld in top 10: {s.unjudged_in_top10})")
    typer.echo(f"  {'orakel':<24} nDCG@10 {rep.oracle['ndcg10']:.3f}  P@5 {rep.oracle['p5']:.3f}")
    typer.echo(f"  {'willekeurig':<24} nDCG@10 {rep.random_bound['ndcg10']:.3f}  P@5 {rep.random_bound['p5']:.3f}")


@relevance_app.command("sweep")
def sweep(option: str = typer.Argument(..., help="Een matchoptie, bv. similarity_weight."),
          values: str = typer.Argument(..., help="Waarden, komma-gescheiden, bv. 0,0.2,0.4"),
          judgments: Path = typer.Option(JUDGMENTS, "--judgments"),
          out: Path = typer.Option(Path("eval/results/relevance-sweep.json"), "--out"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Eén optie van de productstandaard variëren: elke variant mee in de pools (beoordeeld volgens de
    gids), dan nDCG@10/P@5 per variant, apart voor dev en holdout. Kies een standaard op dev alleen."""
    from eval.relevance import build_pool, evaluate, sweep_variants

    try:
        variants = sweep_variants(option, [float(v) for v in values.split(",") if v.strip()])
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(f"ongeldige optie of waarden: {exc}") from exc
    services, persons, portfolios = _setup()
    build_pool(persons, portfolios, services.matcher, services.vacancy_index, services.vacancies, judgments,
               progress=not as_json, variants=variants)
    rep = evaluate(persons, portfolios, services.matcher, services.vacancy_index, judgments, variants=variants)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rep.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        print_json(rep.as_dict())
        return
    _print_systems(rep)
    typer.echo(f"-> {out}")


def register(app: typer.Typer) -> None:
    eval_app.add_typer(relevance_app, name="relevance")
