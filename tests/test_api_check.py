"""The bounded schemathesis run over the OpenAPI spec finds no 500s (and every error has the one shape)."""
from __future__ import annotations

import json

import pytest

from tests.web_fixtures import OUTPUT, build_web_services, warm

pytestmark = pytest.mark.slow


def test_schemathesis_finds_no_server_errors(mini_services, tmp_path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.check import run_check
    from indexer.jsonable import to_plain

    svc = build_web_services(mini_services, tmp_path)  # its own store: the fuzzer creates and deletes records
    warm(svc)
    app = create_app(svc, warm=False)
    with TestClient(app):
        report = run_check(app, max_examples=10, time_limit=150)
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "api-check.json").write_text(json.dumps(to_plain(report), ensure_ascii=False, indent=2), encoding="utf-8")
    print(report.summary())
    assert report.operations >= 20, report.skipped
    assert report.requests >= report.operations * 4
    assert not report.server_errors, "\n".join(f"{f.operation} {f.status}: {f.problem} {f.request} {f.body}"
                                               for f in report.server_errors[:10])
    assert not report.failures, "\n".join(f"{f.operation} {f.status}: {f.problem} {f.body}" for f in report.failures[:10])
