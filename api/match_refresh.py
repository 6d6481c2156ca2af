"""The match index the API serves: brought up to date in the background after a write while the
old one keeps answering (issue 13e), so no request waits for it.

:class:`ServingMatcher` stands in for a :class:`~matcher.matching.engine.MatchEngine`: every
attribute comes from the current engine, which is built over a :class:`PinnedRepo` (the store
as seen at one generation, so the engine never rebuilds itself in a request). When the store's
generation moves on, the next use starts **one** background build of a fresh engine (same near
table and exposure counters) and swaps it in when done; builds coalesce. The fresh engine starts
from the previous one's index and re-encodes only the rows written since
(:class:`~matcher.matching.match_index.MatchIndex`): about 0.1 s on the demo store, not the
full encode of every row (7-9 s on 20k vacancies) that each write used to cost. Only the very first
build, and ``refresh(wait=True)`` (after an erasure: the person must vanish at once), run in
the caller. ``sync=True`` keeps the old behaviour (rebuild in the request) for tests that read
their own writes.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PinnedRepo:
    """The repository, but ``state_key`` frozen at ``generation`` (all else passes through)."""

    def __init__(self, repo, generation: str):
        self._repo = repo
        self._generation = generation

    def state_key(self) -> str:
        return self._generation

    def __getattr__(self, name: str):
        return getattr(self._repo, name)


class ServingMatcher:
    def __init__(self, repo, make_engine: Callable[[object, object | None], object], *, sync: bool = False):
        """``make_engine(repo, previous)`` builds an engine over ``repo`` (sharing ``previous``'s near table)."""
        self._repo = repo
        self._make = make_engine
        self._sync = sync
        self._current = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.rebuilds = 0

    def _build(self) -> object:
        gen = self._repo.state_key()
        engine = self._make(PinnedRepo(self._repo, gen), self._current)
        engine.ensure_built()
        self._current = engine                      # one reference swap: each call sees one engine
        self.rebuilds += 1
        return engine

    def _background(self) -> None:
        try:
            with self._lock:
                if self._current is None or self._current.repo.state_key() != self._repo.state_key():
                    self._build()
        except Exception:  # noqa: BLE001 — the old engine keeps serving; the next use tries again
            log.exception("matchindex op de achtergrond niet herbouwd")

    def refresh(self, *, wait: bool = False) -> None:
        """Bring the served engine up to the store's generation (``wait``: before returning)."""
        if wait or self._sync or self._current is None:
            with self._lock:
                if self._current is None or self._current.repo.state_key() != self._repo.state_key():
                    self._build()
            return
        if self._current.repo.state_key() != self._repo.state_key() and not (self._thread and self._thread.is_alive()):
            self._thread = threading.Thread(target=self._background, daemon=True, name="matchindex")
            self._thread.start()

    @property
    def engine(self):
        self.refresh()
        return self._current

    @property
    def building(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def __getattr__(self, name: str):
        return getattr(self.engine, name)
