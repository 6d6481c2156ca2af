"""Secret pseudonyms: the salt behind candidate pseudonyms and audit tombstones (issue 13).

A pseudonym is only as strong as its salt: with the public default anyone can hash listable
portfolio ids and reverse the employer view. So the service refuses to start with the default
(or a short) salt unless development mode (``CMATCH_DEV=1``) is on; :func:`salt_problem`
says why, in Dutch, for the start-up check.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from indexer.settings import Settings

#: The salt in the source code (public, so never a secret).
PUBLIC_DEFAULT_SALT = "competentiematch"
MIN_SALT_CHARS = 16


def salt_problem(settings: Settings) -> str | None:
    """Why the configured salt may not serve (``None``: it may, or dev mode is on)."""
    if settings.dev_mode:
        return None
    salt = settings.pseudonym_salt or ""
    if salt == PUBLIC_DEFAULT_SALT or len(salt) < MIN_SALT_CHARS:
        return ("Geen geheime pseudoniemzout: zet CMATCH_PSEUDONYM_SALT op een geheime waarde van minstens "
                f"{MIN_SALT_CHARS} tekens (bv. `python -c 'import secrets; print(secrets.token_hex(24))'`), "
                "of CMATCH_DEV=1 voor lokale ontwikkeling.")
    return None


def require_secret_salt(settings: Settings) -> None:
    """Raise ``RuntimeError`` (start-up refused) when :func:`salt_problem` finds one."""
    problem = salt_problem(settings)
    if problem:
        raise RuntimeError(problem)


def tombstone(salt: str, kind: str, names: Sequence[str] | str) -> str:
    """The one audit row left after an erasure or purge: a salted hash, not reversible without the salt."""
    joined = names if isinstance(names, str) else "\n".join(sorted(names))
    return "T-" + hashlib.sha256(f"{salt}:{kind}:{joined}".encode()).hexdigest()[:16]
