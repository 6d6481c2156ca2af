"""The build pipeline: base model -> taxonomy store -> fine-tune -> label indexes -> query adapter
and label calibration -> end-to-end extraction calibration, each step skipped when its inputs
are unchanged.

It sits above the matcher because the calibration is fitted with the matcher's lexical scores
and embedding cache; every step below it only makes or loads its own artefact.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from api.wiring import Components
from indexer.clock import utc_stamp
from indexer.label_index import Progress, activate, build_indexes, ensure_ann, index_version
from indexer.model.adapter import HPARAMS, calibration_path, fit_adapter, heldout_accuracy, is_trained, save_adapter
from indexer.model.check import ensure_model, is_model_folder
from indexer.model.encoder import load_encoder
from indexer.model.finetune import finetune, is_current
from indexer.model.fingerprint import model_fingerprint
from indexer.model.pairs import SEED, build_pairs
from indexer.settings import REPO_ROOT, Settings, get_settings
from indexer.taxonomy.store import TaxonomyStore, ensure_store, store_is_current
from indexer.threads import limit_pools
from matcher.extraction.calibration import EVIDENCE, end_to_end_path, fit_calibration
from matcher.search.ranking import EmbeddingCache


@dataclass
class BuildReport:
    store_built: bool
    index_version: str
    index_built: bool
    seconds: float
    counts: dict[str, int]
    adapter_trained: bool = False


def ensure_tuned(settings: Settings | None = None, *, force: bool = False, progress: bool = True) -> Path:
    """The fine-tuned model folder, made (base model and store first) when missing or stale."""
    settings = settings or get_settings()
    base = ensure_model(dataclasses.replace(settings, model=str(settings.bundled_model_dir)))
    ensure_store(settings, progress=progress)
    if force or not is_current(settings, base):
        finetune(settings, base, progress=progress)
    return settings.tuned_model_dir


def prepare_model(settings: Settings) -> Path:
    """The configured model made usable: the fine-tuned folder made when missing or stale, the
    bundled one converted and checked; any other model as it is."""
    if is_model_folder(settings.model, settings.tuned_model_dir):
        return ensure_tuned(settings)
    return ensure_model(settings)


def train_adapter(settings: Settings | None = None, *, progress: bool = True, hp: dict | None = None) -> dict:
    """Train the query adapter and fit the extraction calibration on its held-out pairs; returns
    the adapter's manifest (with the calibration). Reads the taxonomy store only."""
    started = time.time()
    settings = settings or get_settings()
    hp = {**HPARAMS, **(hp or {})}
    ensure_store(settings, progress=progress)
    components = Components(settings)
    pairs, counts = build_pairs(components.store, random.Random(SEED), hp["max_pairs"])
    cache = EmbeddingCache(components.retrieval)
    Q = cache.queries([p[0] for p in pairs], progress=progress)
    P = cache.passages([p[1] for p in pairs], progress=progress)
    concepts = {c: i for i, c in enumerate(dict.fromkeys(p[2] for p in pairs))}
    C = np.array([concepts[p[2]] for p in pairs], dtype=np.int64)
    n_hold = max(1, int(len(pairs) * hp["heldout_fraction"]))
    tr, ho = slice(n_hold, None), slice(0, n_hold)
    adapter = fit_adapter(Q[tr], P[tr], C[tr], hp, SEED)
    # held-out check: nearest positive among all distinct positives
    pos_texts = list(dict.fromkeys(p[1] for p in pairs))
    pos_idx = {t: i for i, t in enumerate(pos_texts)}
    P_all = cache.passages(pos_texts)
    target = np.array([pos_idx[p[1]] for p in pairs[:n_hold]])
    before = heldout_accuracy(Q[ho], P_all, target)
    after = heldout_accuracy(adapter.apply_queries(Q[ho]), P_all, target)
    calibration = fit_calibration(Q[ho], adapter, P_all, target, [pairs[i][0] for i in range(n_hold)], pos_texts)

    meta = components.store.meta()
    manifest = {
        "model": model_fingerprint(settings.model), "pairs": counts, "n_pairs": len(pairs),
        "heldout": n_hold, "heldout_top1_before": round(before, 4), "heldout_top1_after": round(after, 4),
        "hparams": hp, "seed": SEED, "input_checksums": json.loads(meta.get("input_checksums", "{}")),
        "reads": "taxonomy store only (no benchmark file)",
        "trained_at": utc_stamp(),
        "seconds": round(time.time() - started, 1),
    }
    save_adapter(settings, adapter, manifest)
    calibration_path(settings).write_text(json.dumps(calibration, indent=2), encoding="utf-8")
    manifest["calibration"] = calibration
    return manifest


#: The build's steps in order, as :func:`pending_steps` and the progress callback name them.
STEPS = ("basismodel", "opslag", "fijnafstemmen", "occupations", "competences", "adapter", "extractiekalibratie")
#: The project's own gold texts; their dev split fits the end-to-end extraction calibration.
GOLD_DIR = REPO_ROOT / "data" / "gold" / "extraction"
#: What the extraction candidates and their evidence depend on besides the model and indexes.
_EXTRACTION_SOURCES = ("matcher/extraction", "matcher/text", "matcher/resources")

log = logging.getLogger(__name__)


def _end_to_end_inputs(settings: Settings, index_version_: str) -> str:
    """A checksum of everything the end-to-end fit depends on: the label index version (which
    already names the model, so its ~0.35 s fingerprint is not taken again), the label
    calibration written with the adapter, the gold texts, the evidence names and the extraction
    code and tables."""
    h = hashlib.sha256(json.dumps([index_version_, list(EVIDENCE)]).encode())
    files = [calibration_path(settings), *sorted(GOLD_DIR.glob("*.json"))]
    for folder in _EXTRACTION_SOURCES:
        files += sorted((REPO_ROOT / folder).glob("*.*"))
    for f in files:
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def _end_to_end_owned(settings: Settings) -> bool:
    """Whether the build keeps the end-to-end file: not when the user names one
    (``CMATCH_EXTRACT_CALIBRATION``), nor without the gold set to fit on."""
    return settings.extract_calibration is None and GOLD_DIR.is_dir()


def _end_to_end_current(settings: Settings, index_version_: str) -> bool:
    if not _end_to_end_owned(settings):
        return True
    try:
        content = json.loads(end_to_end_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return content.get("inputs") == _end_to_end_inputs(settings, index_version_)


def fit_end_to_end_file(settings: Settings, gold: Path = GOLD_DIR, *, target: Path | None = None,
                        min_precision: float = 0.85, progress: bool = True) -> dict:
    """Fit the end-to-end extraction calibration on ``gold``'s dev split and write it (to
    ``target``, default :func:`end_to_end_path`); fitted on the project's gold set it carries the
    checksum of its inputs, so a later build sees it as current. Returns the content;
    :class:`ValueError` when there is nothing to fit on."""
    from eval.extract_gold import fit_extract_calibration

    components = Components(settings)
    content = fit_extract_calibration(gold, components.extractor, components.store,
                                      min_precision=min_precision, progress=progress)
    if Path(gold).resolve() == GOLD_DIR.resolve():   # what a build would fit on: current for it
        content["inputs"] = _end_to_end_inputs(settings, _index_state(settings, components.store)[0])
    _write_json(target or end_to_end_path(settings), content)
    return content


def ensure_end_to_end(settings: Settings, index_version_: str, *, force: bool = False, progress: bool = True) -> bool:
    """Fit the end-to-end extraction calibration on the gold dev split when it is missing or its
    inputs changed (~30 s on 2 cores); ``True`` when fitted. A taxonomy without the gold concepts
    (the test miniature) writes a "skipped" file, so the step is not retried."""
    if not _end_to_end_owned(settings) or (not force and _end_to_end_current(settings, index_version_)):
        return False
    try:
        fit_end_to_end_file(settings, progress=progress)
    except ValueError as exc:
        log.warning("end-to-end extraction calibration skipped: %s", exc)
        _write_json(end_to_end_path(settings), {"skipped": str(exc), "weights": None,
                                                "inputs": _end_to_end_inputs(settings, index_version_)})
    return True


def _write_json(target: Path, content: dict) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(target)


def _index_state(settings: Settings, store: TaxonomyStore) -> tuple[str, str, tuple[str, str]]:
    model_id = model_fingerprint(settings.model)
    prefixes = (settings.query_prefix, settings.passage_prefix)
    return index_version(store, model_id, prefixes), model_id, prefixes


def pending_steps(settings: Settings) -> list[str]:
    """What :func:`build_all` still has to do (in :data:`STEPS` order); ``[]`` means the
    configured model, its indexes, the adapter and the calibration are all current. Loads no model."""
    base = settings.bundled_model_dir
    tuned = is_model_folder(settings.model, settings.tuned_model_dir)
    if (tuned or is_model_folder(settings.model, base)) and not (base / "model_check.json").is_file():
        return list(STEPS) if tuned else [s for s in STEPS if s != "fijnafstemmen"]
    if not store_is_current(settings.store_path, settings.data_dir):
        return [s for s in STEPS[1:] if tuned or s != "fijnafstemmen"]
    todo = []
    if tuned and not is_current(settings, base):
        return list(STEPS[2:])
    store = TaxonomyStore(settings.store_path)
    version, _, _ = _index_state(settings, store)
    if not (settings.index_dir / version / "manifest.json").exists():
        todo += ["occupations", "competences"]
    if todo or not is_trained(settings):
        todo.append("adapter")
    if todo or not _end_to_end_current(settings, version):
        todo.append("extractiekalibratie")
    return todo


def build_all(settings: Settings, *, force: bool = False, progress: bool = True,
              on_progress: Progress | None = None) -> BuildReport:
    """Model, store, indexes, then the query adapter and extraction calibration, in that order;
    nothing is rebuilt when inputs are unchanged, and an interrupted index build resumes from its
    last checkpoint. ``on_progress(step, done, total)`` hears each step start (``done=0``) and
    the encoding progress of the index steps (see :data:`STEPS`)."""
    started = time.time()
    tell = on_progress or (lambda step, done, total: None)
    tuned = is_model_folder(settings.model, settings.tuned_model_dir)
    tell("basismodel", 0, 1)
    if tuned:
        ensure_model(dataclasses.replace(settings, model=str(settings.bundled_model_dir)))
    else:
        ensure_model(settings)  # converts and checks the bundled model; any other model as it is
    tell("opslag", 0, 1)
    store_built = ensure_store(settings, force=force, progress=progress)
    if tuned:
        tell("fijnafstemmen", 0, 1)
        ensure_tuned(settings)
    store = TaxonomyStore(settings.store_path)
    version, model_id, prefixes = _index_state(settings, store)
    if not force and (settings.index_dir / version / "manifest.json").exists():
        ensure_ann(settings.index_dir / version, progress=progress)  # no model needed either
        activate(settings.index_dir, version)  # current already: no need to load the model
        built = False
    else:
        tell("occupations", 0, 1)
        version, built = build_indexes(
            store, load_encoder(settings), settings.index_dir, model_id=model_id,
            prefixes=prefixes, force=force, progress=progress, on_progress=on_progress,
        )
    trained = False
    if force or not is_trained(settings):
        tell("adapter", 0, 1)
        train_adapter(settings, progress=progress)
        trained = True
    if force or trained or built or not _end_to_end_current(settings, version):
        tell("extractiekalibratie", 0, 1)
        ensure_end_to_end(settings, version, force=True, progress=progress)
    return BuildReport(store_built, version, built, round(time.time() - started, 1), store.counts(), trained)


def serving_app(settings: Settings | None = None, *, build: bool = True):
    """The app ``cmatch serve`` runs: on the full stage when everything is current, else on the
    lexical stage (the taxonomy store is built first when missing, ~1 min) with the missing steps
    built in the background and switched to when done (:mod:`api.readiness`). ``build=False``
    serves what is there without building."""
    from api.app import create_app
    from api.readiness import STAGE_FULL, STAGE_LEXICAL, Readiness

    settings = settings or get_settings()
    if settings.request_threads > 0:
        limit_pools(settings.request_threads)
    ensure_store(settings, progress=True)
    todo = pending_steps(settings)
    if not todo:
        return create_app(Components(settings), readiness=Readiness(STAGE_FULL, freeze=True))
    lexical = dataclasses.replace(settings, lexical_only=True)
    readiness = Readiness(
        STAGE_LEXICAL, steps_left=todo,
        build=(lambda tell: build_all(settings, progress=False, on_progress=tell)) if build else None,
        make_full=lambda: Components(settings), freeze=True)
    return create_app(Components(lexical), readiness=readiness)
