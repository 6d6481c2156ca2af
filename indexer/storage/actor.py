"""Who is writing: the acting account of the current request, for the audit log.

The API sets it once per request (:func:`acting_as`); the durable backends write it with every
change (PostgreSQL: the ``cmatch.actor`` setting; SQLite: the ``write_actor`` row), so the audit
log names the real account instead of the database user. A context variable keeps concurrent
requests apart (each runs in its own context).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_ACTOR: ContextVar[str] = ContextVar("cmatch_actor", default="")


def current_actor(default: str = "") -> str:
    return _ACTOR.get() or default


def set_actor(name: str) -> None:
    """Set the actor of the current context (a request) until the context ends."""
    _ACTOR.set(name)


@contextmanager
def acting_as(name: str):
    token = _ACTOR.set(name)
    try:
        yield
    finally:
        _ACTOR.reset(token)
