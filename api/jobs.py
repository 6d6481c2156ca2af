"""Background jobs for work too large for one request (issue 13e): big imports and CV
extraction of many records. ``POST …/import`` answers ``202`` with a job id when the batch is
large; ``GET /api/v1/jobs/{id}`` gives its status and, when done, the import report.

Jobs run one at a time on a single worker thread of the process that accepted them (a flood of
imports queues instead of taking every core), with the submitter as the audit actor. Their
status documents live in the application store (the last :data:`MAX_JOBS`), so with
``cmatch serve --workers N`` any process answers the status endpoint; erasing a person erases
their jobs. A queued or running job whose process (on this host) has stopped reads as failed.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable

from fastapi import APIRouter, Depends, Path

from api.auth import Principal, current_user
from api.errors import ApiError
from api.routes_common import components
from api.wiring import Components
from indexer.clock import utc_stamp
from indexer.storage.actor import acting_as

log = logging.getLogger(__name__)

#: A batch with more records than this, or more CV texts than :data:`SYNC_MAX_CV_TEXTS`, runs as a job.
SYNC_MAX_RECORDS = 200
SYNC_MAX_CV_TEXTS = 3
MAX_JOBS = 1000

router = APIRouter(tags=["vacatures en portfolio's"])   # mounted under /api/v1 by routes_records


class JobRegistry:
    """Runs jobs on one worker thread of this process; their status lives in the application store."""

    def __init__(self, repo):
        self.repo = repo
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cmatch-job")

    def submit(self, kind: str, owner: str, work: Callable[[], dict]) -> dict:
        job_id = "J-" + secrets.token_hex(8)
        job = {"id": job_id, "kind": kind, "status": "queued", "submitted_at": utc_stamp(),
               "finished_at": None, "result": None, "error": None, "worker": _this_worker()}
        self.repo.save_job(job_id, owner, job, keep=MAX_JOBS)

        def run() -> None:
            self.repo.save_job(job_id, owner, {**job, "status": "running"}, keep=MAX_JOBS)
            try:
                with acting_as(owner):
                    done = {"status": "done", "result": work()}
            except Exception as exc:  # noqa: BLE001 — reported in the job, never lost
                log.exception("achtergrondjob %s mislukt", job_id)
                done = {"status": "failed", "error": f"De job is mislukt ({type(exc).__name__})."}
            self.repo.save_job(job_id, owner, {**job, **done, "finished_at": utc_stamp()}, keep=MAX_JOBS)

        self._pool.submit(run)
        return _public(job)

    def get(self, job_id: str, user: Principal) -> dict | None:
        found = self.repo.get_job(job_id)
        if found is None or not (user.is_admin or found[0] == user.name):
            return None
        job = found[1]
        if job["status"] in ("queued", "running") and _worker_gone(job.get("worker", "")):
            job = {**job, "status": "failed", "error": "Het serverproces dat de job uitvoerde is gestopt; "
                                                     "start de import opnieuw (wat al bewaard is, blijft)."}
        return _public(job)


def _public(job: dict) -> dict:
    """The status document as the API shows it (without the server process that ran it)."""
    return {k: v for k, v in job.items() if k != "worker"}


def _this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _worker_gone(worker: str) -> bool:
    """Whether the process named ``host:pid`` is known to have stopped (only this host can tell)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:   # alive, another user's
        pass
    return False


def is_large(kind: str, records: list) -> bool:
    if len(records) > SYNC_MAX_RECORDS:
        return True
    return kind == "portfolios" and sum(1 for r in records if isinstance(r, dict) and r.get("cv_text")) > SYNC_MAX_CV_TEXTS


def registry(svc: Components) -> JobRegistry:
    reg = svc.__dict__.get("_jobs")
    if reg is None:
        reg = svc.__dict__.setdefault("_jobs", JobRegistry(svc.vacancies))
    return reg


@router.get("/jobs/{job_id}")
def get_job(job_id: str = Path(..., pattern=r"^J-[0-9a-f]{16}$"), svc: Components = Depends(components),
            user: Principal = Depends(current_user)) -> dict:
    """De status van een achtergrondjob (queued, running, done, failed) en, klaar, het resultaat. Enkel wie ze startte, of admin."""
    job = registry(svc).get(job_id, user)
    if job is None:
        raise ApiError(404, f"Job '{job_id}' niet gevonden.")
    return job
