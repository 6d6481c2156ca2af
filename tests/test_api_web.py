"""The JSON API beyond the foundation: matching both ways, orientation, drafting, records, limits,
the one error shape, and the web pages (served HTML, attribution, lang)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import ESCO_ATTRIBUTION, create_app
from tests.web_fixtures import web_services  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

# records created here sort after the synthetic SYN-… ones, so the web pages' lists are unchanged
VAC = {"id": "ZZ-TEST-V1", "title": "Heftruckchauffeur (m/v/x)", "employer": "Test BV",
       "occupation_codes": ["OP-388"], "location": {"postcode": "9000"},
       "competences": [{"id": "SK-5", "importance": "essential"}, {"label": "Orders verzamelen", "importance": "pluspunt"}],
       "regimes": ["voltijds"], "contract_type": "vast", "languages": [{"code": "nl", "level": "B1"}]}
PORT = {"id": "ZZ-TEST-P1", "competences": [{"id": "SK-5", "source": "evc"}, {"id": "SK-6"}],
        "location": {"postcode": "9000"}, "max_distance_km": 30, "name": "Test Persoon", "age": 58}


@pytest.fixture(scope="module")
def client(web_services):
    from tests.auth_helpers import admin_headers

    with TestClient(create_app(web_services, warm=False)) as c:
        c.headers.update(admin_headers(web_services))  # records and stored portfolios need an account
        yield c


def _error(r, status: int) -> dict:
    assert r.status_code == status, (r.status_code, r.text)
    err = r.json()["error"]
    assert set(err) == {"code", "message", "details"}
    return err


def test_match_vacancies_inline_portfolio(client) -> None:
    r = client.post("/api/v1/match/vacancies", json={"portfolio": {k: v for k, v in PORT.items() if k != "id"}, "top": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["direction"] == "vacancies" and body["considered"] >= 300 and len(body["results"]) == 5
    best = body["results"][0]
    assert best["coverage"] > 0.5 and best["distance_km"] is not None
    assert {m["competence_id"] for m in best["matched"]} & {"SK-5", "SK-6"}
    assert any(e["source_label"] == "EVC-attest" for m in best["matched"] for e in m["portfolio_evidence"])
    assert [b["factor"] for b in best["breakdown"]][0] == "coverage"


def test_match_vacancies_stored_portfolio_and_options(client) -> None:
    r = client.post("/api/v1/match/vacancies", json={"portfolio_id": "SYN-P-00001", "top": 3,
                                                     "options": {"constraints": {"distance": "hard"}, "shortage_boost": False}})
    assert r.status_code == 200, r.text
    assert r.json()["options"]["constraints"]["distance"] == "hard"
    assert r.json()["options"]["shortage_boost"] is False


def test_match_candidates_are_pseudonymised(client) -> None:
    r = client.post("/api/v1/match/candidates", json={"vacancy_id": "SYN-V-000001", "top": 3})
    assert r.status_code == 200, r.text
    for res in r.json()["results"]:
        assert res["candidate"]["id"].startswith("K-") and "personal" not in res["candidate"]
    r = client.post("/api/v1/match/candidates", json={"vacancy": {k: v for k, v in VAC.items() if k != "id"}, "top": 2})
    assert r.status_code == 200 and len(r.json()["results"]) == 2


def test_orientation(client) -> None:
    r = client.post("/api/v1/orientation", json={"portfolio_id": "SYN-P-00001", "top": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "ranked" and body["results"]
    assert any(res["shortage"] for res in body["results"])
    r = client.post("/api/v1/orientation", json={"portfolio_id": "SYN-P-00001", "broader": True, "max_missing": 5})
    assert r.status_code == 200 and all(res["other_sector"] for res in r.json()["results"])


def test_drafting_suggest_check_draft(client) -> None:
    s = client.get("/api/v1/drafting/suggest", params={"occupation": "OP-400"}).json()
    assert s["code"] == "OP-400" and s["essential"] and s["optional"]
    _error(client.get("/api/v1/drafting/suggest", params={"occupation": "OP-999999"}), 404)
    c = client.post("/api/v1/drafting/check", json={"vacancy": {
        "title": "Magazijnier", "text": "Jong en dynamisch team zoekt medewerker, max. 35 jaar, moedertaal Nederlands.",
        "competences": [{"id": "SK-5"}], "driving_licence": "B", "diplomas": ["bachelordiploma"]}}).json()
    cats = {w["category"] for w in c["warnings"]}
    assert {"age", "origin", "diploma", "gender"} <= cats
    assert all(w["reason"] and w["alternative"] for w in c["warnings"] if w["severity"] == "warning")
    assert c["pool_size"] > 0 and any(r["kind"] == "licence" for r in c["requirements"])
    d = client.post("/api/v1/drafting/draft", json={"text": "Heftruckchauffeur (m/v/x)\nJe rijdt met de heftruck en "
                                                               "verzamelt orders. Rijbewijs B is vereist."})
    assert d.status_code == 200, d.text
    assert d.json()["vacancy"]["competences"] and d.json()["check"] is not None


def test_records_crud_roundtrip(client) -> None:
    client.delete(f"/api/v1/vacancies/{VAC['id']}")
    r = client.post("/api/v1/vacancies", json=VAC)
    assert r.status_code == 201, r.text
    stored = r.json()
    assert stored["regimes"] == ["full_time"] and stored["contract_type"] == "permanent"
    assert {c["competence_id"]: c["importance"] for c in stored["competences"]} == {"SK-5": "essential", "SK-6": "optional"}
    assert stored["location"]["province"] == "Oost-Vlaanderen"
    _error(client.post("/api/v1/vacancies", json=VAC), 409)
    r = client.put(f"/api/v1/vacancies/{VAC['id']}", json={**VAC, "title": "Heftruckchauffeur nacht (m/v/x)"})
    assert r.status_code == 200 and client.get(f"/api/v1/vacancies/{VAC['id']}").json()["title"].endswith("nacht (m/v/x)")
    assert VAC["id"] in client.app.state.components.vacancy_index.held_ids()  # indexed incrementally
    assert client.delete(f"/api/v1/vacancies/{VAC['id']}").status_code == 204
    assert VAC["id"] not in client.app.state.components.vacancy_index.held_ids()
    _error(client.get(f"/api/v1/vacancies/{VAC['id']}"), 404)
    _error(client.delete(f"/api/v1/vacancies/{VAC['id']}"), 404)
    # portfolios: personal fields are kept apart
    client.delete(f"/api/v1/portfolios/{PORT['id']}")
    r = client.post("/api/v1/portfolios", json=PORT)
    assert r.status_code == 201, r.text
    assert r.json()["personal"] == {"name": "Test Persoon", "age": 58}
    listed = client.get("/api/v1/portfolios", params={"limit": 5}).json()
    assert listed["total"] >= 151 and len(listed["items"]) == 5
    assert client.delete(f"/api/v1/portfolios/{PORT['id']}").status_code == 204


def test_import_reports_rejected_records(client) -> None:
    records = [{**VAC, "id": "ZZ-IMP-1"}, {**VAC, "id": "ZZ-IMP-2", "competences": [{"id": "SK-nope"}]},
               {"title": "zonder id"}]
    r = client.post("/api/v1/vacancies/import", json={"records": records})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["received"] == 3 and body["accepted"] == 1 and body["inserted"] + body["unchanged"] == 1
    assert [x["index"] for x in body["rejected"]] == [1, 2]
    assert "SK-nope" in " ".join(body["rejected"][0]["reasons"])
    again = client.post("/api/v1/vacancies/import", json={"records": records[:1]}).json()
    assert again["unchanged"] == 1
    client.delete("/api/v1/vacancies/ZZ-IMP-1")


def test_validation_errors_have_field_paths(client) -> None:
    err = _error(client.post("/api/v1/match/vacancies", json={"portfolio": {"competences": [{"id": "SK-nope"}]}}), 422)
    assert err["details"][0]["loc"] == ["body", "portfolio", "competences", "0"]
    err = _error(client.post("/api/v1/match/vacancies", json={"portfolio": {"cv_text": "x" * 20_001}}), 422)
    assert err["details"][0]["loc"][:3] == ["body", "portfolio", "cv_text"]
    err = _error(client.post("/api/v1/match/vacancies", json={}), 422)
    assert "portfolio" in err["details"][0]["msg"]
    err = _error(client.post("/api/v1/match/vacancies", json={"portfolio_id": "SYN-P-00001", "top": 0}), 422)
    assert err["details"][0]["loc"] == ["body", "top"]
    _error(client.post("/api/v1/match/vacancies", json={"portfolio_id": "bestaat-niet"}), 404)
    err = _error(client.post("/api/v1/drafting/draft", json={"text": "   "}), 422)
    assert err["details"][0]["loc"] == ["body", "text"]
    _error(client.post("/api/v1/match/vacancies", content=b"{niet json", headers={"content-type": "application/json"}), 422)


def test_oversized_body_is_413(client) -> None:
    big = b'{"text": "' + b"a" * (300 * 1024) + b'"}'
    err = _error(client.post("/api/v1/extract", content=big, headers={"content-type": "application/json"}), 413)
    assert err["code"] == "payload_too_large"

    def chunks():  # no content-length: counted while streaming
        for _ in range(40):
            yield b"a" * 10_000

    _error(client.post("/api/v1/extract", content=chunks(), headers={"content-type": "application/json"}), 413)


def test_method_not_allowed_shape(client) -> None:
    assert _error(client.delete("/api/v1/extract"), 405)["code"] == "method_not_allowed"


def test_competence_autocomplete(client) -> None:
    body = client.get("/api/v1/competences/suggest", params={"q": "heftr"}).json()
    assert body["results"] and body["results"][0]["id"] in ("SK-5", "http://data.europa.eu/esco/skill/t-forklift")
    assert all("heftruck" in r["matched_label"].lower() for r in body["results"][:2])


@pytest.mark.parametrize("path", ["/", "/werkzoekende", "/werkgever", "/loopbaanbegeleider"])
def test_pages(client, path) -> None:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="nl">' in html and 'name="viewport"' in html
    assert ESCO_ATTRIBUTION in html and "VDAB" in html
    assert "/static/app.js" in html and "/static/app.css" in html


def test_static_and_404_page(client) -> None:
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/favicon.ico").status_code == 200
    r = client.get("/bestaat-niet", headers={"accept": "text/html"})
    assert r.status_code == 404 and "Pagina niet gevonden" in r.text
    assert client.get("/bestaat-niet").json()["error"]["code"] == "not_found"


def test_openapi_lists_all_endpoints(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/match/vacancies", "/api/v1/match/candidates", "/api/v1/orientation", "/api/v1/drafting/check",
              "/api/v1/drafting/suggest", "/api/v1/drafting/draft", "/api/v1/vacancies", "/api/v1/vacancies/{vacancy_id}",
              "/api/v1/vacancies/import", "/api/v1/portfolios", "/api/v1/portfolios/{portfolio_id}",
              "/api/v1/portfolios/import", "/api/v1/extract", "/api/v1/occupations/normalise",
              "/api/v1/occupations/search", "/api/v1/competences/search", "/api/v1/competences/suggest"):
        assert p in paths, p
    assert client.get("/docs").status_code == 200


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        h = h.lstrip("#")
        rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colour_contrast_meets_wcag_aa() -> None:
    import re
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "api" / "static" / "app.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [("ink", "bg"), ("muted", "bg"), ("blue", "bg"), ("ok", "ok-bg"), ("warn", "warn-bg"), ("bad", "bad-bg"),
             ("short", "short-bg"), ("muted", "ok-bg")]
    for fg, bg in pairs:
        assert _contrast(var[fg], var[bg]) >= 4.5, (fg, bg, _contrast(var[fg], var[bg]))
    assert _contrast("#ffffff", var["blue"]) >= 4.5 and _contrast("#ffffff", var["warn"]) >= 4.5
    assert _contrast(var["focus"], "#ffffff") >= 3.0  # visible focus ring (non-text contrast)


def test_unexpected_error_is_500_without_traceback(web_services) -> None:
    app = create_app(web_services, warm=False)

    @app.get("/api/v1/_kapot", include_in_schema=False)
    def broken():
        raise RuntimeError("geheime details /pad/naar/bestand.py")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/_kapot")
    err = _error(r, 500)
    assert err["code"] == "internal_error" and "geheime" not in r.text and "Traceback" not in r.text


def test_counsellor_page_needs_a_login(web_services) -> None:
    """Names of people are shown only after a login (issue 13); wrong passwords get a Dutch 401."""
    from tests.web_fixtures import WEB_ADMIN

    with TestClient(create_app(web_services, warm=False), base_url="http://localhost") as c:
        r = c.get("/loopbaanbegeleider", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/inloggen")
        bad = c.post("/inloggen", data={"gebruiker": WEB_ADMIN[0], "wachtwoord": "fout-wachtwoord"})
        assert bad.status_code == 401 and "verkeerd wachtwoord" in bad.text
        r = c.post("/inloggen", data={"gebruiker": WEB_ADMIN[0], "wachtwoord": WEB_ADMIN[1],
                                      "volgende": "/loopbaanbegeleider"})
        assert r.status_code == 200 and "SYN-P-" in r.text
        assert r.headers.get("cache-control") == "no-store"
