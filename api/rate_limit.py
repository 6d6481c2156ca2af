"""Rate limits per client and per account: in-process token buckets (issue 13).

Every request takes tokens from two buckets: one per client address and, when it carries a
credential (bearer token or session cookie), one per credential (so one account cannot spread
its load over many addresses, nor one address over many accounts unnoticed). Each bucket
refills at ``rate`` tokens per second up to ``burst`` (10 s worth); expensive routes (matching,
extraction, imports, drafting) cost :data:`EXPENSIVE_COST` tokens. An empty bucket answers 429
in the one error shape with ``Retry-After``.

One process keeps its buckets in memory (:class:`TokenBuckets`). Several processes on one
machine (``cmatch serve --workers N``) share them in a small SQLite file
(:class:`SharedTokenBuckets`, ``CMATCH_RATE_LIMIT_FILE``, which ``serve`` sets to
``var/ratelimit.sqlite`` for N > 1), so the limit stays the same whatever N; servers on several
machines need a limit in the proxy in front. Only hashed keys are stored (see
:func:`credential_key`; client addresses with a keyed hash, the pseudonym salt), and a bucket
leaves the file within about a minute of being full again.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import sqlite3
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: Tokens one request to an expensive route takes (a cheap one takes 1).
EXPENSIVE_COST = 4
EXPENSIVE_PREFIXES: tuple[str, ...] = ("/api/v1/match/", "/api/v1/orientation", "/api/v1/extract", "/api/v1/drafting/",
                                       "/api/v1/occupations/normalise")
#: Buckets kept at most (the least recently used are dropped: a flood of addresses cannot grow memory).
MAX_BUCKETS = 50_000


def request_cost(method: str, path: str) -> int:
    if path.endswith("/import") or (method == "POST" and path.startswith(EXPENSIVE_PREFIXES)):
        return EXPENSIVE_COST
    return 1


def refill_and_take(tokens: float, last: float, now: float, rate: float, burst: float,
                    cost: float) -> tuple[float, float]:
    """One bucket's step: ``(tokens left, seconds to wait)``; nothing is taken when it must wait."""
    tokens = min(burst, tokens + max(0.0, now - last) * rate)
    if tokens >= cost:
        return tokens - cost, 0.0
    return tokens, (cost - tokens) / rate


class TokenBuckets:
    """Thread-safe token buckets keyed by any string, in this process; ``take_all`` returns the
    seconds to wait (0: allowed)."""

    def __init__(self, rate: float, burst: float | None = None, clock=time.monotonic):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate * 10)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: float = 1.0) -> float:
        return self.take_all([key], cost)

    def take_all(self, keys: list[str], cost: float = 1.0) -> float:
        """Take ``cost`` from each bucket; the longest wait of them."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                tokens, last = self._buckets.pop(key, (self.burst, now))
                tokens, w = refill_and_take(tokens, last, now, self.rate, self.burst, cost)
                wait = max(wait, w)
                self._buckets[key] = (tokens, now)          # re-inserted: the dict keeps LRU order
                if len(self._buckets) > MAX_BUCKETS:
                    self._buckets.pop(next(iter(self._buckets)))
        return wait


class SharedTokenBuckets:
    """The same buckets in a SQLite file that every server process on this machine opens: one
    short write transaction per request (WAL, no fsync: a lost bucket after a crash is a full one).

    Buckets idle long enough to be full again are deleted every minute or so (the same as
    absent), so the file stays small and keeps no one's traces for long. If the file cannot be
    used (locked past the timeout, disk error) the request is let through and a warning logged:
    a broken limiter must not take the service down.
    """

    #: Delete the buckets that are full again at least this often (seconds).
    PRUNE_EVERY_S = 60.0

    def __init__(self, path: Path | str, rate: float, burst: float | None = None, clock=time.time):
        self.path = Path(path)
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate * 10)
        self._clock = clock           # wall clock: the processes must agree on it
        self._local = threading.local()
        self._pruned_at = 0.0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._con() as con:
            con.execute("CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, "
                        "last REAL NOT NULL) WITHOUT ROWID")

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(self.path, timeout=1.0, isolation_level=None, check_same_thread=False)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=OFF")
            self._local.con = con
        return con

    def take(self, key: str, cost: float = 1.0) -> float:
        return self.take_all([key], cost)

    def take_all(self, keys: list[str], cost: float = 1.0) -> float:
        try:
            return self._take_all(keys, cost)
        except sqlite3.Error as exc:
            log.warning("rate limit niet toegepast (%s: %s)", self.path.name, exc)
            return 0.0

    def _take_all(self, keys: list[str], cost: float) -> float:
        con = self._con()
        wait = 0.0
        con.execute("BEGIN IMMEDIATE")
        try:
            now = self._clock()
            for key in keys:
                row = con.execute("SELECT tokens, last FROM buckets WHERE key = ?", (key,)).fetchone()
                tokens, w = refill_and_take(*(row or (self.burst, now)), now, self.rate, self.burst, cost)
                wait = max(wait, w)
                con.execute("INSERT OR REPLACE INTO buckets (key, tokens, last) VALUES (?, ?, ?)", (key, tokens, now))
            if now - self._pruned_at >= self.PRUNE_EVERY_S:
                con.execute("DELETE FROM buckets WHERE last < ?", (now - self.burst / self.rate,))
                self._pruned_at = now
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return wait


def credential_key(headers: dict[bytes, bytes], cookie_name: str) -> str | None:
    """A short hash of the request's credential (never the credential itself)."""
    auth = headers.get(b"authorization", b"")
    cred = auth[7:].strip() if auth[:7].lower() == b"bearer " else b""
    if not cred:
        for part in headers.get(b"cookie", b"").split(b";"):
            name, _, value = part.strip().partition(b"=")
            if name == cookie_name.encode():
                cred = value
    return hashlib.sha256(cred).hexdigest()[:20] if cred else None


class RateLimiter:
    """The client and account buckets of one app (``shared_file``: shared with the other
    processes that name it; ``salt`` keys the hash of client addresses); ``check`` returns the
    Retry-After seconds or 0."""

    def __init__(self, rate: float, shared_file: Path | str | None = None, salt: str = ""):
        self.buckets = SharedTokenBuckets(shared_file, rate) if shared_file else TokenBuckets(rate)
        self._salt = salt.encode()

    def check(self, client: str, credential: str | None, cost: int) -> int:
        keys = ["c:" + hmac.new(self._salt, client.encode(), hashlib.sha256).hexdigest()[:20]]
        if credential is not None:
            keys.append("a:" + credential)
        wait = self.buckets.take_all(keys, cost)
        return math.ceil(wait) if wait > 0 else 0
