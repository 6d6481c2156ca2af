"""Bounded loopback load test of the HTTP service (``cmatch bench load``, issue 13).

Starts ``cmatch serve``'s worker app as a separate uvicorn process on ``127.0.0.1`` (a free
port) over a **throw-away application store** (synthetic vacancies and portfolios in a temp
dir; the taxonomy store, model and label indexes of ``settings`` are used read-only; rate
limits off, dev mode), waits until ``/health/ready``, then runs fixed-length phases:
``POST /api/v1/match/vacancies`` with an inline portfolio from 1, 4 and 16 concurrent clients
(keep-alive connections), and the same again while one employer ``PUT``s a vacancy every second.
Reports req/s, p50/p95/max latency and errors per phase. Total load time is at most
``phase_s * 6`` (default 6 x 8 s = 48 s; capped at 60 s); start-up and warm-up come on top.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from indexer.security.passwords import new_token
from indexer.settings import Settings, child_env
from indexer.storage.factory import open_repository
from indexer.taxonomy.store import TaxonomyStore
from matcher.ingest import Resolver, portfolio_from_input, vacancy_from_input
from matcher.matching.near import MatchTaxonomy

MAX_LOAD_S = 60.0
#: ``cmatch serve``'s app factory and HTTP protocol (api.server_protocol.HTTP_PROTOCOL), by name:
#: the server runs in its own process, and eval does not import the api layer.
WORKER_APP = "cmatch.commands.serve:_worker_app"
HTTP_PROTOCOL = "api.server_protocol:NoDelayHTTPProtocol"
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class _Connection(http.client.HTTPConnection):
    """A keep-alive client connection with ``TCP_NODELAY``, as browsers and httpx use:
    ``http.client`` sends the headers and the body in two writes, and without it Nagle's
    algorithm holds the body until the server's delayed ACK (~40 ms on Linux), a stall in
    every measured request that the service does not cause."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _percentile(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def _seed_store(settings: Settings, app_db: Path, n_vacancies: int, n_portfolios: int,
                seed: int) -> tuple[str, list[dict], list[dict]]:
    """Synthetic records into a fresh store; returns an employer token, portfolio bodies to query
    with and vacancy bodies to write."""
    from dataclasses import replace

    from eval.synthetic import SyntheticGenerator

    tax = MatchTaxonomy.from_store(TaxonomyStore(settings.store_path), settings.data_dir)
    gen = SyntheticGenerator(tax, TaxonomyStore(settings.store_path), seed)
    res = Resolver(tax)
    raw_v = [gen.vacancy(i) for i in range(1, n_vacancies + 1)]
    vacs = [v for v, _ in (vacancy_from_input(d, res) for d in raw_v) if v]
    raw_p = [gen.portfolio(i) for i in range(1, n_portfolios + 1)]
    ports = [p for p, _ in (portfolio_from_input(d, res, None) for d in raw_p) if p]
    repo = open_repository(replace(settings, store_backend="sqlite", app_db=app_db))
    repo.upsert_vacancies(vacs)
    repo.upsert_portfolios(ports)
    repo.add_account("bench-employer", "employer", organisation="Bench")
    token = new_token()
    repo.add_token("bench-employer", token)
    repo.close()
    queries = [{"portfolio": {k: d[k] for k in ("competences", "location", "preferred_occupations") if k in d},
                "top": 10} for d in raw_p[:50]]
    writes = [{k: v for k, v in d.items() if k != "id"} for d in raw_v[:20]]
    return token, queries, writes


class _Server:
    def __init__(self, settings: Settings, tmp: Path, app_db: Path, workers: int = 1):
        self.port = _free_port()
        self.workers = workers
        env = child_env({"CMATCH_VAR": str(settings.var_dir), "CMATCH_DATA": str(settings.data_dir),
                         "CMATCH_MODEL": str(settings.model), "CMATCH_STORE": "sqlite", "CMATCH_APP_DB": str(app_db),
                         "CMATCH_VINDEX": str(tmp / "vindex"), "CMATCH_DEV": "1", "CMATCH_RATE_LIMIT": "0"})
        self.log = open(tmp / "server.log", "wb")
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", WORKER_APP, "--factory",
                                      "--host", HOST, "--port", str(self.port), "--log-level", "warning",
                                      "--no-access-log", "--workers", str(workers), "--http", HTTP_PROTOCOL],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float) -> float:
        """Until ``/health/ready`` answers 200 on 4 x workers new connections in a row (each
        process answers for itself; which one accepts a connection is up to the kernel)."""
        t0 = time.perf_counter()
        in_a_row = 0
        while time.perf_counter() - t0 < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server stopte (code {self.proc.returncode}); zie {self.log.name}")
            try:
                con = http.client.HTTPConnection(HOST, self.port, timeout=2)
                con.request("GET", "/health/ready")
                ok = con.getresponse().status == 200
                con.close()
            except OSError:
                ok = False
            in_a_row = in_a_row + 1 if ok else 0
            if in_a_row >= 4 * self.workers:
                return time.perf_counter() - t0
            time.sleep(0.05 if ok else 0.5)
        raise TimeoutError(f"server niet klaar na {timeout_s:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _call(con: http.client.HTTPConnection, method: str, path: str, body: dict, headers: dict,
          sample: dict | None = None) -> int:
    con.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
    resp = con.getresponse()
    data = resp.read()
    if sample is not None and resp.status >= 400 and "body" not in sample:
        sample["body"] = data[:300].decode("utf-8", "replace")
    return resp.status


def _phase(port: int, clients: int, seconds: float, queries: list[dict], write_token: str | None, seed: int,
           write_bodies: list[dict] = ()) -> dict:
    stop_at = time.perf_counter() + seconds
    lat: list[float] = []
    errors: dict[str, int] = {}
    writes: list[float] = []
    sample: dict = {}
    lock = threading.Lock()

    def client(i: int) -> None:
        rng = random.Random(seed * 100 + i)
        con = _Connection(HOST, port, timeout=30)
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                status = _call(con, "POST", "/api/v1/match/vacancies", rng.choice(queries), {}, sample)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                con.close()
                con = _Connection(HOST, port, timeout=30)
            dt = time.perf_counter() - t0
            with lock:
                if status == 200:
                    lat.append(dt)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
        con.close()

    def writer() -> None:
        con = _Connection(HOST, port, timeout=30)
        n = 0
        while time.perf_counter() < stop_at:
            n += 1
            vid = f"BENCH-W-{n % 20}"
            body = {**write_bodies[n % len(write_bodies)], "id": vid, "title": f"Bench-vacature {n}"}
            t0 = time.perf_counter()
            try:
                status = _call(con, "PUT", f"/api/v1/vacancies/{vid}", body,
                               {"Authorization": f"Bearer {write_token}"}, sample)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            with lock:
                writes.append(time.perf_counter() - t0)
                if status != 200:
                    errors[f"write:{status}"] = errors.get(f"write:{status}", 0) + 1
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - t0)))
        con.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    if write_token:
        threads.append(threading.Thread(target=writer, daemon=True))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    wall = time.perf_counter() - t0
    ms = lambda x: None if x is None else round(x * 1000, 1)  # noqa: E731
    return {"clients": clients, "writes_per_s": 1 if write_token else 0, "seconds": round(wall, 2),
            "requests": len(lat), "req_per_s": round(len(lat) / wall, 1), "p50_ms": ms(_percentile(lat, 0.5)),
            "p95_ms": ms(_percentile(lat, 0.95)), "max_ms": ms(max(lat) if lat else None),
            "errors": sum(errors.values()), "error_kinds": errors, "error_sample": sample.get("body"), "writes": len(writes),
            "write_p50_ms": ms(_percentile(writes, 0.5)), "write_max_ms": ms(max(writes) if writes else None)}


def bench_load(settings: Settings, *, phase_s: float = 8.0, concurrency: tuple[int, ...] = (1, 4, 16),
               vacancies: int = 2000, portfolios: int = 200, seed: int = 7, ready_timeout_s: float = 300.0,
               workers: int = 1) -> dict:
    """Run the phases (see the module docstring) against ``workers`` server processes (``cmatch
    serve --workers``); the load itself never exceeds :data:`MAX_LOAD_S`."""
    phases = [(c, False) for c in concurrency] + [(c, True) for c in concurrency]
    phase_s = min(phase_s, MAX_LOAD_S / len(phases))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cmatch-load-") as tmpdir:
        tmp = Path(tmpdir)
        app_db = tmp / "app.sqlite"
        t0 = time.perf_counter()
        token, queries, write_bodies = _seed_store(settings, app_db, vacancies, portfolios, seed)
        seed_s = time.perf_counter() - t0
        server = _Server(settings, tmp, app_db, workers)
        try:
            ready_s = server.wait_ready(ready_timeout_s)
            _phase(server.port, 2 * workers, 2.0, queries, None, seed)  # warm every process, not reported
            runs = [_phase(server.port, c, phase_s, queries, token if w else None, seed, write_bodies)
                    for c, w in phases]
        finally:
            server.stop()
    return {"host": HOST, "workers": workers, "vacancies": vacancies, "portfolios": portfolios, "phase_s": phase_s,
            "seed_s": round(seed_s, 1), "ready_s": round(ready_s, 1), "cores": os.cpu_count(),
            "load_1min_before": round(load_before, 2), "load_1min_after": round(os.getloadavg()[0], 2),
            "endpoint": "POST /api/v1/match/vacancies (inline portfolio, top 10)",
            "write": "PUT /api/v1/vacancies/{id} (employer token), 1 per second", "runs": runs}
