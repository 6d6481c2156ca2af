"""The probes of issue 13 as regression tests, on SQLite and PostgreSQL: no request can hurt the store.

Each probe once answered 500 or left the store unusable: a newline in an id (a committed row
that broke every later write), an id with ``/``, NUL and NaN in a record, a deeply nested
body, one bad record failing a whole import. Now each is a 4xx in the one error shape, and
the next ordinary write still works.
"""
from __future__ import annotations

import pytest

from tests.auth_helpers import admin_headers, backend_client
from tests.test_store_backends import BACKENDS, pg_url, require_postgres  # noqa: F401 - fixtures

VAC = {"id": "PROBE-V1", "title": "Heftruckchauffeur (m/v/x)", "occupation_codes": [], "competences": []}
PORT = {"id": "PROBE-P1", "competences": [], "personal": {"name": "Probe Persoon"}}


@pytest.fixture(params=BACKENDS)
def api(request, mini_services, tmp_path):
    """A client over a fresh application store of each backend (the miniature's taxonomy and index)."""
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with backend_client(request.param, mini_services, tmp_path, pg) as (svc, client):
        client.headers.update(admin_headers(svc))
        yield client


def _rejected(r, status: int = 422) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    return r.json()["error"]


def _still_writable(api) -> None:
    assert api.put("/api/v1/vacancies/PROBE-OK", json={**VAC, "id": "PROBE-OK"}).status_code == 200
    r = api.post("/api/v1/vacancies/import", json={"records": [{**VAC, "id": "PROBE-OK2"}]})
    assert r.status_code == 200 and r.json()["accepted"] == 1


def test_newline_in_an_id_is_refused_and_poisons_nothing(api) -> None:
    _rejected(api.put("/api/v1/vacancies/SOME%0Aid", json=VAC))
    assert api.get("/api/v1/vacancies/SOME%0Aid").status_code == 422
    _still_writable(api)
    assert api.get("/api/v1/vacancies/PROBE-OK").status_code == 200


@pytest.mark.parametrize("rid", ["jan.peeters@example.be", "a/b", "met spatie", "x" * 129, "é"])
def test_ids_outside_the_pattern_are_refused(api, rid) -> None:
    err = _rejected(api.post("/api/v1/vacancies", json={**VAC, "id": rid}))
    assert err["details"], err
    _rejected(api.post("/api/v1/portfolios", json={**PORT, "id": rid}))


@pytest.mark.parametrize("field, value", [("title", "a\x00b"), ("employer", "bel\x07"), ("text", "nul\x00in tekst")])
def test_control_characters_are_refused(api, field, value) -> None:
    _rejected(api.post("/api/v1/vacancies", json={**VAC, field: value}))
    _still_writable(api)


def test_newlines_stay_allowed_in_free_text(api) -> None:
    r = api.put("/api/v1/vacancies/PROBE-TXT", json={**VAC, "id": "PROBE-TXT", "text": "Regel 1\nRegel 2\tmet tab"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("raw", ['NaN', 'Infinity', '-Infinity'])
def test_nan_and_infinity_are_refused(api, raw) -> None:
    body = '{"id": "PROBE-NAN", "title": "x", "extra": {"score": %s}}' % raw
    _rejected(api.post("/api/v1/vacancies", content=body, headers={"content-type": "application/json"}))
    body = '{"id": "PROBE-NAN", "personal": {"age": %s}}' % raw
    _rejected(api.post("/api/v1/portfolios", content=body, headers={"content-type": "application/json"}))
    _still_writable(api)


def test_deep_nesting_is_refused(api) -> None:
    deep = "[" * 900 + "]" * 900
    body = '{"id": "PROBE-DEEP", "title": "x", "extra": {"k": %s}}' % deep
    r = api.post("/api/v1/vacancies", content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.status_code
    r = api.post("/api/v1/vacancies/import", content='{"records": [%s]}' % ("[" * 5000 + "]" * 5000),
                 headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.status_code
    _still_writable(api)


def test_free_form_fields_have_a_schema(api) -> None:
    _rejected(api.post("/api/v1/portfolios", json={**PORT, "personal": {"nested": {"a": 1}}}))
    _rejected(api.post("/api/v1/portfolios", json={**PORT, "extra": {f"k{i}": i for i in range(51)}}))
    _rejected(api.post("/api/v1/vacancies", json={**VAC, "title": "x" * 1001}))
    _rejected(api.post("/api/v1/vacancies", json={**VAC, "diplomas": ["d"] * 501}))


def test_one_bad_record_does_not_fail_an_import(api) -> None:
    records = [{**VAC, "id": "PROBE-I1"}, {**VAC, "id": "PROBE-I2", "title": "nul\x00"},
               {**VAC, "id": "PROBE I3"}, {**VAC, "id": "PROBE-I4"}]
    r = api.post("/api/v1/vacancies/import", json={"records": records})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["accepted"], out["inserted"]) == (2, 2)
    assert [x["index"] for x in out["rejected"]] == [1, 2]
    for rid in ("PROBE-I1", "PROBE-I4"):
        assert api.get(f"/api/v1/vacancies/{rid}").status_code == 200
    ports = [{**PORT, "id": "PROBE-PI1"}, {**PORT, "id": "PROBE-PI2", "personal": {"name": "nul\x00"}}]
    out = api.post("/api/v1/portfolios/import", json={"records": ports}).json()
    assert out["accepted"] == 1 and [x["index"] for x in out["rejected"]] == [1]


def test_matching_against_an_empty_store_answers_empty_lists(api, mini_services) -> None:
    """A vacancy checked before any portfolio exists (and the other way round) once answered 500."""
    tax = mini_services.match_taxonomy
    code = sorted(tax.profiles)[0]
    comp = tax.profiles[code][0].competence_id
    vacancy = {**VAC, "occupation_codes": [code], "competences": [{"id": comp, "importance": "essential"}]}
    for path, body in [("/api/v1/match/candidates", {"vacancy": vacancy}),
                       ("/api/v1/match/vacancies", {"portfolio": {**PORT, "competences": [{"id": comp}]}})]:
        r = api.post(path, json=body)
        assert r.status_code == 200, (path, r.text[:300])
        assert r.json()["results"] == []
