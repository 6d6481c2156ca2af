"""``cmatch privacy purge``: apply the retention period to inactive portfolios (issue 13).

A portfolio unchanged for ``CMATCH_RETENTION_DAYS`` days (365; 0 = never) is deleted with its
side rows (competences, exposure counters, consents, owner, audit rows; one pseudonymous
``retention`` row stays) and every match snapshot under ``var/match`` is removed. Run it from
cron; ``--dry-run`` only counts.
"""
from __future__ import annotations

import typer

from cmatch.output import print_json

privacy_app = typer.Typer(help="Privacy: bewaartermijn toepassen.", no_args_is_help=True)


@privacy_app.command("purge")
def purge(
    days: int = typer.Option(None, "--days", min=0, help="Bewaartermijn in dagen (standaard CMATCH_RETENTION_DAYS)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Enkel tellen, niets wissen."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Portfolio's wissen die langer dan de bewaartermijn niet gewijzigd zijn."""
    from api.privacy import purge_inactive
    from api.wiring import Components

    svc = Components.from_env()
    res = purge_inactive(svc, days, dry_run=dry_run)
    if as_json:
        print_json(res)
    elif res["retention_days"] <= 0:
        typer.echo("Bewaartermijn 0: er wordt niets gewist.")
    else:
        verb = "zouden gewist worden" if dry_run else "gewist"
        typer.echo(f"{res['inactive']} portfolio's langer dan {res['retention_days']} dagen niet gewijzigd; "
                   f"{res['purged'] if not dry_run else res['inactive']} {verb}.")


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")
