"""Fixtures for the API and browser tests: the miniature taxonomy plus a small synthetic
vacancy/portfolio set (``eval.synthetic``) in a var dir of its own, and a live server.

Import the fixtures into a test module (``from tests.web_fixtures import web_services, live_server``).
Everything is built once per session: copying the miniature store and index (built by
``mini_services`` in ``tests/conftest.py``) takes milliseconds, generating and importing
300 vacancies and 150 portfolios about a second.
"""
from __future__ import annotations

import dataclasses
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
N_VACANCIES = 300
N_PORTFOLIOS = 150
SEED = 7


def _generator_class():
    """The synthetic generator; on a taxonomy as thin as the miniature (no occupation with five
    Dutch-labelled essential competences) it falls back to every occupation with at least one."""
    from eval import synthetic

    class Generator(synthetic.SyntheticGenerator):
        def __init__(self, tax, store, seed: int = 42):
            super().__init__(tax, store, seed)
            if self.occupations:
                return
            for code, entries in sorted(tax.profiles.items()):
                ess = [(e.competence_id, e.weight) for e in entries if e.importance == "essential" and e.competence_id in self.nl]
                opt = [(e.competence_id, e.weight) for e in entries if e.importance != "essential" and e.competence_id in self.nl]
                if ess and code in tax.occupation_labels:
                    self.occupations.append(code)
                    self.ess[code], self.opt[code] = ess, opt
            self.occ_weights = [2.0 if tax.shortage_of(c) else 1.0 for c in self.occupations]

    return synthetic, Generator


#: The web test admin (name, password): the counsellor page needs a login (issue 13).
WEB_ADMIN = ("web-admin", "web-admin-wachtwoord")


def build_web_services(mini_services, target: Path):
    """Components over a copy of the miniature store/index, with synthetic vacancies and portfolios imported."""
    from matcher.ingest import Resolver, import_jsonl
    from api.wiring import Components

    _ = mini_services.indexes  # make sure the miniature is built
    src = mini_services.settings.var_dir
    var = target / "var"
    for sub in ("store", "index"):
        shutil.copytree(src / sub, var / sub, ignore=shutil.ignore_patterns("app.sqlite*"))
    settings = dataclasses.replace(mini_services.settings, var_dir=var)
    svc = Components(settings, encoder=mini_services.encoder_handle)  # share the loaded model
    synthetic, generator = _generator_class()
    original = synthetic.SyntheticGenerator
    synthetic.SyntheticGenerator = generator
    try:
        gen = synthetic.generate(svc.match_taxonomy, svc.store, var / "demo", vacancies=N_VACANCIES,
                                 portfolios=N_PORTFOLIOS, seed=SEED)
    finally:
        synthetic.SyntheticGenerator = original
    resolver = Resolver(svc.match_taxonomy)
    for kind in ("vacancies", "portfolios"):
        report = import_jsonl(gen.files[kind], kind, svc.vacancies, resolver)
        assert report.accepted > 0 and not report.rejected, (kind, report.rejected[:3])
    svc.matcher.ensure_built()
    from indexer.security.passwords import hash_password

    svc.vacancies.add_account(WEB_ADMIN[0], "admin", password_hash=hash_password(WEB_ADMIN[1]))
    return svc


def warm(svc) -> None:
    """Load what the first requests would otherwise load (extraction engine, near table) once."""
    svc.extractor.extract("Ik verzamelde orders en reed met de heftruck.", kind="cv")
    p = next(iter(svc.vacancies.iter_portfolios()))
    svc.matcher.match_vacancies(p, top=1)


@pytest.fixture(scope="session")
def web_services(mini_services, tmp_path_factory):
    return build_web_services(mini_services, tmp_path_factory.mktemp("web"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn in a background thread over the given app."""

    def __init__(self, app, port: int):
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="live-server")

    def start(self, timeout: float = 60.0) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("de testserver startte niet")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(web_services):
    from api.app import create_app

    warm(web_services)
    server = LiveServer(create_app(web_services), free_port()).start()
    yield server
    server.stop()
