"""Inference backends: the ONNX export agrees with PyTorch, is cached and checked, and a backend
that cannot run falls back to PyTorch (speed is measured by ``cmatch bench encode``, not here)."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from indexer.model import onnx_backend
from indexer.model.encoder import BACKENDS, clear_encoder_cache, load_encoder

pytestmark = pytest.mark.slow

TEXTS = ["heftruck besturen", "Verpleegkundige (m/v/x) in een woonzorgcentrum, Gent", "software developer",
         "Gérer une équipe de vente", "lange tekst " * 120, "x"]


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def torch_vectors(model_dir) -> tuple[np.ndarray, np.ndarray]:
    from indexer.model.encoder import SentenceTransformerEncoder

    st_encoder = SentenceTransformerEncoder(str(model_dir))
    return st_encoder.encode_passages(TEXTS), st_encoder.encode_queries(TEXTS)


@pytest.mark.parametrize("runtime", onnx_backend.RUNTIMES)
def test_runtime_agrees_with_pytorch(model_dir, onnx_cache, torch_vectors, runtime) -> None:
    pytest.importorskip("onnxruntime" if runtime == "onnx" else "openvino")
    enc = onnx_backend.OnnxEncoder(str(model_dir), runtime=runtime, cache_dir=onnx_cache, batch_size=4)
    passages, queries = enc.encode_passages(TEXTS), enc.encode_queries(TEXTS)
    ref_p, ref_q = torch_vectors
    assert passages.shape == (len(TEXTS), 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert float((passages * ref_p).sum(1).min()) > 0.9999      # same order as the input, despite sorting
    assert float((queries * ref_q).sum(1).min()) > 0.9999       # the query prefix is applied
    assert float((queries * passages).sum(1).max()) < 0.9999    # ... and differs from the passage one
    assert enc.encode_passages([]).shape == (0, 384)
    with pytest.raises(TypeError):
        enc.encode_passages("een string")


def test_export_is_cached_and_recorded(model_dir, onnx_cache) -> None:
    pytest.importorskip("onnxruntime")
    first = onnx_backend.ensure_export(str(model_dir), onnx_cache)
    mtime = first.stat().st_mtime_ns
    assert onnx_backend.ensure_export(str(model_dir), onnx_cache) == first and first.stat().st_mtime_ns == mtime
    record = json.loads((first.parent / "export.json").read_text())
    assert record["cos_min_check"] >= onnx_backend.EXPORT_MIN_COS
    assert not list(first.parent.glob(".model.onnx.tmp-*"))


def test_other_pooling_is_refused(tmp_path) -> None:
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "modules.json").write_text(json.dumps([
        {"type": "sentence_transformers.base.modules.transformer.Transformer", "path": ""},
        {"type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling", "path": "1_Pooling"},
        {"type": "sentence_transformers.base.modules.normalize.Normalize", "path": "2_Normalize"}]))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode": "cls"}))
    with pytest.raises(ValueError, match="mean pooling"):
        onnx_backend.ensure_export(str(tmp_path), tmp_path / "cache")


def test_failing_backend_falls_back_to_pytorch(mini_settings, monkeypatch, caplog) -> None:
    def broken(*_a, **_k):
        raise RuntimeError("export wijkt af")

    monkeypatch.setattr(onnx_backend, "ensure_export", broken)
    clear_encoder_cache()
    try:
        enc = load_encoder(dataclasses.replace(mini_settings, backend="onnx"))
        assert enc.backend == "torch"
        assert "falling back to PyTorch" in caplog.text
    finally:
        clear_encoder_cache()


def test_unknown_backend_is_refused(mini_settings) -> None:
    assert BACKENDS == ("torch", "onnx", "openvino")
    with pytest.raises(ValueError, match="CMATCH_BACKEND"):
        load_encoder(dataclasses.replace(mini_settings, backend="tensorrt"))
