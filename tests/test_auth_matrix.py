"""The authorisation matrix of issue 13: every route of the OpenAPI document × every role ×
owner / non-owner / consent. Deny by default: a route missing from ``RULES`` fails the test.

Actors: anonymous; jobseeker owning portfolio P-OWN and one who does not; a counsellor with
the owner's consent and one without; an employer of the organisation owning vacancy V-OWN and
one of another; an admin. Allowed means a 2xx answer; denied means 401 without an account and
403/404 with one (a denied portfolio read is a 404: its existence is not revealed).
"""
from __future__ import annotations

import dataclasses
import itertools

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.wiring import Components
from indexer.domain import Portfolio, PortfolioCompetence, Vacancy
from tests.auth_helpers import account_headers

ACTORS = ("anon", "js_owner", "js_other", "co_consent", "co_none", "em_owner", "em_other", "admin")
PUBLIC = set(ACTORS)
SIGNED_IN = PUBLIC - {"anon"}
OWNER_ONLY = {"js_owner", "admin"}
READERS = {"js_owner", "co_consent", "admin"}
EMPLOYERS = {"em_owner", "em_other", "admin"}
VACANCY_OWNER = {"em_owner", "admin"}
JOBSEEKERS = {"js_owner", "js_other", "admin"}

_n = itertools.count()


def _new(prefix: str) -> str:
    return f"{prefix}-{next(_n)}"


VAC = {"title": "Heftruckchauffeur (m/v/x)", "competences": []}
PORT = {"competences": [], "personal": {"name": "Matrix Persoon"}}

#: (method, OpenAPI path) -> (who may, request builder: () -> (url, json body or None))
RULES = {
    ("get", "/health"): (PUBLIC, lambda: ("/health", None)),
    ("get", "/health/live"): (PUBLIC, lambda: ("/health/live", None)),
    ("get", "/health/ready"): (PUBLIC, lambda: ("/health/ready", None)),
    ("get", "/api/v1/occupations/search"): (PUBLIC, lambda: ("/api/v1/occupations/search?q=lasser", None)),
    ("get", "/api/v1/competences/search"): (PUBLIC, lambda: ("/api/v1/competences/search?q=lassen", None)),
    ("get", "/api/v1/competences/suggest"): (PUBLIC, lambda: ("/api/v1/competences/suggest?q=las", None)),
    ("post", "/api/v1/competences/suggest"): (PUBLIC, lambda: ("/api/v1/competences/suggest", {"q": "las"})),
    ("post", "/api/v1/extract"): (PUBLIC, lambda: ("/api/v1/extract", {"text": "Ik kan lassen.", "kind": "cv"})),
    ("post", "/api/v1/occupations/normalise"): (PUBLIC, lambda: ("/api/v1/occupations/normalise", {"text": "lasser"})),
    ("get", "/api/v1/drafting/suggest"): (PUBLIC, lambda: ("/api/v1/drafting/suggest?occupation=OP-400", None)),
    ("post", "/api/v1/drafting/check"): (PUBLIC, lambda: ("/api/v1/drafting/check", {"vacancy": VAC})),
    ("post", "/api/v1/drafting/draft"): (PUBLIC, lambda: ("/api/v1/drafting/draft", {"text": "Lasser gezocht in Gent."})),
    ("post", "/api/v1/match/vacancies"): (READERS, lambda: ("/api/v1/match/vacancies", {"portfolio_id": "P-OWN"})),
    ("post", "/api/v1/match/candidates"): (EMPLOYERS, lambda: ("/api/v1/match/candidates", {"vacancy_id": "V-OWN"})),
    ("post", "/api/v1/orientation"): (READERS, lambda: ("/api/v1/orientation", {"portfolio_id": "P-OWN"})),
    ("get", "/api/v1/vacancies"): (PUBLIC, lambda: ("/api/v1/vacancies", None)),
    ("post", "/api/v1/vacancies"): (EMPLOYERS, lambda: ("/api/v1/vacancies", {**VAC, "id": _new("V-NEW")})),
    ("get", "/api/v1/vacancies/{vacancy_id}"): (PUBLIC, lambda: ("/api/v1/vacancies/V-OWN", None)),
    ("put", "/api/v1/vacancies/{vacancy_id}"): (VACANCY_OWNER, lambda: ("/api/v1/vacancies/V-OWN", {**VAC, "id": "V-OWN"})),
    ("delete", "/api/v1/vacancies/{vacancy_id}"): (VACANCY_OWNER, lambda: ("/api/v1/vacancies/V-OWN", None)),
    ("get", "/api/v1/portfolios"): (SIGNED_IN, lambda: ("/api/v1/portfolios", None)),
    ("post", "/api/v1/portfolios"): (JOBSEEKERS, lambda: ("/api/v1/portfolios", {**PORT, "id": _new("P-NEW")})),
    ("get", "/api/v1/portfolios/{portfolio_id}"): (READERS, lambda: ("/api/v1/portfolios/P-OWN", None)),
    ("put", "/api/v1/portfolios/{portfolio_id}"): (OWNER_ONLY, lambda: ("/api/v1/portfolios/P-OWN", {**PORT, "id": "P-OWN"})),
    ("delete", "/api/v1/portfolios/{portfolio_id}"): (OWNER_ONLY, lambda: ("/api/v1/portfolios/P-OWN", None)),
    ("get", "/api/v1/portfolios/{portfolio_id}/consents"): (OWNER_ONLY, lambda: ("/api/v1/portfolios/P-OWN/consents", None)),
    ("post", "/api/v1/portfolios/{portfolio_id}/consents"): (
        OWNER_ONLY, lambda: ("/api/v1/portfolios/P-OWN/consents", {"counsellor": "co-consent"})),
    ("delete", "/api/v1/portfolios/{portfolio_id}/consents/{counsellor}"): (
        OWNER_ONLY, lambda: ("/api/v1/portfolios/P-OWN/consents/co-other", None)),
    ("post", "/api/v1/vacancies/import"): (
        EMPLOYERS, lambda: ("/api/v1/vacancies/import", {"records": [{**VAC, "id": _new("V-IMP")}]})),
    ("post", "/api/v1/portfolios/import"): (
        {"admin"}, lambda: ("/api/v1/portfolios/import", {"records": [{**PORT, "id": _new("P-IMP")}]})),
    ("get", "/api/v1/me/export"): (SIGNED_IN, lambda: ("/api/v1/me/export", None)),
    ("get", "/api/v1/jobs/{job_id}"): (SIGNED_IN, None),  # the submitter or admin: tests/test_api_jobs.py
    ("delete", "/api/v1/me"): (SIGNED_IN, None),  # erases the caller: tests/test_privacy.py
}


@pytest.fixture(scope="module")
def world(mini_services, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("authz")
    s = dataclasses.replace(mini_services.settings, app_db=tmp / "app.sqlite", vindex=tmp / "vindex", dev_mode=True)
    svc = Components(s, encoder=mini_services.encoder_handle)
    repo = svc.vacancies
    headers = {"anon": {},
               "js_owner": account_headers(svc, "js-owner", "jobseeker"),
               "js_other": account_headers(svc, "js-other", "jobseeker"),
               "co_consent": account_headers(svc, "co-consent", "counsellor"),
               "co_none": account_headers(svc, "co-other", "counsellor"),
               "em_owner": account_headers(svc, "em-owner", "employer", "Org A"),
               "em_other": account_headers(svc, "em-other", "employer", "Org B"),
               "admin": account_headers(svc, "admin", "admin")}
    repo.set_owner("portfolio", "P-OWN", "js-owner")
    repo.set_owner("vacancy", "V-OWN", "org:Org A")
    repo.grant_consent("P-OWN", "co-consent")
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as client:
        yield svc, client, headers
    repo.close()


def _reset(svc) -> None:
    """P-OWN and V-OWN exist before every request (a permitted DELETE removes them)."""
    svc.vacancies.upsert_portfolios([Portfolio(id="P-OWN", competences=[PortfolioCompetence("SK-5")],
                                               personal={"name": "Eigenaar Persoon"})])
    svc.vacancies.upsert_vacancies([Vacancy(id="V-OWN", title="Lasser (m/v/x)")])
    svc.vacancies.grant_consent("P-OWN", "co-consent")


def test_every_route_is_in_the_matrix(world) -> None:
    _, client, _ = world
    routes = {(m, p) for p, ops in client.get("/openapi.json").json()["paths"].items() for m in ops}
    assert routes - set(RULES) == set(), "routes without an authorisation rule"
    assert set(RULES) - routes == set()


@pytest.mark.parametrize("route", sorted(r for r, (_, build) in RULES.items() if build), ids=lambda r: f"{r[0]} {r[1]}")
def test_matrix(world, route) -> None:
    svc, client, headers = world
    allowed, build = RULES[route]
    for actor in ACTORS:
        _reset(svc)
        url, body = build()
        r = client.request(route[0].upper(), url, json=body, headers=headers[actor])
        if actor in allowed:
            assert 200 <= r.status_code < 300, (actor, r.status_code, r.text[:300])
        elif actor == "anon":
            assert r.status_code == 401, (actor, r.status_code, r.text[:200])
        else:
            assert r.status_code in (403, 404), (actor, r.status_code, r.text[:200])


def test_lists_show_only_what_the_caller_may_read(world) -> None:
    svc, client, headers = world
    _reset(svc)
    ids = lambda who: [i["id"] for i in client.get("/api/v1/portfolios", headers=headers[who]).json()["items"]]  # noqa: E731
    assert "P-OWN" in ids("js_owner") and "P-OWN" in ids("co_consent") and "P-OWN" in ids("admin")
    assert "P-OWN" not in ids("js_other") and ids("co_none") == [] and ids("em_owner") == []


def test_revoked_consent_stops_the_counsellor_at_once(world) -> None:
    svc, client, headers = world
    _reset(svc)
    assert client.get("/api/v1/portfolios/P-OWN", headers=headers["co_consent"]).status_code == 200
    r = client.delete("/api/v1/portfolios/P-OWN/consents/co-consent", headers=headers["js_owner"])
    assert r.status_code == 204
    assert client.get("/api/v1/portfolios/P-OWN", headers=headers["co_consent"]).status_code == 404
    _reset(svc)


def test_the_audit_log_names_the_account(world) -> None:
    svc, client, headers = world
    pid = _new("P-AUD")
    assert client.post("/api/v1/portfolios", json={**PORT, "id": pid}, headers=headers["js_other"]).status_code == 201
    assert svc.vacancies.audit_log("portfolio", pid)[0]["actor"] == "js-other"


def test_inline_matching_stays_open(world) -> None:
    _, client, _ = world
    r = client.post("/api/v1/match/vacancies", json={"portfolio": {"competences": [{"id": "SK-5"}]}, "top": 3})
    assert r.status_code == 200, r.text[:200]


def test_bad_or_foreign_tokens_are_anonymous(world) -> None:
    _, client, _ = world
    for h in ({"Authorization": "Bearer nep"}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer " + "x" * 5000}):
        assert client.get("/api/v1/portfolios", headers=h).status_code == 401
