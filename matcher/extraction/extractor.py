"""Competence extraction: vacancy text, CV or free description -> competences with spans.

The pipeline behind :class:`CompetenceExtractor` (:mod:`matcher.extraction.engine`) is:
language -> clauses (with character offsets) -> cues (blurbs, benefits, diversity statements,
negations, requirement levels) -> requirements (diplomas, certificates, licences, languages;
kept apart) -> hybrid retrieval of competences per clause (lexical label matches + dense e5
search) -> fused, calibrated confidence.
"""
from __future__ import annotations

from indexer.domain import MAX_TEXT_CHARS
from indexer.retrieval import Retrieval
from matcher.extraction.engine import ExtractionEngine
from matcher.extraction.results import KINDS, Extraction


class CompetenceExtractor:
    """Extract competences and formal requirements from a text.

    >>> ex = CompetenceExtractor(Retrieval(store, settings, encoder, indexes))  # doctest: +SKIP
    >>> r = ex.extract("Je hebt ervaring met heftrucks. Rijbewijs C is vereist.", kind="vacancy")  # doctest: +SKIP
    >>> [c.label for c in r.competences], [q.value for q in r.requirements]   # doctest: +SKIP
    (['Heftruck besturen'], ['rijbewijs C'])
    """

    def __init__(self, retrieval: Retrieval):
        self.engine = ExtractionEngine(retrieval)

    def extract(self, text: str, *, kind: str = "free", min_confidence: float | None = None) -> Extraction:
        if not isinstance(text, str):
            raise TypeError("text must be a string")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        if len(text) > MAX_TEXT_CHARS:
            raise ValueError(f"text is longer than {MAX_TEXT_CHARS} characters ({len(text)})")
        return self.engine.extract(text, kind=kind, min_confidence=min_confidence)
