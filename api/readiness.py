"""Which stage the service serves, whether it is warm, and the background build that moves it on.

Stages, in order:

* ``lexicaal`` — only the taxonomy store exists: occupation search and competence extraction
  work lexically (character n-grams, exact labels), dense search answers 503;
* ``volledig`` — the configured (fine-tuned) model, its label indexes, the query adapter and
  the calibration: full quality.

``cmatch serve`` starts on the best stage that is on disk and, when something is missing,
builds the rest in a background thread (:func:`cmatch.pipeline.build_all`, which resumes an
interrupted build). When the build is done, a new set of components is loaded and warmed
*beside* the serving one and then put in place with one assignment (``app.state.components``),
so a request sees either the old stage or the new one, never a half-loaded mix.

Liveness (the process answers) and readiness (the serving components are loaded and warm, so
the first request costs what the hundredth does) are separate: ``/health/live`` and
``/health/ready``.
"""
from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

STAGE_LEXICAL = "lexicaal"
STAGE_FULL = "volledig"
#: What each stage offers, for /health and the banner.
STAGE_TEXT = {
    STAGE_LEXICAL: "Basisversie: zoeken en extractie op woorden; het taalmodel wordt nog gebouwd.",
    STAGE_FULL: "Volledige versie: fijnafgestemd taalmodel, dense indexen en adapter.",
}
#: Build steps as the banner names them (keys: :data:`cmatch.pipeline.STEPS`).
STEP_TEXT = {"basismodel": "basismodel omzetten", "opslag": "taxonomie-opslag", "fijnafstemmen": "model fijnafstemmen",
             "occupations": "index beroepen", "competences": "index competenties",
             "competences-hnsw": "zoekgraaf competenties", "adapter": "adapter en kalibratie",
             "extractiekalibratie": "betrouwbaarheid van de extractie (gold-set)"}

#: ``build(on_progress)`` runs the missing steps; ``on_progress(step, done, total)``.
Build = Callable[[Callable[[str, int, int], None]], object]


@dataclass
class BuildState:
    """The background build as /health reports it."""

    running: bool = False
    step: str | None = None
    done: int = 0
    total: int = 0
    steps_left: list[str] = field(default_factory=list)
    started_at: float | None = None
    finished_at: float | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        pct = round(100.0 * self.done / self.total, 1) if self.total else None
        elapsed = None
        if self.started_at is not None:
            elapsed = round((self.finished_at or time.time()) - self.started_at, 1)
        return {"running": self.running, "step": self.step, "step_text": STEP_TEXT.get(self.step or "", self.step),
                "done": self.done, "total": self.total, "percent": pct, "steps_left": list(self.steps_left),
                "elapsed_s": elapsed, "error": self.error}


def warm(parts) -> None:
    """Load everything a request of ``parts``' stage touches: store, model, label indexes,
    occupation normaliser, extraction engine and the match engine. Parts that are not there
    (no index in the lexical stage) are skipped, with a log line."""
    steps: list[tuple[str, Callable[[], object]]] = [("opslag", lambda: parts.store.counts())]
    if not parts.settings.lexical_only:
        steps += [("model", lambda: parts.encoder.encode_queries(["opwarmen"])), ("indexen", lambda: parts.indexes),
                  ("zoeken", lambda: parts.search)]
    steps += [("normaliseren", lambda: parts.normaliser.warm()),
              ("extractie", lambda: parts.extractor.extract("Ik verzamel orders met een heftruck.", kind="cv")),
              ("matchindex", lambda: parts.matcher.ensure_built())]
    for name, step in steps:
        t0 = time.perf_counter()
        try:
            step()
        except Exception as exc:  # a missing part only makes its first request fail, in the one error shape
            log.warning("opwarmen van %s mislukt: %s", name, exc)
        else:
            log.info("opgewarmd: %s (%.1f s)", name, time.perf_counter() - t0)


def freeze_heap() -> int:
    """Move every object alive now out of the cyclic garbage collector's reach and return how
    many are frozen. A warm service holds ~1.3M long-lived objects (taxonomy, label tables,
    extraction phrase table, match engine); every full collection walked all of them, 0.54 s on
    2 cores with the GIL held, a stall for each request in flight (the p95 tail at 16 clients).
    Frozen objects are still freed by reference counting; only *cyclic* garbage among them is
    never collected, which is why this runs once per loaded stage, not per request."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


class Readiness:
    """The serving stage and its warm state, plus the optional background build.

    ``make_full()`` returns the full-stage components (called after the build); ``build`` and
    ``steps_left`` come from the build pipeline (the API does not import it: it sits above).
    ``freeze`` (the served process, not tests): :func:`freeze_heap` after each stage is warm.
    """

    def __init__(self, stage: str, *, build: Build | None = None, make_full: Callable[[], object] | None = None,
                 steps_left: list[str] | None = None, warm_fn: Callable[[object], None] = warm,
                 freeze: bool = False):
        self.stage = stage
        self.ready = False
        self.ready_at: float | None = None
        self.started_at = time.time()
        self.build_state = BuildState(steps_left=list(steps_left or []))
        self._build = build
        self._make_full = make_full
        self._warm = warm_fn
        self._thread: threading.Thread | None = None
        self._freeze = freeze

    # ------------------------------------------------------------------ lifecycle
    def start(self, app, *, background: bool = True) -> None:
        """Warm the serving components, then run the build (if any) and switch; in a thread
        unless ``background=False`` (tests, scripts)."""
        if background:
            self._thread = threading.Thread(target=self._run, args=(app,), daemon=True, name="gereedheid")
            self._thread.start()
        else:
            self._run(app)

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def mark_ready(self) -> None:
        self.ready = True
        self.ready_at = time.time()
        log.warning("klaar: fase %s na %.1f s", self.stage, self.ready_at - self.started_at)

    def _settle(self) -> None:
        if self._freeze:
            t0 = time.perf_counter()
            n = freeze_heap()
            log.info("heap bevroren: %d objecten (%.2f s)", n, time.perf_counter() - t0)

    def _run(self, app) -> None:
        self._warm(app.state.components)
        self._settle()
        self.mark_ready()
        if self._build is None:
            return
        st = self.build_state
        st.running, st.started_at = True, time.time()
        try:
            self._build(self._progress)
            full = self._make_full() if self._make_full else None
            if full is not None:
                self._warm(full)
                app.state.components = full   # the atomic switch: one reference assignment
                self.stage = STAGE_FULL
                log.warning("overgeschakeld naar fase %s", STAGE_FULL)
                self._settle()
        except Exception as exc:  # keep serving the current stage; /health says why the build stopped
            log.exception("achtergrondbouw mislukt")
            st.error = f"{type(exc).__name__}: {exc}"
        finally:
            st.running, st.finished_at = False, time.time()
            if st.error is None:
                st.steps_left = []

    def _progress(self, step: str, done: int, total: int) -> None:
        st = self.build_state
        if step != st.step and step in st.steps_left:
            st.steps_left = st.steps_left[st.steps_left.index(step):]
        st.step, st.done, st.total = step, done, total

    # ------------------------------------------------------------------ reporting
    def as_dict(self) -> dict:
        return {"stage": self.stage, "stage_text": STAGE_TEXT.get(self.stage, self.stage), "ready": self.ready,
                "uptime_s": round(time.time() - self.started_at, 1),
                "ready_after_s": round(self.ready_at - self.started_at, 1) if self.ready_at else None,
                "build": self.build_state.as_dict()}
