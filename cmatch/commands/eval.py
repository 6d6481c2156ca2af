"""``cmatch eval …``: quality on the benchmark formats, results written to files."""
from __future__ import annotations

from pathlib import Path

import typer

from api.wiring import Components
from cmatch.output import print_fields, print_json
from eval.all import STEPS, evaluate_all

eval_app = typer.Typer(help="Kwaliteit meten op benchmarks (MELO, TECH/HOUSE, JobBERT).", no_args_is_help=True)

MODES = ("hybrid", "dense", "lexical")


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise typer.BadParameter(f"kies uit {', '.join(MODES)}")
    return mode


def _adapter_arg(no_adapter: bool):
    return None if no_adapter else "auto"


@eval_app.command("melo")
def melo(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="MELO-map met queries.tsv, corpus_elements.tsv[.gz], annotations.tsv[.gz]."),
    mode: str = typer.Option("hybrid", help="hybrid | dense | lexical"),
    expand: bool = typer.Option(False, "--expand", help="Met ESCO-labelopzoeking: corpuslabels hergroeperen per "
                                                        "ESCO-concept (aparte rij, niet het hoofdcijfer)."),
    no_adapter: bool = typer.Option(False, "--no-adapter", help="Zonder de getrainde adapter (zero-shot e5)."),
    lang: str = typer.Option("nl", help="Taal van de zoekvragen (voor lemmatisering)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rangschik de eigen corpuselementen van de map per zoekvraag: MRR, MAP, success@1/5/10."""
    from eval.melo import evaluate_melo

    r = evaluate_melo(folder, Components.from_env(), mode=_check_mode(mode), expand=expand,
                      adapter=_adapter_arg(no_adapter), lang=lang, progress=not as_json)
    print_fields(r, as_json)


@eval_app.command("skills")
def skills(
    annotations: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV sentence,span,sub_span,label."),
    labels: Path = typer.Option(..., "--labels", exists=True, dir_okay=False, help="Eén label per regel."),
    mode: str = typer.Option("hybrid", help="hybrid | dense | lexical"),
    expand: bool = typer.Option(False, "--expand", help="Labels ook via hun ESCO-alternatieve labels laten scoren."),
    no_adapter: bool = typer.Option(False, "--no-adapter"),
    lang: str = typer.Option("en"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rangschik alle labels per zin (TECH/HOUSE-formaat): RP@5, RP@10, MRR."""
    from eval.skills import evaluate_skills

    r = evaluate_skills(annotations, labels, Components.from_env(), mode=_check_mode(mode), expand=expand,
                        adapter=_adapter_arg(no_adapter), lang=lang, progress=not as_json)
    print_fields(r, as_json)


@eval_app.command("jobbert")
def jobbert(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV(.gz) ,vacancyTitle,conceptUri."),
    mode: str = typer.Option("hybrid", help="hybrid | dense | lexical"),
    no_adapter: bool = typer.Option(False, "--no-adapter"),
    limit: int = typer.Option(0, help="Alleen de eerste N titels (0 = alle)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rangschik ESCO-beroepen (Engelse labels) per vacaturetitel: MRR, acc@1/5/10."""
    from eval.jobbert import evaluate_jobbert

    r = evaluate_jobbert(path, Components.from_env(), mode=_check_mode(mode), adapter=_adapter_arg(no_adapter),
                         limit=limit or None, progress=not as_json)
    print_fields(r, as_json)


@eval_app.command("all")
def run_all(
    out: Path = typer.Option(..., "--out", help="Map voor report.md, results.json en de grafieken."),
    baseline: Path = typer.Option(None, "--baseline", exists=True, dir_okay=False,
                                  help="Een eerder results.json: elk cijfer dat slechter werd, wordt gemarkeerd."),
    bench_dir: Path = typer.Option(None, "--bench-dir", help="Map met de dev-sets (standaard <data>/benchmarks-dev)."),
    skip: list[str] = typer.Option(None, "--skip", help="Onderdelen overslaan: extraction, matching, fairness, speed, large (200k)."),
    jobbert_sample: int = typer.Option(0, "--jobbert-sample", min=0,
                                       help="Enkel N gelijkmatig gespreide JobBERT-titels (0 = alle)."),
    queries: int = typer.Option(0, "--queries", min=0, help="Zoekvragen in de matchingbenchmark (0 = 400)."),
    speed_tolerance: float = typer.Option(0.10, "--speed-tolerance", help="Snelheid/geheugen pas slechter boven dit relatieve verschil."),
    as_json: bool = typer.Option(False, "--json", help="Ook de resultaten als JSON op stdout."),
) -> None:
    """Alle benchmarks (extractie, matching, eerlijkheid, snelheid) in één rapport."""
    skipped = {y.strip() for x in (skip or []) for y in x.split(",") if y.strip()}
    unknown = skipped - set(STEPS) - {"large"}
    if unknown:
        raise typer.BadParameter(f"onbekend onderdeel: {', '.join(sorted(unknown))}")
    res = evaluate_all(Components.from_env(), out, baseline=baseline, bench_dir=bench_dir, skip=skipped,
                       jobbert_sample=jobbert_sample, n_queries=queries or None, speed_tolerance=speed_tolerance,
                       progress=not as_json)
    if as_json:
        print_json(res)
    else:
        worse = (res.get("comparison") or {}).get("worse", [])
        typer.echo(f"{out}/report.md geschreven ({res['meta']['seconds_total']} s)"
                   + (f"; {len(worse)} cijfers slechter dan de basislijn" if baseline else ""))
    if res.get("errors"):
        typer.secho("Fouten: " + "; ".join(f"{k}: {v}" for k, v in res["errors"].items()), err=True,
                    fg=typer.colors.RED)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
