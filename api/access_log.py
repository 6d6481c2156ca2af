"""The access log without personal data: query strings are dropped except on a short list of
public, non-personal routes (taxonomy search, the vacancy list), so a name or e-mail address
typed into a search box never lands in a log file.

``LOG_CONFIG`` is uvicorn's default logging configuration with :class:`DropQueryStrings` on the
access logger; ``cmatch serve`` passes it to ``uvicorn.run``.
"""
from __future__ import annotations

import copy
import logging

from uvicorn.config import LOGGING_CONFIG

#: Paths whose query strings are never personal (exact path or prefix + "/").
PUBLIC_QUERY_PATHS: tuple[str, ...] = ("/api/v1/occupations/search", "/api/v1/competences/search", "/api/v1/vacancies",
                                       "/static")


def loggable_path(full_path: str) -> str:
    """``full_path`` as it may be logged: without its query string unless the route is public."""
    path, sep, _query = full_path.partition("?")
    if not sep:
        return full_path
    if any(path == p or path.startswith(p + "/") for p in PUBLIC_QUERY_PATHS) and "/import" not in path:
        return full_path
    return path + "?…"


class DropQueryStrings(logging.Filter):
    """Rewrites uvicorn's access record (``client, method, path, version, status``) in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], loggable_path(args[2]), *args[3:])
        return True


LOG_CONFIG: dict = copy.deepcopy(LOGGING_CONFIG)
LOG_CONFIG.setdefault("filters", {})["drop_query"] = {"()": "api.access_log.DropQueryStrings"}
LOG_CONFIG["handlers"]["access"]["filters"] = ["drop_query"]
