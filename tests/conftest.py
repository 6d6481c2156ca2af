"""Shared fixtures: a hand-written miniature data directory, the converted model, and
services (store + indexes + encoder) built from the miniature for integration tests."""
from __future__ import annotations

import dataclasses
import gzip
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from indexer.taxonomy.sources import INPUTS  # noqa: E402
from indexer.settings import Settings  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "fixtures"
MINIDATA = FIXTURES / "minidata"


def write_data_dir(target: Path) -> Path:
    """Lay out the miniature as a data directory: same paths as the official files."""
    for spec in INPUTS.values():
        plain = MINIDATA / spec.path.removesuffix(".gz")
        if not plain.exists():
            continue
        dest = target / spec.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if spec.path.endswith(".gz"):
            with open(plain, "rb") as src, gzip.open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
        else:
            shutil.copyfile(plain, dest)
    return target


@pytest.fixture()
def mini_data_dir(tmp_path: Path) -> Path:
    """A fresh, writable miniature data directory (tests may damage it)."""
    return write_data_dir(tmp_path / "data")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The converted bundled base model (converted once into var/model when missing)."""
    from indexer.model.check import ensure_model

    s = Settings.from_env()
    return ensure_model(dataclasses.replace(s, model=str(s.bundled_model_dir)))


@pytest.fixture(scope="session")
def mini_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    root = tmp_path_factory.mktemp("mini")
    data = write_data_dir(root / "data")
    base = Settings.from_env()
    # dev mode (the public pseudonym salt is fine here), no rate limits, and the match index
    # rebuilt in the request (tests read their own writes): tests set all three explicitly
    return dataclasses.replace(base, data_dir=data, var_dir=root / "var", model=str(model_dir), dev_mode=True,
                               rate_limit_per_s=0, match_refresh="sync")


@pytest.fixture(scope="session")
def mini_services(mini_settings: Settings):
    """Components over the miniature: store and label indexes built with the real model."""
    from indexer.label_index import build_indexes
    from indexer.model.encoder import load_encoder
    from indexer.model.fingerprint import model_fingerprint
    from indexer.taxonomy.store import TaxonomyStore, ensure_store
    from api.wiring import Components

    ensure_store(mini_settings, progress=False)
    build_indexes(TaxonomyStore(mini_settings.store_path), load_encoder(mini_settings), mini_settings.index_dir,
                  model_id=model_fingerprint(mini_settings.model), progress=False)
    return Components(mini_settings)


@pytest.fixture(scope="session")
def real_taxonomy():
    """(taxonomy store, match taxonomy) of the real data directory (built once if missing)."""
    from indexer.settings import get_settings
    from indexer.taxonomy.store import TaxonomyStore, ensure_store
    from matcher.matching.near import MatchTaxonomy

    settings = get_settings()
    ensure_store(settings, progress=False)
    store = TaxonomyStore(settings.store_path)
    return store, MatchTaxonomy.from_store(store)
