"""PostgreSQL connection helpers: connections in a schema, reachability, throw-away schemas.

The server is named by ``settings.pg_dsn`` (``CMATCH_PG_DSN``; default: the local test server
that ``make postgres`` / ``.ci/postgres.sh`` starts on 127.0.0.1); callers pass it in. A
repository lives in one schema (default ``public``); tests use a throw-away schema each, so
they never see each other's rows.

>>> parse_schema("postgresql://u:p@127.0.0.1:5432/db?schema=t1")
('postgresql://u:p@127.0.0.1:5432/db', 't1')
"""
from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def parse_schema(dsn: str) -> tuple[str, str | None]:
    """Split an optional ``?schema=name`` off a DSN (libpq does not know that parameter)."""
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


def check_ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"Ongeldige schemanaam {name!r} (kleine letters, cijfers, _)")
    return name


def connect(dsn: str, schema: str | None = None, *, autocommit: bool = False, timeout: int = 10):
    """A psycopg connection whose ``search_path`` is ``schema`` (created when missing)."""
    import psycopg

    dsn, from_dsn = parse_schema(dsn)
    schema = check_ident(schema or from_dsn or "public")
    con = psycopg.connect(dsn, autocommit=True, connect_timeout=timeout, application_name="competentiematch")
    if schema != "public":
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(f"SET search_path TO {schema}")
    con.autocommit = autocommit
    return con


def reachable(dsn: str, timeout: int = 3) -> tuple[bool, str]:
    """``(True, version)`` when the server answers, else ``(False, reason)``."""
    try:
        import psycopg

        with psycopg.connect(parse_schema(dsn)[0], connect_timeout=timeout) as con:
            return True, con.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
        return False, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def temp_schema_name(prefix: str = "t") -> str:
    return check_ident(f"{prefix}_{uuid.uuid4().hex[:12]}")


def drop_schema(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(parse_schema(dsn)[0], autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {check_ident(schema)} CASCADE")


def server_for_tests(dsn: str) -> tuple[str | None, str]:
    """For tests: ``(dsn, "")`` when the server answers, else ``(None, reason)``."""
    ok, info = reachable(dsn)
    if ok:
        return dsn, ""
    host = parse_schema(dsn)[0].split("@")[-1]
    return None, f"PostgreSQL niet bereikbaar op {host} ({info}); start hem met `make postgres`"
