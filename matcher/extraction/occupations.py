"""Occupation titles a person names in their own text ("12 jaar buschauffeur", "Zorgkundige in een
woonzorgcentrum", "cuisinier dans une brasserie"): what they do or did.

A CV's job titles are the most direct evidence of someone's occupation, and competence extraction
alone loses it (a zorgkundige's "wassen en aankleden" reads as laundry). Titles are found as
exact lemma sequences of the taxonomy's occupation labels (Dutch and French: Competent titles,
ESCO labels and their alternatives), each mapped to its Competent occupation. Left out, because
they do not say what *this* person does:

* one-word labels that say too little ("medewerker", "manager": ``occupation_title_stopwords.json``)
  or are shorter than five letters, and labels naming more than two occupations;
* titles in a wish, an employer phrase or a study ("ik wil verpleegkundige worden", "ik studeer
  verpleegkunde"), after a negation, or right after an article ("in opdracht van de
  verpleegkundige": someone else), or between capitalised words ("Jan Bakker": a surname).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from matcher.resources import load_json
from matcher.text.lexical import PhraseMatcher

MAX_OCCUPATIONS_PER_LABEL = 2
MIN_SINGLE_WORD = 5


def stopwords() -> set[str]:
    return set(load_json("occupation_title_stopwords.json")["words"])


def occupation_phrases(store) -> PhraseMatcher:
    """A phrase matcher from occupation labels (nl, fr) to Competent occupation codes."""
    to_competent = store.competent_occupation_of_esco()
    competent = {o.id for o in store.occupations("competent")}
    pm = PhraseMatcher(max_tokens=6)
    for oid, lang, label, _kind in store.occupation_labels():
        code = oid if oid in competent else to_competent.get(oid)
        if code and lang in ("nl", "fr"):
            pm.add(label, code, lang)
    stop = stopwords()
    pm.phrases = {k: v for k, v in pm.phrases.items()
                  if len(v) <= MAX_OCCUPATIONS_PER_LABEL
                  and not (len(k) == 1 and (len(k[0]) < MIN_SINGLE_WORD or k[0] in stop))}
    return pm


def longest(matches: Iterable[PhraseMatcher.Match]) -> list[PhraseMatcher.Match]:
    """Matches without those inside a longer one ("lasser" inside "lasser-monteur")."""
    ms = sorted(matches, key=lambda m: (m.start, -(m.end - m.start)))
    out: list[PhraseMatcher.Match] = []
    for m in ms:
        if any(o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start) for o in out):
            continue
        out.append(m)
    return out


def ranked_codes(codes: list[str], limit: int = 3) -> list[str]:
    """The most often named occupations first (ties: first named), at most ``limit``."""
    counts = Counter(codes)
    first = {c: i for i, c in reversed(list(enumerate(codes)))}
    return sorted(counts, key=lambda c: (-counts[c], first[c]))[:limit]
