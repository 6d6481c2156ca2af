"""The whole set-up pipeline: model -> taxonomy store -> label indexes, each skipped when current."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.taxonomy.loaders import input_checksums, load_taxonomy
from indexer.taxonomy.profiles import derive_profiles
from indexer.settings import Settings
from indexer.taxonomy.store import SCHEMA_VERSION, TaxonomyStore, build_store

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    store_built: bool
    index_version: str
    index_built: bool
    seconds: float
    counts: dict[str, int]
    adapter_trained: bool = False


def store_is_current(path: Path, data_dir: Path) -> bool:
    """True when the store exists and was built from exactly these input files."""
    if not path.exists():
        return False
    try:
        meta = TaxonomyStore(path).meta()
    except Exception:  # a corrupt or foreign file is rebuilt
        return False
    return (meta.get("schema_version") == SCHEMA_VERSION
            and json.loads(meta.get("input_checksums", "{}")) == input_checksums(data_dir))


def ensure_store(settings: Settings, *, force: bool = False, progress: bool = True) -> bool:
    """Build the taxonomy store if missing or stale; return whether it was built."""
    if not force and store_is_current(settings.store_path, settings.data_dir):
        return False
    tax = load_taxonomy(settings.data_dir, progress=progress)
    profiles = derive_profiles(tax)
    build_store(tax, profiles, settings.store_path)
    return True


def build_all(settings: Settings, *, force: bool = False, progress: bool = True) -> BuildReport:
    """Model, store, indexes, then the query adapter and extraction calibration, in that order;
    nothing is rebuilt when inputs are unchanged."""
    from indexer.model.encoder import load_encoder
    from indexer.label_index import activate, build_indexes, ensure_ann, index_version, model_fingerprint
    from indexer.model.convert import ensure_model
    from indexer.model.adapter import is_trained, train

    started = time.time()
    ensure_model(settings)
    store_built = ensure_store(settings, force=force, progress=progress)
    store = TaxonomyStore(settings.store_path)
    model_id = model_fingerprint(settings.model)
    prefixes = (settings.query_prefix, settings.passage_prefix)
    version = index_version(store, model_id, prefixes)
    if not force and (settings.index_dir / version / "manifest.json").exists():
        ensure_ann(settings.index_dir / version, progress=progress)  # no model needed either
        activate(settings.index_dir, version)  # current already: no need to load the model
        built = False
    else:
        version, built = build_indexes(
            store, load_encoder(settings), settings.index_dir, model_id=model_id,
            prefixes=prefixes, force=force, progress=progress,
        )
    trained = False
    if force or not is_trained(settings):
        train(settings, progress=progress)
        trained = True
    return BuildReport(store_built, version, built, round(time.time() - started, 1), store.counts(), trained)
