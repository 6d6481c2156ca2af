"""Matching commands: match, orient, vacancy check/draft/suggest, imports, demo data.

Mounted by ``cmatch.cli`` (``COMMAND_GROUPS``)::

    cmatch match vacancies --portfolio FILE.json --top 10 [--json]
    cmatch match candidates --vacancy ID --top 10 [--json]
    cmatch orient --portfolio FILE.json [--broader --max-missing 3] [--json]
    cmatch vacancy check FILE.json [--json]      cmatch vacancy draft FILE.txt    cmatch vacancy suggest OP-CODE
    cmatch vacancies import FILE.jsonl           cmatch portfolios import FILE.jsonl
    cmatch demo generate [--vacancies 20000 --portfolios 5000 --seed 42]
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

from api.wiring import Components
from cmatch.output import print_json
from eval.synthetic import generate, prune_synthetic
from indexer.jsonable import to_plain
from matcher.ingest import import_jsonl, read_portfolio_file, read_vacancy_file, schemas
from matcher.matching.factors import MatchOptions

match_app = typer.Typer(help="Matchen op competenties: werkzoekende -> vacatures, vacature -> kandidaten.", no_args_is_help=True)
vacancy_app = typer.Typer(help="Vacatures opstellen en nakijken (werkgevers).", no_args_is_help=True)
vacancies_app = typer.Typer(help="Vacatures laden (JSONL, zie data/schemas/vacancy.schema.json).", no_args_is_help=True)
portfolios_app = typer.Typer(help="Portfolio's laden (JSONL, zie data/schemas/portfolio.schema.json).", no_args_is_help=True)
demo_app = typer.Typer(help="Synthetische demodata (duidelijk gemarkeerd als synthetisch).", no_args_is_help=True)


def _options(constraints: str, hard: list[str] | None, soft: list[str] | None, off: list[str] | None,
             no_shortage_boost: bool, spread: bool):
    split = lambda xs: [y.strip() for x in (xs or []) for y in x.split(",") if y.strip()]  # noqa: E731
    try:
        return MatchOptions.with_constraints(constraints, hard=split(hard), soft=split(soft), off=split(off),
                                             shortage_boost=not no_shortage_boost, spread_exposure=spread)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _read_portfolio(services: Components, path: Path):
    """A portfolio file resolved against the taxonomy (free ``cv_text`` extracted); a bad file stops with its reasons."""
    try:
        return read_portfolio_file(path, services.resolver, services.extractor)
    except ValueError as exc:
        _fail(str(exc))


def _fail(msg: str) -> None:
    typer.secho(f"Fout: {msg}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


CONSTRAINTS_HELP = "Standaardmodus van alle voorwaarden (afstand, regime, contract, rijbewijs, talen): soft (strafpunt), hard (filter) of off."


def _print_results(res, as_json: bool) -> None:
    if as_json:
        print_json(res)
        return
    typer.echo(f"{len(res.results)} resultaten uit {res.considered} ({res.removed_by_hard_constraints} weggefilterd "
               f"door harde voorwaarden), {res.ms:.0f} ms; verwante competenties: {res.near_source}")
    if res.note:
        typer.echo(f"Let op: {res.note}")
    for r in res.results:
        who = r.candidate["id"] if r.candidate else f"{r.vacancy['id']}  {r.vacancy['title']} — {r.vacancy['employer']}"
        place = r.vacancy["location"]["municipality"] if not r.candidate else r.candidate["location"]["municipality"]
        typer.echo(f"{r.rank:>2}. {r.score:.3f}  {who}  ({place})")
        typer.echo(f"      {r.summary}")
        for line in r.breakdown:
            typer.echo(f"      · {line.label}: {line.explanation} [{line.effect:g}]")
        if r.gaps:
            gaps = ", ".join(f"{g.label} ({'ess.' if g.importance == 'essential' else 'opt.'}"
                             + (f", +{g.opens_vacancies} vac." if g.opens_vacancies else "") + ")" for g in r.gaps[:5])
            typer.echo(f"      ontbreekt: {gaps}")
        if r.diplomas_requested:
            typer.echo("      diploma gevraagd (niet afgedwongen): " + ", ".join(d["diploma"] for d in r.diplomas_requested))


@match_app.command("vacancies")
def match_vacancies(
    portfolio: Path = typer.Option(..., "--portfolio", "-p", exists=True, dir_okay=False, help="Portfolio als JSON (schema: data/schemas/portfolio.schema.json)."),
    top: int = typer.Option(10, "--top", "-k", min=1, max=200),
    constraints: str = typer.Option("soft", "--constraints", help=CONSTRAINTS_HELP),
    hard: list[str] = typer.Option(None, "--hard", help="Deze voorwaarden als filter, bv. --hard distance,licence."),
    soft: list[str] = typer.Option(None, "--soft", help="Deze voorwaarden als strafpunt."),
    off: list[str] = typer.Option(None, "--off", help="Deze voorwaarden negeren."),
    no_shortage_boost: bool = typer.Option(False, "--no-shortage-boost", help="Knelpuntberoep-boost uitschakelen."),
    spread: bool = typer.Option(False, "--spread-exposure", help="Blootstelling spreiden (zie MATCHING.md)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Vacatures voor een werkzoekende, met score-opbouw, bewijs, ontbrekende competenties."""
    services = Components.from_env()
    p = _read_portfolio(services, portfolio)
    opts = _options(constraints, hard, soft, off, no_shortage_boost, spread)
    engine = services.matcher
    engine.ensure_built()
    if engine.vac.n == 0:
        _fail("Er zijn nog geen vacatures. Laad ze met 'cmatch vacancies import' of 'cmatch demo generate'.")
    _print_results(engine.match_vacancies(p, top=top, options=opts), as_json)


@match_app.command("candidates")
def match_candidates(
    vacancy: str = typer.Option(..., "--vacancy", "-v", help="Id van een geladen vacature, of een JSON-bestand."),
    top: int = typer.Option(10, "--top", "-k", min=1, max=200),
    constraints: str = typer.Option("soft", "--constraints", help=CONSTRAINTS_HELP),
    hard: list[str] = typer.Option(None, "--hard"),
    soft: list[str] = typer.Option(None, "--soft"),
    off: list[str] = typer.Option(None, "--off"),
    no_shortage_boost: bool = typer.Option(False, "--no-shortage-boost"),
    spread: bool = typer.Option(False, "--spread-exposure"),
    reveal: bool = typer.Option(False, "--reveal", help="Niet anonimiseren (enkel voor consulenten met toestemming)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Kandidaten voor een vacature (werkgeversblik), standaard geanonimiseerd; zelfde scoring."""
    services = Components.from_env()
    engine = services.matcher
    target = vacancy
    if Path(vacancy).suffix == ".json" and Path(vacancy).exists():
        try:
            target = read_vacancy_file(vacancy, services.resolver)
        except ValueError as exc:
            _fail(str(exc))
    opts = _options(constraints, hard, soft, off, no_shortage_boost, spread)
    try:
        res = engine.match_candidates(target, top=top, options=opts, anonymise=not reveal)
    except KeyError as exc:
        _fail(exc.args[0])
    _print_results(res, as_json)


@match_app.command("prepare")
def match_prepare(as_json: bool = typer.Option(False, "--json")) -> None:
    """Tabel van verwante competenties en matchindex vooraf opbouwen (anders bij de eerste zoekvraag)."""
    import time

    services = Components.from_env()
    t0 = time.perf_counter()
    engine = services.matcher
    near = engine.near
    t1 = time.perf_counter()
    engine.ensure_built()
    out = {"near_source": near.source, "near_pairs": len(near), "near_seconds": round(t1 - t0, 2),
           "index_seconds": round(time.perf_counter() - t1, 2), "vacancies": engine.vac.n, "portfolios": engine.port.n}
    if as_json:
        print_json(out)
    else:
        typer.echo(f"Verwante competenties: {out['near_source']} ({out['near_pairs']} paren, {out['near_seconds']}s); "
                   f"matchindex: {out['vacancies']} vacatures, {out['portfolios']} portfolio's ({out['index_seconds']}s)")


# ---------------------------------------------------------------------- orientation
def orient(
    portfolio: Path = typer.Option(..., "--portfolio", "-p", exists=True, dir_okay=False),
    top: int = typer.Option(15, "--top", "-k", min=1, max=200),
    broader: bool = typer.Option(False, "--broader", help="Ruimere oriëntatie: beroepen in andere sectoren."),
    max_missing: int = typer.Option(3, "--max-missing", min=0, max=50, help="Ruimer: hoogstens zoveel ontbrekende essentiële competenties."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Beroepen die passen bij een portfolio (consulenten), met hiaten; knelpuntberoepen gemarkeerd."""
    services = Components.from_env()
    p = _read_portfolio(services, portfolio)
    res = services.orientation.orient(p, top=top, broader=broader, max_missing=max_missing)
    if as_json:
        print_json(res)
        return
    typer.echo(f"Oriëntatie ({'ruimer, ' if broader else ''}{len(res.results)} beroepen):")
    for r in res.results:
        flag = "  [knelpuntberoep]" if r.shortage else ""
        other = "  [andere sector]" if r.other_sector else ""
        typer.echo(f"{r.rank:>2}. {r.score:.3f}  {r.code:<8} {r.label}{flag}{other}  "
                   f"({r.essential_present}/{r.essential_total} essentieel, {r.missing_essential} ontbreken; "
                   f"{r.open_vacancies} vacatures)")
        if r.gaps:
            typer.echo("      leren: " + ", ".join(g.label for g in r.gaps[:5]))


# ---------------------------------------------------------------------- drafting
@vacancy_app.command("check")
def vacancy_check(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Vacature als JSON (of .txt: enkel tekst)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Nakijken op uitsluitende formuleringen en hoeveel kandidaten elke eis wegfiltert."""
    services = Components.from_env()
    drafting = services.drafting
    try:
        res = drafting.check_file(file)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        print_json(res)
        return
    typer.echo(f"{len(res.warnings)} waarschuwingen")
    for w in res.warnings:
        typer.echo(f"- [{w.category}] '{w.span.text}': {w.reason}\n    beter: {w.alternative}")
    if res.requirements:
        typer.echo(f"Eisen en kandidaten die ze wegfilteren (van {res.pool_size} relevante kandidaten):")
        for r in res.requirements:
            typer.echo(f"- {r.label}: -{r.removes}")


@vacancy_app.command("draft")
def vacancy_draft(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Vrije vacaturetekst (.txt) of JSON met 'text'."),
    occupation: str = typer.Option(None, "--occupation", help="Beroep (OP-…) als je het al kent."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Vrije tekst -> gestructureerd ontwerp (competenties, eisen) via extractie, plus de check."""
    services = Components.from_env()
    raw = file.read_text(encoding="utf-8")
    data = json.loads(raw) if file.suffix == ".json" else {"text": raw}
    try:
        res = services.drafting.draft(data.get("text", ""), title=data.get("title"), occupation=occupation)
    except RuntimeError as exc:
        _fail(str(exc))
    if as_json:
        print_json(res)
        return
    typer.echo(json.dumps(to_plain(res), ensure_ascii=False, indent=2))


@vacancy_app.command("suggest")
def vacancy_suggest(
    occupation: str = typer.Argument(..., help="Competent-code (OP-…) of ESCO-beroep-URI."),
    essential: int = typer.Option(10, "--essential", min=1, max=100),
    optional: int = typer.Option(10, "--optional", min=0, max=100),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Voorgestelde essentiële en optionele competenties uit het beroepsprofiel."""
    res = Components.from_env().drafting.suggest(occupation, n_essential=essential, n_optional=optional)
    if res is None:
        _fail(f"Geen profiel voor beroep '{occupation}'.")
    if as_json:
        print_json(res)
        return
    typer.echo(f"{res.code} {res.label}" + ("  [knelpuntberoep]" if res.shortage else ""))
    for title, items in (("Essentieel", res.essential), ("Optioneel", res.optional)):
        typer.echo(title + ":")
        for s in items:
            typer.echo(f"  - {s.label} ({s.competence_id}, gewicht {s.weight:.2f})")


# ---------------------------------------------------------------------- imports
def _import(kind: str, file: Path, as_json: bool) -> None:
    services = Components.from_env()
    ext = services.extractor if kind == "portfolios" else None
    report = import_jsonl(file, kind, services.vacancies, services.resolver, extractor=ext)
    if as_json:
        print_json(report)
    else:
        typer.echo(f"{report.file}: {report.lines} regels, {report.accepted} aanvaard "
                   f"({report.inserted} nieuw, {report.updated} gewijzigd, {report.unchanged} ongewijzigd), "
                   f"{len(report.rejected)} geweigerd, {report.seconds}s")
        for r in report.rejected[:50]:
            typer.echo(f"  regel {r.line}" + (f" ({r.id})" if r.id else "") + ": " + "; ".join(r.reasons))
        if len(report.rejected) > 50:
            typer.echo(f"  … en {len(report.rejected) - 50} meer (gebruik --json)")
        for d in report.duplicates[:10]:
            typer.echo(f"  regel {d['line']}: id {d['id']} stond al op regel {d['first_line']}; de laatste telt")
    if report.rejected:
        raise typer.Exit(1)


@vacancies_app.command("import")
def vacancies_import(file: Path = typer.Argument(..., exists=True, dir_okay=False),
                     as_json: bool = typer.Option(False, "--json")) -> None:
    """Vacatures laden uit JSONL; geweigerde regels met nummer en reden; idempotent per id."""
    _import("vacancies", file, as_json)


@portfolios_app.command("import")
def portfolios_import(file: Path = typer.Argument(..., exists=True, dir_okay=False),
                      as_json: bool = typer.Option(False, "--json")) -> None:
    """Portfolio's laden uit JSONL; geweigerde regels met nummer en reden; idempotent per id."""
    _import("portfolios", file, as_json)


@vacancies_app.command("schema")
def vacancies_schema() -> None:
    """Het JSON-schema van een vacatureregel."""
    print_json(schemas()["vacancy"])


@portfolios_app.command("schema")
def portfolios_schema() -> None:
    """Het JSON-schema van een portfolio."""
    print_json(schemas()["portfolio"])


@demo_app.command("generate")
def demo_generate(
    vacancies: int = typer.Option(20000, "--vacancies", min=0),
    portfolios: int = typer.Option(5000, "--portfolios", min=0),
    seed: int = typer.Option(42, "--seed"),
    no_import: bool = typer.Option(False, "--no-import", help="Enkel de bestanden schrijven."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Synthetische vacatures en portfolio's (var/demo/*.jsonl), daarna geladen."""
    import time

    services = Components.from_env()
    t0 = time.perf_counter()
    gen = generate(services.match_taxonomy, services.store, services.settings.var_dir / "demo",
                   vacancies=vacancies, portfolios=portfolios, seed=seed)
    out: dict = {"generation": gen}
    if not no_import:
        resolver = services.resolver
        out["vacancies"] = import_jsonl(gen.files["vacancies"], "vacancies", services.vacancies, resolver)
        out["portfolios"] = import_jsonl(gen.files["portfolios"], "portfolios", services.vacancies, resolver)
        out["removed_stale_synthetic"] = prune_synthetic(services.vacancies, vacancies, portfolios)
        t1 = time.perf_counter()
        services.matcher.ensure_built()
        out["index_seconds"] = round(time.perf_counter() - t1, 2)
        out["near_source"] = services.matcher.near.source
    out["total_seconds"] = round(time.perf_counter() - t0, 2)
    if as_json:
        print_json(out)
        return
    typer.echo(f"Gegenereerd: {gen.vacancies} vacatures, {gen.portfolios} portfolio's (seed {seed}, "
               f"{gen.shortage_share:.0%} knelpuntberoepen) in {gen.seconds}s -> {gen.files['vacancies']}")
    for k in ("vacancies", "portfolios"):
        if k in out:
            r = out[k]
            typer.echo(f"Geladen {k}: {r.accepted} ({r.inserted} nieuw, {r.updated} gewijzigd, {r.unchanged} ongewijzigd, "
                       f"{len(r.rejected)} geweigerd) in {r.seconds}s")
    if "index_seconds" in out:
        typer.echo(f"Matchindex gebouwd in {out['index_seconds']}s (verwante competenties: {out['near_source']})")
    typer.echo(f"Totaal {out['total_seconds']}s")


def register(app: typer.Typer) -> None:
    app.add_typer(match_app, name="match")
    app.command("orient")(orient)
    app.add_typer(vacancy_app, name="vacancy")
    app.add_typer(vacancies_app, name="vacancies")
    app.add_typer(portfolios_app, name="portfolios")
    app.add_typer(demo_app, name="demo")
