"""``cmatch eval wording DIR``: recall and precision of the vacancy wording check per protected criterion."""
from __future__ import annotations

import json
from pathlib import Path

import typer

from cmatch.commands.eval import eval_app
from cmatch.output import print_json

DEFAULT_OUT = Path("eval/results/wording.json")


@eval_app.command("wording")
def wording(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="Map met <criterium>.jsonl (zie data/gold/wording/README.md)."),
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Resultatenbestand (JSON)."),
    as_json: bool = typer.Option(False, "--json", help="Alle cijfers als JSON op stdout."),
) -> None:
    """Recall en precisie per beschermd criterium, op het achtergehouden deel (elke 3e zin) en op de rest."""
    from eval.wording import evaluate_wording

    try:
        res = evaluate_wording(folder)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        print_json(res)
        return
    for part in ("heldout", "dev"):
        p = res[part]
        typer.echo(f"{part}: {p['sentences']} zinnen, micro recall {p['micro_recall']}, precisie {p['micro_precision']}; "
                   f"criteria met recall>=0.9: {p['criteria_recall_ge_0_9']}/{len(res['criteria'])}, "
                   f"precisie>=0.9: {p['criteria_precision_ge_0_9']}/{len(res['criteria'])}; "
                   f"waarschuwingen op legitieme eisen: {p['warnings_on_legitimate']}")
    typer.echo(f"{'criterium':<24} {'recall':>7} {'precisie':>8}  (achtergehouden deel)")
    for c, v in res["heldout"]["per_criterion"].items():
        typer.echo(f"{c:<24} {v['recall']!s:>7} {v['precision']!s:>8}")
    typer.echo(f"-> {out}")


def register(app: typer.Typer) -> None:
    """The command lives on ``eval_app``; importing this module registers it."""
