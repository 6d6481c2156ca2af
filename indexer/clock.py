"""The one timestamp format of stores, manifests and job documents: ISO 8601 in UTC, to the second."""
from __future__ import annotations

import time


def utc_stamp(at: float | None = None) -> str:
    """``2026-12-02T18:00:00Z`` for ``at`` (seconds since the epoch; now when ``None``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
