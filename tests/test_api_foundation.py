"""/health and the two taxonomy searches, against the miniature store and index."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import ESCO_ATTRIBUTION, create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(mini_services):
    with TestClient(create_app(mini_services)) as c:
        yield c


def test_health(client) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["index_version"].startswith("v")
    assert body["counts"]["occupations_items"] == 12


def test_occupation_search(client) -> None:
    body = client.get("/api/v1/occupations/search", params={"q": "verpleegkundige", "top": 1}).json()
    ids = {r["id"] for r in body["results"]}
    assert "OP-202" in ids
    nurse = next(r for r in body["results"] if r["id"] == "OP-202")
    assert nurse["is_shortage"] and nurse["shortage"]["sector_group"].startswith("Medische")


def test_competence_search(client) -> None:
    body = client.get("/api/v1/competences/search", params={"q": "orders verzamelen"}).json()
    assert body["results"][0]["id"] in ("SK-6", "http://data.europa.eu/esco/skill/t-pick")


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 501}, {"q": "kok", "top": 0}, {"q": "kok", "top": "veel"}])
def test_validation_errors_have_one_shape(client, params) -> None:
    r = client.get("/api/v1/occupations/search", params=params)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error" and err["details"] and err["details"][0]["loc"][0] == "query"


def test_not_found_shape(client) -> None:
    r = client.get("/api/v1/bestaat-niet")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_openapi_mentions_esco(client) -> None:
    assert ESCO_ATTRIBUTION in client.get("/openapi.json").json()["info"]["description"]
