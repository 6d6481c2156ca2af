"""API robustness check: a bounded schemathesis run over the OpenAPI spec that must find no 500s.

For every operation of ``/openapi.json``, schemathesis generates requests from the schema —
valid ones (*positive*) and invalid ones (*negative*: wrong types, missing fields, out-of-range
values) — up to ``max_examples`` of each, and every response is checked:

* no status 5xx (a crash, or an unexpected error turned into the generic 500);
* every error response has the one error shape ``{"error": {"code", "message", "details"}}``.

Runs in-process against the ASGI app (``run_check(app)``, used by ``tests/test_api_check.py``)
or against a running server (``cmatch check api --url http://127.0.0.1:8000``). Bounded by
``max_examples`` per operation and mode and by ``time_limit`` seconds overall.
"""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

#: Operations that change the stores: they are exercised too, but never on the real var dir
#: unless asked (``include_writes``), so a check against a live server does not delete data.
WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
READ_ONLY_POSTS = {"/api/v1/extract", "/api/v1/occupations/normalise", "/api/v1/match/vacancies",
                   "/api/v1/match/candidates", "/api/v1/orientation", "/api/v1/drafting/check", "/api/v1/drafting/draft"}


@dataclass
class Failure:
    operation: str
    status: int | None
    problem: str
    request: dict[str, Any]
    body: str = ""


@dataclass
class CheckReport:
    operations: int = 0
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def server_errors(self) -> list[Failure]:
        return [f for f in self.failures if f.status is None or f.status >= 500]

    def summary(self) -> str:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_status.items()))
        return (f"{self.operations} operaties, {self.requests} aanvragen in {self.seconds:.1f}s ({statuses}); "
                f"{len(self.server_errors)} serverfouten, {len(self.failures) - len(self.server_errors)} andere problemen"
                + ("; tijdslimiet bereikt" if self.timed_out else ""))


def _is_error_shape(data: Any) -> bool:
    err = data.get("error") if isinstance(data, dict) else None
    return isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str) \
        and isinstance(err.get("details"), list)


def _request_of(case) -> dict[str, Any]:
    body = getattr(case, "body", None)
    text = repr(body)
    return {"method": case.method, "path": case.formatted_path if hasattr(case, "formatted_path") else case.path,
            "path_parameters": case.path_parameters, "query": case.query,
            "body": text if len(text) < 2000 else text[:2000] + "…"}


def run_check(app=None, *, url: str | None = None, max_examples: int = 8, time_limit: float = 180.0,
              include_writes: bool = True, seed: int = 1, modes: tuple[str, ...] = ("positive", "negative")) -> CheckReport:
    """Fuzz every operation; see the module docstring. Give ``app`` (in-process) or ``url`` (live)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings
    from schemathesis import GenerationMode

    if (app is None) == (url is None):
        raise ValueError("geef ofwel app ofwel url")
    schema = (schemathesis.openapi.from_asgi("/openapi.json", app) if app is not None
              else schemathesis.openapi.from_url(url.rstrip("/") + "/openapi.json"))
    report = CheckReport()
    t0 = time.perf_counter()
    gen_modes = [GenerationMode.POSITIVE if m == "positive" else GenerationMode.NEGATIVE for m in modes]
    for result in schema.get_all_operations():
        try:
            op = result.ok()
        except Exception as exc:  # an operation schemathesis cannot read is itself a finding
            report.failures.append(Failure("?", None, f"operatie onleesbaar: {exc}", {}))
            continue
        label = f"{op.method.upper()} {op.path}"
        if not include_writes and op.method.upper() in WRITE_METHODS and op.path not in READ_ONLY_POSTS:
            report.skipped.append(label)
            continue
        report.operations += 1
        for mode in gen_modes:
            if time.perf_counter() - t0 > time_limit:
                report.timed_out = True
                break
            try:
                strategy = op.as_strategy(generation_mode=mode)
            except Exception as exc:
                report.skipped.append(f"{label} ({mode.value}: {exc})")
                continue

            @hseed(seed)
            @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
                      print_blob=False)
            @given(case=strategy)
            def fuzz(case):
                _label = f"{case.method.upper()} {case.path}"
                report.requests += 1
                try:
                    response = case.call(base_url=url, timeout=60) if url else case.call(timeout=60)
                except Exception:
                    report.failures.append(Failure(_label, None, "uitzondering: " + traceback.format_exc(limit=6),
                                                   _request_of(case)))
                    return
                status = response.status_code
                report.by_status[status] = report.by_status.get(status, 0) + 1
                if status >= 500:
                    report.failures.append(Failure(_label, status, "serverfout", _request_of(case), response.text[:500]))
                elif status >= 400:
                    try:
                        data = response.json()
                    except Exception:
                        data = None
                    if not _is_error_shape(data):
                        report.failures.append(Failure(_label, status, "foutantwoord niet in de vaste vorm",
                                                       _request_of(case), response.text[:300]))

            try:
                fuzz()
            except Exception as exc:  # hypothesis could not generate (unsatisfiable schema): note and go on
                report.skipped.append(f"{label} ({mode.value}: {type(exc).__name__}: {str(exc)[:200]})")
    report.seconds = round(time.perf_counter() - t0, 2)
    return report
