"""Input the extractor refuses, with one clear Dutch message each (never a crash or a 500).

Empty or blank text, text over :data:`indexer.domain.MAX_TEXT_CHARS`, binary garbage (NUL or
control bytes, mostly non-letters) and a language we do not support (no Dutch, English or French
function words in a text of some length, or mostly a non-Latin script).
"""
from __future__ import annotations

import re

from indexer.domain import MAX_TEXT_CHARS
from matcher.text.cues import language_evidence

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_LETTER = re.compile(r"[^\W\d_]", re.U)
_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
#: a text with this many words and no nl/en/fr function word is taken as another language
MIN_WORDS_FOR_LANGUAGE = 8


class TextRejected(ValueError):
    """The text cannot be extracted; ``str(exc)`` is the Dutch message for the user."""


def check_text(text: object) -> str:
    """The text itself when it can be extracted, else :class:`TextRejected` with the reason."""
    if not isinstance(text, str):
        raise TextRejected("De tekst moet gewone tekst zijn.")
    if not text.strip():
        raise TextRejected("De tekst is leeg: plak een cv, vacature of korte omschrijving.")
    if len(text) > MAX_TEXT_CHARS:
        raise TextRejected(f"De tekst is te lang ({len(text)} tekens); het maximum is {MAX_TEXT_CHARS} tekens.")
    body = text.strip()
    if len(_CONTROL.findall(body)) > max(2, len(body) // 200) or len(_LETTER.findall(body)) < 0.3 * len(body):
        raise TextRejected("De tekst lijkt geen leesbare tekst (binaire of beschadigde inhoud).")
    letters = _LETTER.findall(body)
    if len(letters) >= 20 and sum(1 for ch in letters if _LATIN.match(ch)) < 0.5 * len(letters):
        raise TextRejected("Deze taal wordt niet ondersteund: schrijf in het Nederlands, Frans of Engels.")
    words, evidence = language_evidence(body)
    if words >= MIN_WORDS_FOR_LANGUAGE and evidence == 0:
        raise TextRejected("Deze taal wordt niet ondersteund: schrijf in het Nederlands, Frans of Engels.")
    return text
