"""Split long texts into sentences and clauses, keeping exact character offsets.

A vacancy or CV is a mix of headings, bullets, sentences and comma lists. Matching works
best on short units, so text is cut at line breaks and bullets, at sentence ends, and then at
semicolons, commas, slashes and coordinating words ("en", "and", "et", "of", "or", "ou") when
the resulting parts are long enough to mean something. Every unit keeps ``start``/``end`` into
the original string, so spans point at the user's own text.

>>> [c.text for c in split_clauses("Je kan plannen, organiseren en rapporteren.")]
['Je kan plannen, organiseren en rapporteren', 'Je kan plannen', 'organiseren', 'rapporteren']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from matcher.resources import load_json


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    text: str
    sentence: int          # index of the sentence this clause belongs to
    is_sentence: bool      # the whole sentence (True) or a part of it (False)


_LINE = re.compile(r"[^\n\r]+")
# sentence ends: . ! ? followed by space + capital / digit / bullet, or end of line
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Þ0-9•\-\*\"'(])")
_BULLET = re.compile(r"^\s*(?:[-–—•*·▪►✓✔o]|\d{1,2}[.)])\s+")
# list separators, brackets and the coordinating words of resources/coordinating_words.json
_PART_SEP = re.compile(
    r"\s*[;,/]\s*|\s*\b(?:" + "|".join(load_json("coordinating_words.json")["words"]) + r")\b\s*|\s*[:(){}\[\]]\s*",
    re.I,
)
MIN_PART_CHARS = 3
MAX_SENTENCE_CHARS = 400


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "-–—•*·▪►✓✔:;,"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".;,:!?"):
        end -= 1
    return start, end


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence or bullet line, in order."""
    out: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        ls, le = line.start(), line.end()
        m = _BULLET.match(text, ls, le)
        if m:
            ls = m.end()
        pos = ls
        for cut in _SENT_END.finditer(text, ls, le):
            s, e = _strip(text, pos, cut.start())
            if e - s >= 2:
                out.append((s, e))
            pos = cut.end()
        s, e = _strip(text, pos, le)
        if e - s >= 2:
            out.append((s, e))
    # very long sentences (no punctuation) are cut into windows at spaces
    final: list[tuple[int, int]] = []
    for s, e in out:
        while e - s > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", s, s + MAX_SENTENCE_CHARS)
            if cut <= s:
                cut = s + MAX_SENTENCE_CHARS
            final.append((s, cut))
            s = cut + 1
        final.append((s, e))
    return final


def split_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Parts of one sentence, cut at list separators and coordinating words."""
    parts: list[tuple[int, int]] = []
    pos = start
    for m in _PART_SEP.finditer(text, start, end):
        s, e = _strip(text, pos, m.start())
        if e - s >= MIN_PART_CHARS:
            parts.append((s, e))
        pos = m.end()
    s, e = _strip(text, pos, end)
    if e - s >= MIN_PART_CHARS:
        parts.append((s, e))
    return parts


def split_clauses(text: str, *, parts: bool = True) -> list[Clause]:
    """Sentences, each followed by its parts (when it has more than one)."""
    out: list[Clause] = []
    for i, (s, e) in enumerate(split_sentences(text)):
        out.append(Clause(s, e, text[s:e], i, True))
        if parts:
            ps = split_parts(text, s, e)
            if len(ps) > 1:
                out.extend(Clause(a, b, text[a:b], i, False) for a, b in ps)
    return out
