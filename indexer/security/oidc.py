"""OpenID Connect bearer tokens (production sign-in): verify a JWT against the issuer's keys.

The identity provider signs an access token (RS256/ES256 ... never ``none`` nor a shared HMAC
secret); this module checks signature, issuer, audience, expiry and not-before, and reads who
the caller is from its claims: ``sub`` names the account (as ``oidc:<sub>``, so it can never be
taken for a local account), the role comes from ``cmatch_role`` (or the first known role in a
``roles`` list), an employer's organisation from ``organisation``. The keys (a JWKS) come from a
local file or from the provider's ``jwks_uri``, fetched once and cached by PyJWT.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import jwt

from indexer.domain import ID_PATTERN
from indexer.storage.accounts import ROLES

#: Asymmetric algorithms only: a token signed with a shared secret or unsigned is refused.
ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
ACCOUNT_PREFIX = "oidc:"
LEEWAY_S = 30


class InvalidToken(ValueError):
    """The token is not one this service accepts (its message is safe to show)."""


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    organisation: str = ""


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and len(token) <= 8192


class OidcVerifier:
    """Verifies bearer tokens of one issuer for one audience."""

    def __init__(self, issuer: str, audience: str, jwks: str | Path | dict):
        if not issuer or not audience or not jwks:
            raise ValueError("OIDC vraagt een issuer, een audience en sleutels (JWKS-bestand of -URL)")
        self.issuer, self.audience = issuer, audience
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if isinstance(jwks, dict):
            self._keys = jwt.PyJWKSet.from_dict(jwks)
        elif str(jwks).startswith(("https://", "http://")):
            self._client = jwt.PyJWKClient(str(jwks), cache_keys=True, lifespan=3600, timeout=5)
        else:
            self._keys = jwt.PyJWKSet.from_dict(json.loads(Path(jwks).read_text(encoding="utf-8")))

    def _key(self, token: str):
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        kid = jwt.get_unverified_header(token).get("kid")
        keys = [k for k in self._keys.keys if kid is None or k.key_id == kid]
        if not keys:
            raise InvalidToken("onbekende sleutel (kid)")
        return keys[0].key

    def verify(self, token: str) -> Identity:
        """The caller named by a valid token; :class:`InvalidToken` for anything else."""
        try:
            claims = jwt.decode(token, self._key(token), algorithms=list(ALGORITHMS), audience=self.audience,
                                issuer=self.issuer, leeway=LEEWAY_S,
                                options={"require": ["exp", "iat", "sub", "iss", "aud"]})
        except InvalidToken:
            raise
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise InvalidToken(f"token niet geldig ({type(exc).__name__})") from exc
        return identity_from_claims(claims)


def identity_from_claims(claims: dict) -> Identity:
    sub = str(claims.get("sub", ""))
    name = ACCOUNT_PREFIX + sub
    if not re.fullmatch(ID_PATTERN, name):
        raise InvalidToken("'sub' past niet in een accountnaam (letters, cijfers, . _ : -; hoogstens 128 tekens)")
    stated = claims.get("cmatch_role") or next((r for r in claims.get("roles", []) or [] if r in ROLES), "")
    if stated not in ROLES:
        raise InvalidToken("het token noemt geen rol van Competentiematch (cmatch_role of roles)")
    organisation = str(claims.get("organisation", "") or "")[:128]
    return Identity(name, stated, organisation)
