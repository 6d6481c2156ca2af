"""Progressive readiness on the miniature: the lexical stage serves from the store alone, the
background build switches to the full stage in one step, liveness and readiness are separate,
and an interrupted index build resumes without redoing finished parts."""
from __future__ import annotations

import dataclasses
import shutil
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.readiness import STAGE_FULL, STAGE_LEXICAL, Readiness
from api.wiring import Components
from cmatch.pipeline import pending_steps, serving_app
from indexer.label_index import LabelIndex, build_indexes, partial_builds
from indexer.model.adapter import calibration_path
from indexer.taxonomy.store import TaxonomyStore, ensure_store

pytestmark = pytest.mark.slow


@pytest.fixture()
def fresh_settings(mini_settings, tmp_path):
    """The miniature data with an empty var/ (only the store gets built by the tests that need it)."""
    return dataclasses.replace(mini_settings, var_dir=tmp_path / "var", app_db=None, vindex=None)


def test_lexical_stage_serves_from_the_store_alone(fresh_settings) -> None:
    ensure_store(fresh_settings, progress=False)
    lexical = Components(dataclasses.replace(fresh_settings, lexical_only=True))
    readiness = Readiness(STAGE_LEXICAL, steps_left=["occupations", "competences", "adapter"])
    with TestClient(create_app(lexical, warm=False, readiness=readiness)) as c:
        health = c.get("/health").json()
        assert health["stage"] == "lexicaal" and health["status"] == "lexicaal" and health["ready"]
        assert health["build"]["steps_left"] == ["occupations", "competences", "adapter"]
        hits = c.get("/api/v1/occupations/search", params={"q": "verpleegkundige"}).json()["results"]
        assert hits and hits[0]["id"] == "OP-202"
        found = c.post("/api/v1/extract", json={"text": "Ik kan een heftruck besturen en orders verzamelen.",
                                                 "kind": "cv"})
        assert found.status_code == 200, found.text
        assert {"SK-5", "SK-6"} <= {x["competence_id"] for x in found.json()["competences"]}, found.text
        dense = c.get("/api/v1/competences/search", params={"q": "heftruck"})
        assert dense.status_code == 503 and dense.json()["error"]["message"]
    assert not lexical.encoder_handle.loaded and not lexical.indexes_handle.loaded   # no model, no index


def test_live_and_ready_are_separate(mini_services) -> None:
    readiness = Readiness(STAGE_FULL)
    app = create_app(mini_services, warm=False, readiness=readiness)
    with TestClient(app) as c:
        readiness.ready = False          # as while warming up
        assert c.get("/health/live").status_code == 200
        r = c.get("/health/ready")
        assert r.status_code == 503 and r.json()["ready"] is False
        readiness.mark_ready()
        r = c.get("/health/ready")
        assert r.status_code == 200 and r.json()["stage"] == "volledig"


def test_background_build_switches_in_one_step(mini_services) -> None:
    warmed, seen = [], []
    full = Components(mini_services.settings, encoder=mini_services.encoder_handle)

    def build(tell):
        for step in ("occupations", "competences", "adapter"):
            tell(step, 1, 2)
            seen.append(dict(readiness.build_state.as_dict()))

    readiness = Readiness(STAGE_LEXICAL, build=build, make_full=lambda: full,
                          steps_left=["occupations", "competences", "adapter"], warm_fn=warmed.append)
    lexical = Components(dataclasses.replace(mini_services.settings, lexical_only=True))
    app = create_app(lexical, warm=False, readiness=readiness)
    readiness.start(app, background=False)
    assert warmed == [lexical, full]                  # the new stage is warmed before it serves
    assert app.state.components is full and readiness.stage == STAGE_FULL
    assert [s["step"] for s in seen] == ["occupations", "competences", "adapter"]
    assert seen[1]["steps_left"] == ["competences", "adapter"] and seen[1]["percent"] == 50.0
    assert readiness.as_dict()["build"]["running"] is False and readiness.ready


def test_failed_build_keeps_serving_and_says_why(mini_services) -> None:
    def build(_tell):
        raise RuntimeError("schijf vol")

    readiness = Readiness(STAGE_LEXICAL, build=build, make_full=lambda: pytest.fail("no switch"),
                          warm_fn=lambda parts: None)
    lexical = Components(dataclasses.replace(mini_services.settings, lexical_only=True))
    app = create_app(lexical, warm=False, readiness=readiness)
    readiness.start(app, background=False)
    assert app.state.components is lexical and readiness.stage == STAGE_LEXICAL and readiness.ready
    assert "schijf vol" in readiness.as_dict()["build"]["error"]


def test_serve_starts_lexical_and_reaches_full_quality(fresh_settings) -> None:
    """``cmatch serve`` on a var/ without indexes: lexical at once, full after the background build."""
    app = serving_app(fresh_settings)
    readiness = app.state.readiness
    assert readiness.stage == STAGE_LEXICAL
    assert pending_steps(fresh_settings) == ["occupations", "competences", "adapter", "extractiekalibratie"]
    with TestClient(app) as c:
        deadline = time.time() + 600
        while readiness.stage != STAGE_FULL and readiness.build_state.error is None and time.time() < deadline:
            time.sleep(0.5)
        readiness.join(60)
        assert readiness.build_state.error is None and readiness.stage == STAGE_FULL
        health = c.get("/health").json()
        assert health["status"] == "ok" and health["stage"] == "volledig" and health["index_version"]
        assert c.get("/api/v1/competences/search", params={"q": "heftruck"}).status_code == 200
    assert pending_steps(fresh_settings) == []
    assert serving_app(fresh_settings).state.readiness.stage == STAGE_FULL   # a second start: nothing to build
    # the end-to-end extraction calibration is refitted when what it was fitted on changes
    label_calibration = calibration_path(fresh_settings)
    label_calibration.write_text(label_calibration.read_text() + "\n")
    assert pending_steps(fresh_settings) == ["extractiekalibratie"]


class CountingEncoder:
    """Wraps an encoder and counts the labels it is asked to encode."""

    def __init__(self, inner, fail_after: int | None = None):
        self.inner, self.dim, self.name, self.backend = inner, inner.dim, inner.name, "torch"
        self.encoded = 0
        self.fail_after = fail_after

    def encode_passages(self, texts, **kw):
        if self.fail_after is not None and self.encoded >= self.fail_after:
            raise KeyboardInterrupt("simulated kill")
        self.encoded += len(texts)
        return self.inner.encode_passages(texts, **kw)

    def encode_queries(self, texts, **kw):
        return self.inner.encode_queries(texts, **kw)


def test_interrupted_index_build_resumes_where_it_stopped(mini_services, tmp_path, monkeypatch) -> None:
    store = TaxonomyStore(mini_services.settings.store_path)
    monkeypatch.setattr("indexer.label_index.CHECKPOINT_LABELS", 8)   # several checkpoints on the miniature
    n_occ = len({r[2] for r in store.labels("occupations")})
    n_comp = len({r[2] for r in store.labels("competences")})
    first = CountingEncoder(mini_services.encoder, fail_after=n_occ + 16)   # dies two chunks into competences
    with pytest.raises(KeyboardInterrupt):
        build_indexes(store, first, tmp_path, model_id="m-resume", progress=False)
    assert partial_builds(tmp_path) and not (tmp_path / "ACTIVE").exists()
    second = CountingEncoder(mini_services.encoder)
    version, built = build_indexes(store, second, tmp_path, model_id="m-resume", progress=False)
    assert built and second.encoded == n_comp - 16          # occupations and two chunks were not redone
    assert not partial_builds(tmp_path)
    resumed = LabelIndex.load(tmp_path / version, "competences")
    clean = CountingEncoder(mini_services.encoder)
    v2, _ = build_indexes(store, clean, tmp_path / "clean", model_id="m-resume", progress=False)
    reference = LabelIndex.load(tmp_path / "clean" / v2, "competences")
    a = resumed.index.reconstruct_n(0, resumed.index.ntotal)
    b = reference.index.reconstruct_n(0, reference.index.ntotal)
    assert np.allclose(a, b, atol=1e-5)
    shutil.rmtree(tmp_path / "clean")


def test_served_process_freezes_its_warm_heap_before_it_reports_ready() -> None:
    """``freeze=True`` (what ``serving_app`` passes): the warm heap is out of the cyclic collector's
    reach by the time the process says ready; the default (tests, scripts) leaves the collector alone."""
    import gc
    from types import SimpleNamespace

    seen = []
    app = SimpleNamespace(state=SimpleNamespace(components=object()))
    gc.unfreeze()   # an earlier serving_app test in this process may have frozen it
    try:
        Readiness(STAGE_FULL, warm_fn=lambda parts: None).start(app, background=False)
        assert gc.get_freeze_count() == 0
        served = Readiness(STAGE_FULL, warm_fn=lambda parts: seen.append(gc.get_freeze_count()), freeze=True)
        served.start(app, background=False)
        assert seen == [0] and served.ready and gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
