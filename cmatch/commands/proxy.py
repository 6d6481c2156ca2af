"""``cmatch eval proxy``: selection-rate ratios per group when protected traits travel through proxies."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from cmatch.commands.eval import eval_app
from cmatch.output import print_json

DEFAULT_OUT = Path("eval/results/proxy_fairness.json")


@eval_app.command("proxy")
def proxy(
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Resultatenbestand (JSON)."),
    vacancies: int = typer.Option(40, "--vacancies", min=1, help="Aantal synthetische vacatures (elk met een eigen cohorte)."),
    per_group: int = typer.Option(20, "--per-group", min=1, help="Personen per groep per vacature."),
    no_extractor: bool = typer.Option(False, "--no-extractor", help="Competenties rechtstreeks geven, zonder cv-tekst door de extractor."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Vier-vijfde-regel per groep in de top 10 en top 50, met de factor achter elke kloof (synthetische set)."""
    from api.wiring import Components
    from eval.all import synthetic_store
    from eval.proxy_fairness import run_proxy_fairness

    svc = Components.from_env()
    repo, _ = synthetic_store(svc, vacancies=2000, portfolios=200, progress=not as_json)
    tax = svc.match_taxonomy
    vs = list(repo.iter_vacancies())
    from matcher.matching.engine import MatchEngine

    near = MatchEngine(tax, repo, near_loader=svc.near_table, cache_dir=None).near
    res = run_proxy_fairness(tax, near, vs, extractor=None if no_extractor else svc.extractor,
                             n_vacancies=vacancies, per_group=per_group, progress=not as_json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        print_json(res)
        return
    for name in ("default", "language_off", "distance_off", "language_and_distance_off", "language_hard"):
        t10 = res[name]["top10"]
        typer.echo(f"{name:<14} top10 min-ratio {t10['min_ratio']}  top50 min-ratio {res[name]['top50']['min_ratio']}  "
                   + ", ".join(f"{g} {x['ratio']}" + (f" ({x.get('cause')})" if x.get("cause") else "")
                               for g, x in t10["groups"].items()))
    typer.echo(f"-> {out}")


def register(app: typer.Typer) -> None:
    """The command lives on ``eval_app``; importing this module registers it."""
