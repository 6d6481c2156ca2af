"""Large imports run as background jobs with a status endpoint (issue 13e)."""
from __future__ import annotations

import dataclasses
import os
import time

from fastapi.testclient import TestClient

from api.app import create_app
from api.jobs import SYNC_MAX_RECORDS
from api.wiring import Components
from tests.auth_helpers import account_headers


def test_large_import_is_a_job_small_one_is_not(mini_services, tmp_path) -> None:
    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex")
    svc = Components(s, encoder=mini_services.encoder_handle)
    admin = account_headers(svc, "job-admin", "admin")
    employer = account_headers(svc, "job-em", "employer", "Org J")
    other = account_headers(svc, "job-other", "employer", "Org K")
    rec = lambda i: {"id": f"VJ-{i}", "title": "Lasser (m/v/x)", "competences": [{"id": "SK-5"}]}  # noqa: E731
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as client:
        small = client.post("/api/v1/vacancies/import", json={"records": [rec(0), {"id": "bad/id"}]}, headers=employer)
        assert small.status_code == 200 and small.json()["accepted"] == 1
        big = client.post("/api/v1/vacancies/import", json={"records": [rec(i) for i in range(SYNC_MAX_RECORDS + 5)]
                                                            + [{"id": "bad/id"}]}, headers=employer)
        assert big.status_code == 202, big.text[:300]
        url = big.json()["status_url"]
        assert big.headers["location"] == url and url.startswith("/api/v1/jobs/J-")
        assert client.get(url, headers=other).status_code == 404        # someone else's job is not revealed
        assert client.get(url).status_code == 401
        for _ in range(300):
            job = client.get(url, headers=employer).json()
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "done", job
        assert job["result"]["accepted"] == SYNC_MAX_RECORDS + 5 and len(job["result"]["rejected"]) == 1
        assert svc.vacancies.owner_of("vacancy", "VJ-3") == "org:Org J"
        assert any(e["actor"] == "job-em" for e in svc.vacancies.audit_log("vacancy", "VJ-3", limit=5))
        assert client.get(url, headers=admin).status_code == 200
        assert client.get("/api/v1/jobs/J-0000000000000000", headers=admin).status_code == 404
    other_process = Components(s, encoder=mini_services.encoder_handle)   # `serve --workers 2`: the other one
    with TestClient(create_app(other_process, warm=False), raise_server_exceptions=False) as client2:
        assert client2.get(url, headers=employer).json() == job
        assert client2.get(url, headers=other).status_code == 404
    other_process.vacancies.close()
    svc.vacancies.close()


def test_a_job_whose_server_process_stopped_reads_as_failed(mini_services, tmp_path) -> None:
    import socket
    import subprocess
    import sys

    s = dataclasses.replace(mini_services.settings, app_db=tmp_path / "app.sqlite", vindex=tmp_path / "vindex")
    svc = Components(s, encoder=mini_services.encoder_handle)
    employer = account_headers(svc, "job-em", "employer", "Org J")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    base = {"kind": "import:vacancies", "submitted_at": "2026-12-02T10:00:00Z", "finished_at": None,
            "result": None, "error": None}
    svc.vacancies.save_job("J-00000000000000aa", "job-em", {**base, "id": "J-00000000000000aa", "status": "running",
                                                            "worker": f"{socket.gethostname()}:{dead_pid}"})
    svc.vacancies.save_job("J-00000000000000bb", "job-em", {**base, "id": "J-00000000000000bb", "status": "running",
                                                            "worker": f"{socket.gethostname()}:{os.getpid()}"})
    with TestClient(create_app(svc, warm=False), raise_server_exceptions=False) as client:
        stopped = client.get("/api/v1/jobs/J-00000000000000aa", headers=employer).json()
        assert stopped["status"] == "failed" and "gestopt" in stopped["error"] and "worker" not in stopped
        assert client.get("/api/v1/jobs/J-00000000000000bb", headers=employer).json()["status"] == "running"
    svc.vacancies.close()
