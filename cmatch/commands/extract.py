"""``cmatch extract FILE`` (the product's extraction of one text) and ``cmatch eval extract`` /
``cmatch eval extract-sentences`` (its quality end to end, JSON on stdout)."""
from __future__ import annotations

from pathlib import Path

import typer

from api.wiring import Components
from cmatch.commands.eval import eval_app
from cmatch.output import print_fields, print_json
from matcher.extraction.calibration import end_to_end_path
from matcher.extraction.results import KINDS

KIND_HELP = "cv | vacancy | free"


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise typer.BadParameter(f"kies uit {', '.join(KINDS)}")
    return kind


def _fail(message: str) -> None:
    typer.secho(f"Fout: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


def read_text_file(path: Path) -> str:
    """The file as text; undecodable bytes are refused with a Dutch message."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        _fail(f"{path} kan niet gelezen worden ({exc.strerror}).")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"{path} is geen UTF-8-tekst (binair bestand of andere codering).")


def extract(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Tekstbestand (UTF-8): cv, vacature of vrije omschrijving."),
    kind: str = typer.Option("free", "--kind", help=KIND_HELP),
    min_confidence: float = typer.Option(None, "--min-confidence", min=0.0, max=1.0, help="Ondergrens voor de betrouwbaarheid."),
    as_json: bool = typer.Option(False, "--json", help="JSON (zonder --json: één regel per competentie)."),
) -> None:
    """Competenties (met tekstfragment, betrouwbaarheid, held/suggestion) en, apart, diploma's,
    attesten, rijbewijzen en talen van één tekst."""
    from matcher.extraction.input_check import TextRejected, check_text
    from matcher.extraction.results import extraction_json

    text = read_text_file(file)
    try:
        check_text(text)
    except TextRejected as exc:
        _fail(str(exc))
    ex = Components.from_env().extractor.extract(text, kind=_kind(kind), min_confidence=min_confidence)
    out = extraction_json(ex)
    if as_json:
        print_json(out)
        return
    for c in out["competences"]:
        mark = "" if c["status"] == "held" else "  (klopt dit?)"
        en = " [alleen Engels]" if c["label_language"] == "en" else ""
        typer.echo(f"{c['confidence']:.2f}  {c['label']}{en}  ← {c['spans'][0]['text'] if c['spans'] else ''}{mark}")
    for r in out["requirements"]:
        typer.echo(f"      {r['category']}: {r['value']}{' ' + r['level'] if r['level'] else ''} ({r['status']})")


@eval_app.command("extract")
def eval_extract(
    gold: Path = typer.Argument(Path("data/gold/extraction"), exists=True, file_okay=False, help="Map met gold-teksten (*.json)."),
    out: Path = typer.Option(None, "--out", help="Map voor het rapport en de foutenlijst (standaard <var>/eval/extract)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Precisie, recall en F1 (per tekst, micro) van de extractie op de eigen gold-set; de fouten
    per tekst komen in extract-gold-errors.json naast het rapport."""
    from eval.extract_gold import evaluate_extract_gold

    gold = gold / "extraction" if (gold / "extraction").is_dir() else gold
    svc = Components.from_env()
    try:
        res = evaluate_extract_gold(gold, svc.extractor, svc.store, out_dir=out or svc.settings.var_dir / "eval" / "extract",
                                    progress=not as_json)
    except ValueError as exc:
        _fail(str(exc))
    print_fields(res, as_json)


@eval_app.command("extract-calibrate")
def eval_extract_calibrate(
    gold: Path = typer.Argument(Path("data/gold/extraction"), exists=True, file_okay=False, help="Map met gold-teksten (*.json)."),
    out: Path = typer.Option(None, "--out", help="Doelbestand (standaard CMATCH_EXTRACT_CALIBRATION of <var>/model/calibration-end-to-end.json)."),
    min_precision: float = typer.Option(0.85, "--min-precision", min=0.0, max=1.0, help="Precisie die de held-grens op de dev-split moet halen."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Past de end-to-end kalibratie (klopt deze competentie voor deze tekst?) en de held-grens
    opnieuw aan op de dev-split van de gold-set en schrijft ze weg; de extractie leest ze daarna
    (de build doet dit zelf als laatste stap)."""
    from cmatch.pipeline import fit_end_to_end_file
    from indexer.settings import get_settings

    gold = gold / "extraction" if (gold / "extraction").is_dir() else gold
    settings = get_settings()
    try:
        res = fit_end_to_end_file(settings, gold, target=out, min_precision=min_precision, progress=not as_json)
    except ValueError as exc:
        _fail(str(exc))
    summary = {k: v for k, v in res.items() if k != "sweep"}
    summary["written_to"] = str(out or end_to_end_path(settings))
    print_fields(summary, as_json)


@eval_app.command("extract-sentences")
def eval_extract_sentences(
    annotations: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV sentence,span,sub_span,label (TECH/HOUSE)."),
    kind: str = typer.Option("free", "--kind", help=KIND_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """De productextractor (niet de labelrangschikking) per zin: micro precisie, recall, F1 op
    ESCO-voorkeurslabels."""
    from eval.extract_sentences import evaluate_extract_sentences

    svc = Components.from_env()
    try:
        res = evaluate_extract_sentences(annotations, svc.extractor, svc.store, kind=_kind(kind), progress=not as_json)
    except ValueError as exc:
        _fail(str(exc))
    print_fields(res, as_json)


def register(app: typer.Typer) -> None:
    app.command("extract")(extract)
