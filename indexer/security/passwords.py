"""Password hashes (argon2id, ``argon2-cffi``) and tokens (``secrets``).

A stored password is only ever its argon2id hash with the library's default cost; a token is
32 random bytes, URL-safe, shown once and stored as its SHA-256.
"""
from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
MIN_PASSWORD_CHARS = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"een wachtwoord heeft minstens {MIN_PASSWORD_CHARS} tekens")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """``True`` when ``password`` matches; a missing hash never matches (token-only accounts)."""
    if not password_hash:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)
