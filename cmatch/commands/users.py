"""``cmatch users``: local accounts and API tokens (issue 13).

``cmatch users add NAME --role jobseeker|employer|counsellor|admin [--org ORG] [--password] [--json]``
creates an account and prints a new API token once (``{"token": …}`` with ``--json``); the API
takes it as ``Authorization: Bearer TOKEN``. ``--password`` asks for a password (argon2id
hash) for the web login.
"""
from __future__ import annotations

import json

import typer

users_app = typer.Typer(help="Accounts en API-tokens.", no_args_is_help=True)


def _repo():
    from indexer.settings import get_settings
    from indexer.storage.factory import open_repository

    return open_repository(get_settings())


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="Accountnaam (A-Z, a-z, 0-9, '.', '_', ':' of '-')."),
    role: str = typer.Option(..., "--role", help="jobseeker, employer, counsellor of admin."),
    org: str = typer.Option("", "--org", help="Organisatie (werkgevers: wiens vacatures)."),
    password: bool = typer.Option(False, "--password", help="Een wachtwoord vragen voor de webaanmelding."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Het wachtwoord van stdin lezen."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Een account aanmaken; toont één keer een nieuw API-token."""
    import sys

    from indexer.domain import id_problem
    from indexer.security.passwords import hash_password, new_token

    bad = id_problem(name)
    if bad:
        raise typer.BadParameter(bad, param_hint="NAME")
    pw_hash = None
    if password or password_stdin:
        secret = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
            "Wachtwoord", hide_input=True, confirmation_prompt=True)
        try:
            pw_hash = hash_password(secret)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--password") from exc
    repo = _repo()
    try:
        repo.add_account(name, role, organisation=org, password_hash=pw_hash)
    except ValueError as exc:
        typer.echo(f"Fout: {exc}", err=True)
        raise typer.Exit(1) from exc
    token = new_token()
    repo.add_token(name, token)
    if as_json:
        typer.echo(json.dumps({"name": name, "role": role, "token": token}))
    else:
        typer.echo(f"Account '{name}' ({role}) aangemaakt. API-token (wordt niet opnieuw getoond):\n{token}")


@users_app.command("token")
def token(name: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Een bijkomend API-token voor een bestaand account."""
    from indexer.security.passwords import new_token

    repo = _repo()
    if repo.get_account(name) is None:
        typer.echo(f"Fout: account '{name}' bestaat niet", err=True)
        raise typer.Exit(1)
    tok = new_token()
    repo.add_token(name, tok)
    typer.echo(json.dumps({"name": name, "token": tok}) if as_json else tok)


@users_app.command("list")
def list_users(as_json: bool = typer.Option(False, "--json")) -> None:
    """De accounts (zonder wachtwoorden of tokens)."""
    rows = [{"name": a.name, "role": a.role, "organisation": a.organisation, "password": bool(a.password_hash),
             "created_at": a.created_at} for a in _repo().list_accounts()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            typer.echo(f"{r['name']:24} {r['role']:11} {r['organisation']}")


@users_app.command("remove")
def remove(name: str = typer.Argument(...)) -> None:
    """Een account met zijn tokens en gegeven toestemmingen verwijderen."""
    n = _repo().remove_account(name)
    typer.echo(f"{n} account verwijderd.")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
