"""Inference without PyTorch: the sentence-transformers folder exported once to ONNX and run by
ONNX Runtime or OpenVINO.

Why not ``SentenceTransformer(..., backend="onnx")``: sentence-transformers 6.2 reaches its ONNX
and OpenVINO backends through ``optimum-onnx`` / ``optimum-intel``, which pin
``transformers<4.58`` (we run 5.24), so the export is done here with ``torch.onnx.export``. The
exported graph includes mean pooling and L2 normalisation, so it returns sentence vectors
directly; float32 only (int8 moved vectors to cos 0.98 before, see the issue).

The export is cached under ``var/cache/onnx/<model fingerprint>/model.onnx`` (written to a
temporary name and renamed, so an interrupted export is redone, never half-read) and checked
against the PyTorch model on a few strings before it is used (cos ≥ :data:`EXPORT_MIN_COS`).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.model.fingerprint import model_fingerprint
from indexer.model.prefixed import PrefixedEncoding

log = logging.getLogger(__name__)

#: Runtimes this module can drive, as ``CMATCH_BACKEND`` names them.
RUNTIMES = ("onnx", "openvino")
#: An export must reproduce the PyTorch vectors to at least this cosine on the check strings.
EXPORT_MIN_COS = 0.9999
_CHECK_TEXTS = ("passage: heftruck besturen", "passage: verpleegkundige in een woonzorgcentrum",
                "query: software developer", "passage: Gérer une équipe de vente et suivre les objectifs",
                "passage: " + "lange tekst met veel woorden " * 40)
_export_lock = threading.Lock()


def as_text_list(texts: Sequence[str]) -> list[str]:
    """``texts`` as a list of strings; a bare string is refused (it would encode each character)."""
    if isinstance(texts, str):
        raise TypeError("encode_* takes a sequence of strings, not a single string")
    return [str(t) for t in texts]


def export_dir(cache_dir: Path, model_path: str) -> Path:
    """Where the ONNX export of ``model_path`` lives: one folder per model fingerprint."""
    fp = model_fingerprint(model_path).replace("@sha256:", "-").replace("/", "_")
    return Path(cache_dir) / "onnx" / fp


class _Pooled:  # built lazily: torch is only imported when an export is needed
    @staticmethod
    def wrap(bert):
        import torch

        class Pooled(torch.nn.Module):
            """BERT → mean pooling over the attention mask → L2 normalisation (the ST folder's modules)."""

            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask):
                hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        return Pooled(bert).eval()


def _check_folder(model_path: str) -> None:
    """Refuse models whose pipeline differs from Transformer → mean Pooling → Normalize."""
    folder = Path(model_path)
    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    types = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if types != ["Transformer", "Pooling", "Normalize"]:
        raise ValueError(f"ONNX-export ondersteunt alleen Transformer → Pooling → Normalize, niet {types}")
    pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
    modes = {pooling["pooling_mode"]} if "pooling_mode" in pooling else {  # new and old config shapes
        k.removeprefix("pooling_mode_").removesuffix("_tokens") for k, v in pooling.items()
        if k.startswith("pooling_mode_") and v}
    if modes != {"mean"}:
        raise ValueError(f"ONNX-export ondersteunt alleen mean pooling, niet {sorted(modes)}")


def ensure_export(model_path: str, cache_dir: Path, runtime: str = "openvino") -> Path:
    """The checked ONNX file for ``model_path`` (a local sentence-transformers folder), exported
    on first use (~20 s on 2 quiet cores) and checked on ``runtime``."""
    target = export_dir(cache_dir, model_path) / "model.onnx"
    with _export_lock:
        if target.exists():
            return target
        _check_folder(model_path)
        import torch
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(model_path), device="cpu")
        st.eval()
        tok = st.tokenizer
        wrapped = _Pooled.wrap(st[0].auto_model)
        sample = tok(["passage: heftruck besturen", "passage: x"], padding=True, return_tensors="pt")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".model.onnx.tmp-{os.getpid()}")
        try:
            with torch.no_grad():
                torch.onnx.export(
                    wrapped, (sample["input_ids"], sample["attention_mask"]), str(tmp),
                    input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                    dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                  "embedding": {0: "batch"}},
                    opset_version=17, dynamo=False,
                )
            reference = st.encode(list(_CHECK_TEXTS), convert_to_numpy=True, normalize_embeddings=True)
            got = _session(runtime, tmp).run(tok, list(_CHECK_TEXTS), st.max_seq_length)
            cos = float((reference * got).sum(1).min())
            if cos < EXPORT_MIN_COS:
                raise RuntimeError(f"ONNX-export wijkt af van PyTorch (cos {cos:.5f} < {EXPORT_MIN_COS})")
            (target.parent / "export.json").write_text(json.dumps(
                {"model": model_fingerprint(model_path), "cos_min_check": round(cos, 6), "opset": 17,
                 "torch": torch.__version__}, indent=2), encoding="utf-8")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        log.info("exported %s to %s", model_path, target)
        return target


class _Session:
    """One loaded graph (ONNX Runtime or OpenVINO) taking token ids, returning sentence vectors."""

    def __init__(self, runtime: str, path: Path, threads: int | None = None):
        threads = threads or os.cpu_count() or 1
        self.runtime = runtime
        if runtime == "onnx":
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._ort = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        elif runtime == "openvino":
            import openvino as ov

            core = ov.Core()
            config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                      "INFERENCE_PRECISION_HINT": "f32"}
            self._ov = core.compile_model(core.read_model(str(path)), "CPU", config)
            self._requests = threading.local()   # an infer request serves one call at a time
        else:
            raise ValueError(f"Onbekende runtime {runtime!r}; kies uit {RUNTIMES}")

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.runtime == "onnx":
            return self._ort.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        request = getattr(self._requests, "r", None)
        if request is None:
            request = self._requests.r = self._ov.create_infer_request()
        return request.infer({"input_ids": ids, "attention_mask": mask})[0]

    def run(self, tokenizer, texts: list[str], max_len: int) -> np.ndarray:
        enc = tokenizer(texts, padding=True, truncation=True, max_length=max_len, return_tensors="np")
        return np.asarray(self(enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64)),
                          dtype=np.float32)


def _session(runtime: str, path: Path) -> _Session:
    return _Session(runtime, path)


class OnnxEncoder(PrefixedEncoding):
    """A sentence-transformers folder run through its ONNX export; same interface as
    :class:`indexer.model.encoder.SentenceTransformerEncoder` (prefix + text, normalised float32).

    Texts are sorted by length and batched, as sentence-transformers does, so short labels are
    not padded to the longest text of the call.
    """

    def __init__(self, model_path: str, *, runtime: str, cache_dir: Path, query_prefix: str = "query: ",
                 passage_prefix: str = "passage: ", batch_size: int = 64) -> None:
        from transformers import AutoTokenizer

        onnx_file = ensure_export(model_path, cache_dir, runtime)
        self.name = str(model_path)
        self.backend = runtime
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = int(batch_size)
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_path))
        cfg = json.loads((Path(model_path) / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_len = int(cfg.get("max_seq_length", 512))
        self.session = _session(runtime, onnx_file)
        self.dim = int(self.session.run(self.tokenizer, ["x"], self.max_len).shape[1])

    def _encode(self, texts: Sequence[str], prefix: str, show_progress: bool) -> np.ndarray:
        items = [prefix + t for t in as_text_list(texts)]
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        order = np.argsort([-len(t) for t in items], kind="stable")
        starts = range(0, len(items), self.batch_size)
        if show_progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, total=len(starts), desc=f"encode ({self.backend})", unit="batch")
        for a in starts:
            idx = order[a:a + self.batch_size]
            out[idx] = self.session.run(self.tokenizer, [items[i] for i in idx], self.max_len)
        return out

    def __repr__(self) -> str:
        return f"OnnxEncoder({self.name!r}, runtime={self.backend!r}, dim={self.dim})"
