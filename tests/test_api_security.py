"""Headers, Host allow-list, rate limits, the secret-salt start-up check and the access log (issue 13d/e)."""
from __future__ import annotations

import dataclasses
import logging
import os
import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.access_log import DropQueryStrings, loggable_path
from api.app import create_app
from api.rate_limit import TokenBuckets
from api.wiring import Components
from indexer.security.pseudonyms import salt_problem
from tests.auth_helpers import account_headers

TEMPLATES = Path(__file__).resolve().parent.parent / "api" / "templates"


def _client(mini_services, tmp_path, **changes) -> tuple[Components, TestClient]:
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex", **changes)
    svc = Components(s, encoder=mini_services.encoder_handle)
    return svc, TestClient(create_app(svc, warm=False), raise_server_exceptions=False)


def test_security_headers_on_pages_api_and_errors(mini_services, tmp_path) -> None:
    svc, client = _client(mini_services, tmp_path)
    with client:
        for path in ("/", "/werkzoekende", "/inloggen", "/api/v1/portfolios", "/api/v1/bestaat-niet", "/health"):
            r = client.get(path)
            csp = r.headers["content-security-policy"]
            assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, path
            assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
            assert r.headers["cache-control"] == "no-store", path
        assert "no-store" not in client.get("/static/app.js").headers.get("cache-control", "")
        me = account_headers(svc, "hdr-js", "jobseeker")
        assert client.get("/api/v1/me/export", headers=me).headers["cache-control"] == "no-store"


def test_templates_have_no_inline_script_handler_or_style() -> None:
    """``script-src 'self'`` and ``style-src 'self'`` hold only without inline code in the pages."""
    for page in TEMPLATES.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), page.name
        assert not re.search(r"\son[a-z]+\s*=", html), page.name
        assert not re.search(r"\sstyle\s*=|<style", html), page.name


def test_host_allow_list(mini_services, tmp_path) -> None:
    _, client = _client(mini_services, tmp_path)
    with client:
        assert client.get("/health", headers={"Host": "127.0.0.1:8000"}).status_code == 200
        bad = client.get("/health", headers={"Host": "evil.example"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_host"
        assert bad.headers["x-content-type-options"] == "nosniff"
    _, open_client = _client(mini_services, tmp_path / "b", allowed_hosts=("*",))
    with open_client:
        assert open_client.get("/health", headers={"Host": "evil.example"}).status_code == 200


def test_rate_limit_per_client_and_account(mini_services, tmp_path) -> None:
    svc, client = _client(mini_services, tmp_path, rate_limit_per_s=1.0)   # burst 10
    with client:
        codes = [client.get("/api/v1/vacancies").status_code for _ in range(12)]
        assert codes[:10] == [200] * 10 and codes[-1] == 429
        r = client.get("/api/v1/vacancies")
        assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    buckets = TokenBuckets(rate=2.0, burst=4, clock=lambda: now[0])
    now = [0.0]
    assert [buckets.take("a", 1) for _ in range(5)][-1] > 0        # the fifth waits
    assert buckets.take("b", 1) == 0                                 # another key has its own bucket
    now[0] = 1.0                                                     # 1 s refills 2 tokens
    assert buckets.take("a", 2) == 0 and buckets.take("a", 1) > 0


def test_account_bucket_spans_addresses() -> None:
    from api.rate_limit import RateLimiter

    lim = RateLimiter(rate=1.0)
    waits = [lim.check(f"10.0.0.{i}", "cred", 1) for i in range(12)]    # new address each time, same account
    assert waits[:10] == [0] * 10 and waits[-1] >= 1


def test_shared_buckets_hold_across_processes(tmp_path) -> None:
    """``--workers N`` shares one budget: what one process took, another cannot take again."""
    import subprocess
    import sys

    from api.rate_limit import RateLimiter, SharedTokenBuckets, credential_key

    path = tmp_path / "ratelimit.sqlite"
    cred = credential_key({b"authorization": b"Bearer geheim-token"}, "sessie")
    a, b = RateLimiter(1.0, path, "zout"), RateLimiter(1.0, path, "zout")      # burst 10 each, one file
    assert [a.check("10.0.0.1", None, 4) for _ in range(2)] == [0, 0]           # 8 of 10 tokens
    assert b.check("10.0.0.1", None, 4) >= 1                                     # the other "worker" sees it
    assert b.check("10.0.0.2", cred, 1) == 0                                   # another client: its own bucket
    other = subprocess.run([sys.executable, "-c", (
        "from api.rate_limit import RateLimiter; import sys; "
        f"print(RateLimiter(1.0, {str(path)!r}, 'zout').check('10.0.0.9', {cred!r}, 9))")],
        capture_output=True, text=True, timeout=60, check=True)
    assert other.stdout.strip() == "0"                                           # 1 + 9 = 10: allowed
    assert a.check("10.0.0.3", cred, 1) >= 1                                   # the account spans processes
    keys = [k for (k,) in sqlite3.connect(path).execute("SELECT key FROM buckets")]
    assert len(keys) == 5 and not any("10.0.0" in k or "geheim" in k for k in keys)   # hashed keys only
    # full-again buckets are pruned; a broken file lets requests through rather than failing them
    now = [1000.0]
    pruned = SharedTokenBuckets(tmp_path / "p.sqlite", rate=1.0, burst=2, clock=lambda: now[0])
    assert pruned.take("x", 2) == 0 and pruned.take("x", 1) > 0
    now[0] += 120                                                                # full again, and a minute on
    assert pruned.take("y", 1) == 0
    assert [k for (k,) in sqlite3.connect(tmp_path / "p.sqlite").execute("SELECT key FROM buckets")] == ["y"]
    broken = SharedTokenBuckets(tmp_path / "b.sqlite", rate=1.0)
    (tmp_path / "b.sqlite").write_bytes(b"geen sqlite")
    broken._local.con = None
    assert broken.take("x", 1) == 0.0


def test_serve_with_workers_shares_the_rate_limit(monkeypatch, tmp_path) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from cmatch.cli import app

    seen = {}
    monkeypatch.setenv("CMATCH_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CMATCH_DEV", "1")
    monkeypatch.setenv("CMATCH_RATE_LIMIT_FILE", "")      # recorded, so what serve sets is undone afterwards
    monkeypatch.delenv("CMATCH_RATE_LIMIT_FILE")
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw, file=os.environ.get("CMATCH_RATE_LIMIT_FILE")))
    assert CliRunner().invoke(app, ["serve", "--workers", "2"]).exit_code == 0
    assert seen["workers"] == 2 and seen["file"].endswith("ratelimit.sqlite")


def test_service_refuses_the_public_salt_outside_dev_mode(mini_settings) -> None:
    assert salt_problem(dataclasses.replace(mini_settings, dev_mode=True)) is None
    prod = dataclasses.replace(mini_settings, dev_mode=False)
    assert "CMATCH_PSEUDONYM_SALT" in salt_problem(prod)
    assert salt_problem(dataclasses.replace(prod, pseudonym_salt="kort")) is not None
    assert salt_problem(dataclasses.replace(prod, pseudonym_salt="x" * 32)) is None


def test_serve_refuses_without_salt(monkeypatch, tmp_path) -> None:
    from typer.testing import CliRunner

    from cmatch.cli import app

    monkeypatch.setenv("CMATCH_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("CMATCH_DEV", "0")
    monkeypatch.delenv("CMATCH_PSEUDONYM_SALT", raising=False)
    r = CliRunner().invoke(app, ["serve"])   # refused before anything loads or builds
    assert r.exit_code == 2 and "CMATCH_PSEUDONYM_SALT" in r.output


def test_access_log_drops_query_strings_on_personal_routes() -> None:
    assert loggable_path("/api/v1/competences/suggest?q=Els%20Peeters%20els@x.be") == "/api/v1/competences/suggest?…"
    assert loggable_path("/api/v1/occupations/search?q=lasser") == "/api/v1/occupations/search?q=lasser"
    assert loggable_path("/loopbaanbegeleider?portfolio=P-1") == "/loopbaanbegeleider?…"
    rec = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                            ("127.0.0.1:5", "GET", "/api/v1/competences/suggest?q=geheim", "1.1", 200), None)
    assert DropQueryStrings().filter(rec) and "geheim" not in rec.getMessage()


@pytest.mark.parametrize("path", ["/docs"])
def test_docs_get_their_own_policy(mini_services, tmp_path, path) -> None:
    _, client = _client(mini_services, tmp_path)
    with client:
        r = client.get(path)
        assert r.status_code == 200 and "'unsafe-inline'" in r.headers["content-security-policy"]


def test_error_bodies_are_capped() -> None:
    from api.errors import MAX_ERROR_DETAILS, MAX_ERROR_TEXT, error_body

    body = error_body(422, "x" * 5000, [{"loc": ["body", "k" * 1000], "msg": "m" * 1000, "type": "t"}] * 500)
    err = body["error"]
    assert len(err["message"]) <= MAX_ERROR_TEXT + 1 and len(err["details"]) == MAX_ERROR_DETAILS + 1
    assert len(err["details"][0]["loc"][1]) <= MAX_ERROR_TEXT + 1 and err["details"][-1]["type"] == "truncated"


def test_many_invalid_records_give_a_small_error(mini_services, tmp_path) -> None:
    svc, client = _client(mini_services, tmp_path)
    with client:
        r = client.post("/api/v1/match/vacancies", json={"portfolio": {"competences": [{"id": 5, "x" * 500: 1}] * 400}})
        assert r.status_code == 422 and len(r.content) < 40_000


def test_served_connections_have_nodelay() -> None:
    """``cmatch serve`` (and the load bench, by name) run uvicorn with a protocol that turns
    Nagle's algorithm off, which uvicorn's own sockets for ``--workers`` leave on."""
    import socket
    from unittest import mock

    from uvicorn.config import Config

    from api.server_protocol import HTTP_PROTOCOL, NoDelayHTTPProtocol
    from eval import load_bench

    assert load_bench.HTTP_PROTOCOL == HTTP_PROTOCOL
    config = Config(app=lambda *a: None, http=HTTP_PROTOCOL)
    config.load()
    assert config.http_protocol_class is NoDelayHTTPProtocol
    listener = socket.socket()          # protocol 0, as uvicorn binds it for --workers
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    peer = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        transport = mock.MagicMock()
        transport.get_extra_info.side_effect = lambda name, default=None: accepted if name == "socket" else default
        with mock.patch.object(NoDelayHTTPProtocol.__mro__[1], "connection_made") as base:
            NoDelayHTTPProtocol.__new__(NoDelayHTTPProtocol).connection_made(transport)
        assert base.called and accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (peer, accepted, listener):
            s.close()
