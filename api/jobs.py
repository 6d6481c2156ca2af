"""Background jobs for work too large for one request (issue 13e): big imports and CV
extraction of many records. ``POST …/import`` answers ``202`` with a job id when the batch is
large; ``GET /api/v1/jobs/{id}`` gives its status and, when done, the import report.

Jobs run one at a time on a single worker thread (a flood of imports queues instead of taking
every core), with the submitter as the audit actor. The registry is in-process and keeps the
last :data:`MAX_JOBS` jobs: with ``cmatch serve --workers N`` ask the same process (or run
big imports with ``cmatch vacancies import``).
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable

from fastapi import APIRouter, Depends, Path

from api.auth import Principal, current_user
from api.errors import ApiError
from api.routes_common import components
from api.wiring import Components
from indexer.storage.actor import acting_as

log = logging.getLogger(__name__)

#: A batch with more records than this, or more CV texts than :data:`SYNC_MAX_CV_TEXTS`, runs as a job.
SYNC_MAX_RECORDS = 200
SYNC_MAX_CV_TEXTS = 3
MAX_JOBS = 1000

router = APIRouter(tags=["vacatures en portfolio's"])   # mounted under /api/v1 by routes_records


class JobRegistry:
    def __init__(self):
        self._jobs: OrderedDict[str, dict] = OrderedDict()
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cmatch-job")

    def submit(self, kind: str, owner: str, work: Callable[[], dict]) -> dict:
        job_id = "J-" + secrets.token_hex(8)
        job = {"id": job_id, "kind": kind, "status": "queued", "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "finished_at": None, "result": None, "error": None}
        with self._lock:
            self._jobs[job_id] = job
            self._owners[job_id] = owner
            while len(self._jobs) > MAX_JOBS:
                old, _ = self._jobs.popitem(last=False)
                self._owners.pop(old, None)

        def run() -> None:
            job["status"] = "running"
            try:
                with acting_as(owner):
                    job["result"] = work()
                job["status"] = "done"
            except Exception as exc:  # noqa: BLE001 — reported in the job, never lost
                log.exception("achtergrondjob %s mislukt", job_id)
                job["status"], job["error"] = "failed", f"De job is mislukt ({type(exc).__name__})."
            job["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

        self._pool.submit(run)
        return dict(job)

    def get(self, job_id: str, user: Principal) -> dict | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or not (user.is_admin or self._owners.get(job_id) == user.name):
                return None
            return dict(job)


def is_large(kind: str, records: list) -> bool:
    if len(records) > SYNC_MAX_RECORDS:
        return True
    return kind == "portfolios" and sum(1 for r in records if isinstance(r, dict) and r.get("cv_text")) > SYNC_MAX_CV_TEXTS


def registry(svc: Components) -> JobRegistry:
    reg = svc.__dict__.get("_jobs")
    if reg is None:
        reg = svc.__dict__.setdefault("_jobs", JobRegistry())
    return reg


@router.get("/jobs/{job_id}")
def get_job(job_id: str = Path(..., pattern=r"^J-[0-9a-f]{16}$"), svc: Components = Depends(components),
            user: Principal = Depends(current_user)) -> dict:
    """De status van een achtergrondjob (queued, running, done, failed) en, klaar, het resultaat. Enkel wie ze startte, of admin."""
    job = registry(svc).get(job_id, user)
    if job is None:
        raise ApiError(404, f"Job '{job_id}' niet gevonden.")
    return job
