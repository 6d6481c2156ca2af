"""Search commands over the taxonomy (occupations, competences)."""
from __future__ import annotations

import typer

from api.wiring import Components
from cmatch.output import print_json

occupations_app = typer.Typer(help="Beroepen zoeken (Competent en ESCO) op een titel of omschrijving.", no_args_is_help=True)
competences_app = typer.Typer(help="Competenties zoeken (Competent en ESCO).", no_args_is_help=True)


TEXT_HELP = "Beroepstitel of korte omschrijving, in het Nederlands, Engels of Frans."
TOP_OPTION = typer.Option(5, "--top", "-k", min=1, max=100, help="Aantal resultaten per bron (Competent, ESCO).")
JSON_OPTION = typer.Option(False, "--json", help="Resultaten als JSON.")


def _search(kind: str, text: str, top: int, as_json: bool) -> None:
    """Run one search and print it: JSON with the index version, or one line per hit."""
    app = Components.from_env()
    hits = getattr(app.search, kind)(text, top=top)
    if as_json:
        print_json({"query": text, "index_version": app.indexes.version, "results": hits})
        return
    for rank, h in enumerate(hits, 1):
        what = h.code if kind == "occupations" else h.kind
        flag = "  [knelpuntberoep]" if getattr(h, "is_shortage", False) else ""
        typer.echo(f"{rank:>2}. {h.score:.3f}  {h.source:<9} {what:<10} {h.label}{flag}  "
                   f"(via '{h.matched_label}', {h.matched_lang})")


@occupations_app.command("search")
def occupations_search(text: str = typer.Argument(..., help=TEXT_HELP), top: int = TOP_OPTION,
                       as_json: bool = JSON_OPTION) -> None:
    """Zoek Competent- en ESCO-beroepen; knelpuntberoepen worden gemarkeerd."""
    _search("occupations", text, top, as_json)


@competences_app.command("search")
def competences_search(text: str = typer.Argument(..., help="Wat iemand kent of kan, bv. 'heftruck besturen'."),
                       top: int = TOP_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Zoek Competent-competenties en ESCO-vaardigheden."""
    _search("competences", text, top, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(occupations_app, name="occupations")
    app.add_typer(competences_app, name="competences")
