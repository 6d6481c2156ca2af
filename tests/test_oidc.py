"""OpenID Connect bearer tokens: signed here with a local RSA key, verified against a local JWKS.

A valid token names its account (``oidc:<sub>``, made on first sight) and role; an expired one,
one for another audience or issuer, one signed by another key, with a shared secret or unsigned
answers 401; ownership and consent work for these accounts as for local ones.
"""
from __future__ import annotations

import dataclasses
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from api.app import create_app
from api.wiring import Components
from indexer.security.oidc import InvalidToken, OidcVerifier

ISSUER, AUDIENCE = "https://login.example.be/realms/cmatch", "competentiematch"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY, OTHER_KEY = _key(), _key()


def _jwks(key, kid: str = "k1") -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def token(sub: str, role: str | None, *, key=KEY, kid: str = "k1", alg: str = "RS256", **over) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 300}
    if role:
        claims["cmatch_role"] = role
    claims.update(over)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture()
def client(mini_services, tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(_jwks(KEY)), encoding="utf-8")
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex",
                            dev_mode=True, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=str(jwks))
    svc = Components(s, encoder=mini_services.encoder_handle)
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as c:
        c.svc = svc
        yield c
    svc.vacancies.close()


def _as(t: str) -> dict:
    return {"Authorization": f"Bearer {t}"}


def test_a_valid_token_names_the_account_and_its_role(client) -> None:
    r = client.get("/api/v1/portfolios", headers=_as(token("an.peeters", "jobseeker")))
    assert r.status_code == 200 and r.json()["total"] == 0
    acc = client.svc.vacancies.get_account("oidc:an.peeters")
    assert acc is not None and acc.role == "jobseeker"
    assert client.get("/api/v1/portfolios").status_code == 401


@pytest.mark.parametrize("bad", [
    dict(exp=int(time.time()) - 3600),
    dict(aud="een-andere-dienst"),
    dict(iss="https://elders.example.com"),
    dict(key=OTHER_KEY),
    dict(kid="onbekend"),
    dict(role=None),
    dict(role="superuser"),
    dict(sub="met spatie"),
])
def test_invalid_tokens_are_refused(client, bad) -> None:
    bad = dict(bad)
    role, sub = bad.pop("role", "jobseeker"), bad.pop("sub", "an")
    r = client.get("/api/v1/portfolios", headers=_as(token(sub, role, **bad)))
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "unauthorized"


def test_shared_secret_and_unsigned_tokens_are_refused(client) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "an", "iat": now, "exp": now + 300, "cmatch_role": "admin"}
    hs = jwt.encode(claims, "geheim-gedeeld-sleutelmateriaal-van-32-bytes", algorithm="HS256", headers={"kid": "k1"})
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": "k1"})
    for t in (hs, unsigned):
        assert client.get("/api/v1/portfolios", headers=_as(t)).status_code == 401


def test_ownership_and_consent_work_for_oidc_accounts(client) -> None:
    owner, reader, other = (_as(token("an", "jobseeker")), _as(token("cas", "counsellor")),
                            _as(token("dirk", "counsellor")))
    assert client.get("/api/v1/portfolios", headers=reader).status_code == 200   # accounts exist now
    assert client.get("/api/v1/portfolios", headers=other).status_code == 200
    body = {"id": "OIDC-P1", "competences": [], "personal": {"name": "An Peeters"}}
    assert client.post("/api/v1/portfolios", json=body, headers=owner).status_code == 201
    assert client.get("/api/v1/portfolios/OIDC-P1", headers=reader).status_code == 404
    r = client.post("/api/v1/portfolios/OIDC-P1/consents", json={"counsellor": "oidc:cas"}, headers=owner)
    assert r.status_code in (200, 201), r.text
    assert client.get("/api/v1/portfolios/OIDC-P1", headers=reader).status_code == 200
    assert client.get("/api/v1/portfolios/OIDC-P1", headers=other).status_code == 404
    assert client.delete("/api/v1/portfolios/OIDC-P1", headers=reader).status_code == 403


def test_a_token_cannot_change_the_role_of_an_existing_account(client) -> None:
    assert client.get("/api/v1/portfolios", headers=_as(token("eva", "jobseeker"))).status_code == 200
    assert client.get("/api/v1/portfolios", headers=_as(token("eva", "admin"))).status_code == 403


def test_the_verifier_takes_a_jwks_dict_and_says_why() -> None:
    v = OidcVerifier(ISSUER, AUDIENCE, _jwks(KEY))
    assert v.verify(token("x", "employer", organisation="Bakkerij Janssens")).organisation == "Bakkerij Janssens"
    with pytest.raises(InvalidToken, match="rol"):
        v.verify(token("x", None, roles=["offline_access"]))
    assert v.verify(token("x", None, roles=["offline_access", "counsellor"])).role == "counsellor"
    with pytest.raises(ValueError):
        OidcVerifier("", AUDIENCE, _jwks(KEY))
