"""Rate limits per client and per account: in-process token buckets (issue 13).

Every request takes tokens from two buckets: one per client address and, when it carries a
credential (bearer token or session cookie), one per credential (so one account cannot spread
its load over many addresses, nor one address over many accounts unnoticed). Each bucket
refills at ``rate`` tokens per second up to ``burst`` (10 s worth); expensive routes (matching,
extraction, imports, drafting) cost :data:`EXPENSIVE_COST` tokens. An empty bucket answers 429
in the one error shape with ``Retry-After``.

The buckets live in the process: with ``cmatch serve --workers N`` each worker counts on its
own (the effective limit is up to N times higher); a shared limit needs a proxy in front.
"""
from __future__ import annotations

import hashlib
import math
import threading
import time

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


class TokenBuckets:
    """Thread-safe token buckets keyed by any string; ``take`` returns the seconds to wait (0: allowed)."""

    def __init__(self, rate: float, burst: float | None = None, clock=time.monotonic):
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate * 10)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: float = 1.0) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= cost:
                tokens -= cost
            else:
                wait = (cost - tokens) / self.rate
            self._buckets[key] = (tokens, now)          # re-inserted: the dict keeps LRU order
            if len(self._buckets) > MAX_BUCKETS:
                self._buckets.pop(next(iter(self._buckets)))
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
    """The two bucket sets of one app; ``check`` returns the Retry-After seconds or 0."""

    def __init__(self, rate: float):
        self.clients = TokenBuckets(rate)
        self.accounts = TokenBuckets(rate)

    def check(self, client: str, credential: str | None, cost: int) -> int:
        wait = self.clients.take("c:" + client, cost)
        if credential is not None:
            wait = max(wait, self.accounts.take("a:" + credential, cost))
        return math.ceil(wait) if wait > 0 else 0
