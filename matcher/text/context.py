"""Context that must not become the person's competence, and the status of a requirement.

* :func:`excluded_ranges` — wishes and aspirations ("ik wil verpleegkundige worden", "je cherche",
  "I want to"), the job searched for ("zoek werk als afwasser": :func:`job_search_ranges`) and the
  employer's sector or product ("bij een KMO in de bouwsector"): stretches that yield no competences.
* :func:`soft_skills` — generic team and attitude phrases and the Competent soft skill they state.
* :func:`requirement_status` — a diploma, certificate or licence in a CV is ``held``,
  ``not_held`` ("Diploma heb ik niet", "gestopt in 5de jaar") or ``in_progress`` ("volg HBO5").

The cue tables are data: ``matcher/resources/context_cues.json`` and ``soft_skill_cues.json``.
"""
from __future__ import annotations

import re

from matcher.resources import load_json

_CUES = load_json("context_cues.json")


def _rx(fragments: list[str]) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(fragments) + r")(?!\w)", re.I)


_WISH = _rx(_CUES["wish"])
_JOB_SEARCH = _rx(_CUES["job_search"])
_EMPLOYER = _rx(_CUES["employer"])
_STUDY = _rx(_CUES["study"])
_ABSENT = _rx(_CUES["absent"])
_PERSONAL = _rx(_CUES["personal"])
_OTHER_PERSON = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, _CUES["other_person"])) + r")\s*$", re.I)
_OTHER_PERSON_AFAR = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, _CUES["other_person_definite"]))
                                + r")\s*[^\W\d_][\w'-]*\s+$", re.I)
# a wish reaches to the end of its clause; an employer phrase to the next comma or colon too, or
# to the function that follows it ("in de horeca als kelner": the title is the person's)
_CLAUSE_END = re.compile(r"[.;!?\n]|\s(?:maar|mais|but)\s")
_PHRASE_END = re.compile(r"[.;:!?\n,(]|\s[-–]\s|\s(?:maar|mais|but|en|et|and|als|comme|as)\s")
_SOFT = {code: _rx(fragments) for code, fragments in load_json("soft_skill_cues.json").items() if code.startswith("SO-")}


def _ranges(rx: re.Pattern, stop: re.Pattern, text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for m in rx.finditer(text, start, end):
        s = stop.search(text, m.end(), end)
        out.append((m.start(), s.start() if s else end))
    return out


_PART_BOUNDARY = re.compile(r"[,:;(]|\s[-–]\s|\s(?:en|et|and|maar|mais|but)\s")


def _part_start(text: str, start: int, at: int) -> int:
    """Where the clause part holding ``at`` begins: after the last comma or "en" before it."""
    last = None
    for last in _PART_BOUNDARY.finditer(text, start, at):
        pass
    return last.end() if last else start


def excluded_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Wish, employer-context and personal-history stretches of ``text[start:end]`` (absolute
    offsets); a personal cue ("als vluchteling", "moeder van drie") excludes its clause part
    (from the last comma or "en" before it), so "Ik werk als kok en ben moeder van twee" keeps "kok"."""
    personal = [(_part_start(text, start, a), stop) for a, stop in _ranges(_PERSONAL, _CLAUSE_END, text, start, end)]
    return (_ranges(_WISH, _CLAUSE_END, text, start, end) + job_search_ranges(text, start, end)
            + _ranges(_EMPLOYER, _PHRASE_END, text, start, end) + personal)


def job_search_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stretches naming the job the person looks for ("zoek iets als chauffeur of in de verkoop",
    "je cherche un emploi en cuisine"): an occupation title there is wished, not held."""
    return _ranges(_JOB_SEARCH, _CLAUSE_END, text, start, end)


def study_ranges(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stretches about something the person is still studying ("ik studeer verpleegkunde")."""
    return _ranges(_STUDY, _CLAUSE_END, text, start, end)


def names_someone_else(text: str, start: int) -> bool:
    """Whether the word before ``start`` makes a title someone else's ("van de verpleegkundige"),
    or a definite article or possessive one word before it ("met de externe accountant")."""
    return bool(_OTHER_PERSON.search(text, max(0, start - 12), start)
                or _OTHER_PERSON_AFAR.search(text, max(0, start - 40), start))


_PREV_WORD = re.compile(r"([^\W\d_][\w'-]*)[ \t]+$")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_][\w'-]*)")


def inside_a_name(text: str, start: int, end: int) -> bool:
    """Whether a capitalised word stands between capitalised words on its line, as a surname does
    ("Jan Bakker", "Smit Karel"): many surnames are occupations, and a name must never become one."""
    if not text[start:start + 1].isupper():
        return False
    before = _PREV_WORD.search(text, max(0, start - 40), start)
    after = _NEXT_WORD.match(text, end, min(len(text), end + 40))
    return bool((before and before.group(1)[0].isupper()) or (after and after.group(1)[0].isupper()))


def soft_skills(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """``(SO-code, start, end)`` for each attitude phrase in ``text[start:end]``."""
    return [(code, m.start(), m.end()) for code, rx in _SOFT.items() for m in rx.finditer(text, start, end)]


def requirement_status(text: str, sent_start: int, sent_end: int, start: int, end: int) -> str:
    """``held`` / ``not_held`` / ``in_progress`` of the requirement at ``text[start:end]``.

    Cues count within the requirement's own clause (the sentence cut at ';' and '.'), so
    "Gestopt in 5de jaar BSO. Attest heftruck" keeps the attest held."""
    lo, hi = sent_start, sent_end
    for m in re.finditer(r"[;]|\.\s", text[sent_start:sent_end]):
        cut = sent_start + m.start()
        if cut < start:
            lo = sent_start + m.end()
        elif cut >= end:
            hi = cut
            break
    clause = text[lo:hi]
    if _ABSENT.search(clause):
        return "not_held"
    if _STUDY.search(clause):
        return "in_progress"
    return "held"
