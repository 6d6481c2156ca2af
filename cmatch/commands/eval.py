"""``cmatch eval …`` (benchmarks) and ``cmatch bench extract`` (latency)."""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import typer

from cmatch.output import print_json

eval_app = typer.Typer(help="Kwaliteit meten op benchmarks (MELO, TECH/HOUSE, JobBERT).", no_args_is_help=True)
bench_app = typer.Typer(help="Snelheid meten.", no_args_is_help=True)

MODES = ("hybrid", "dense", "lexical")


def _services():
    from api.wiring import Services

    return Services.from_env()


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise typer.BadParameter(f"kies uit {', '.join(MODES)}")
    return mode


def _adapter_arg(no_adapter: bool):
    return None if no_adapter else "auto"


def _emit(result: dict, as_json: bool) -> None:
    if as_json:
        print_json(result)
    else:
        for k, v in result.items():
            typer.echo(f"{k:>16}: {v}")


@eval_app.command("melo")
def melo(
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="MELO-map met queries.tsv, corpus_elements.tsv[.gz], annotations.tsv[.gz]."),
    mode: str = typer.Option("hybrid", help="hybrid | dense | lexical"),
    no_expand: bool = typer.Option(False, "--no-expand", help="Geen taxonomie-uitbreiding van corpuslabels."),
    no_adapter: bool = typer.Option(False, "--no-adapter", help="Zonder de getrainde adapter (zero-shot e5)."),
    lang: str = typer.Option("nl", help="Taal van de zoekvragen (voor lemmatisering)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rangschik de eigen corpuselementen van de map per zoekvraag: MRR, MAP, success@1/5/10."""
    from eval.melo import evaluate_melo

    r = evaluate_melo(folder, _services(), mode=_check_mode(mode), expand=not no_expand,
                      adapter=_adapter_arg(no_adapter), lang=lang, progress=not as_json)
    _emit(r, as_json)


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

    r = evaluate_skills(annotations, labels, _services(), mode=_check_mode(mode), expand=expand,
                        adapter=_adapter_arg(no_adapter), lang=lang, progress=not as_json)
    _emit(r, as_json)


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

    r = evaluate_jobbert(path, _services(), mode=_check_mode(mode), adapter=_adapter_arg(no_adapter),
                         limit=limit or None, progress=not as_json)
    _emit(r, as_json)


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


@bench_app.command("extract")
def bench_extract(
    runs: int = typer.Option(30, min=3, help="Aantal gemeten extracties (na opwarmen)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """p50/p95-latentie (ms) van het extraheren van een Nederlandse vacature van ~300 woorden, warm."""
    svc = _services()
    extractor = svc.extractor
    for _ in range(3):
        extractor.extract(BENCH_VACANCY, kind="vacancy")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = extractor.extract(BENCH_VACANCY, kind="vacancy")
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    out = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1), "runs": runs,
           "words": len(BENCH_VACANCY.split()), "competences": len(result.competences),
           "requirements": len(result.requirements)}
    _emit(out, as_json)


from eval.all import run_all; eval_app.command("all")(run_all)  # noqa: E402,E702 -- `cmatch eval all` (eval/all.py)


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
    app.add_typer(bench_app, name="bench")
