"""Rules on the surface of vacancy and CV text (Dutch, English, French).

* :func:`detect_language` — nl / en / fr from function words.
* :func:`requirement_level` — "required" / "nice_to_have" from cues such as "vereist", "must",
  "pluspunt", "is een troef", "bij voorkeur", "un atout".
* :func:`negated_ranges` — stretches of text under a negation ("geen ervaring met …",
  "no experience with …", "pas d'expérience en …"), which yield no competences.
* :func:`is_noise_sentence` — company blurbs, diversity statements and benefits (what we
  offer), which yield no competences.
* :func:`find_requirements` — diplomas, certificates, licences and language requirements, kept
  apart from competences.

All rules are plain regular expressions over lower-cased text; each match keeps its offsets. The cue
lists and pattern tables are data (``matcher/resources/*_cues.json``, ``cue_words.json``,
``language_*.json|csv``, ``requirement_patterns.csv``), loaded once below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from matcher.resources import load_csv, load_json


def _words(fragments: list[str]) -> str:
    """One alternation of whole-word regular-expression fragments, in table order."""
    return r"\b(?:" + "|".join(fragments) + r")\b"

# ----------------------------------------------------------------- language
_FUNCTION_WORDS = {lang: set(words) for lang, words in load_json("language_function_words.json").items()}
_WORD = re.compile(r"[a-zà-ÿ']+", re.I)


def language_evidence(text: str) -> tuple[int, int]:
    """(words, words that are nl/en/fr function words) in the first 5000 characters."""
    words = _WORD.findall(text.lower()[:5000])
    return len(words), sum(1 for w in words for part in w.split("'") if any(part in fw for fw in _FUNCTION_WORDS.values()))


def detect_language(text: str) -> str:
    """'nl', 'en' or 'fr' (Dutch when undecided: the service is Flemish)."""
    counts = {k: 0 for k in _FUNCTION_WORDS}
    for w in _WORD.findall(text.lower()[:5000]):
        for part in w.split("'"):
            for lang, words in _FUNCTION_WORDS.items():
                if part in words:
                    counts[lang] += 1
    best = max(counts, key=lambda k: (counts[k], k == "nl"))
    return best if counts[best] > 0 else "nl"


# ------------------------------------------------------------ requirements
_REQUIREMENT_CUES = load_json("requirement_cues.json")
_NICE = re.compile(_words(_REQUIREMENT_CUES["nice_to_have"]), re.I)
_REQUIRED = re.compile(_words(_REQUIREMENT_CUES["required"]), re.I)
_STRONG_REQUIRED = re.compile(_words(_REQUIREMENT_CUES["strongly_required"]), re.I)
_SEGMENT = re.compile(r"[;]|,\s|\s(?:" + "|".join(_REQUIREMENT_CUES["segment_conjunctions"]) + r")\s", re.I)
_CLAUSE = re.compile(r";")


def requirement_level_at(text: str, sent_start: int, sent_end: int, start: int, end: int,
                         section: str | None = None) -> str:
    """Requirement level of ``text[start:end]``: a cue in its own segment of the sentence
    (cut at ';', ', ', 'maar', 'en' …) wins; else a cue in its clause (the sentence cut at ';',
    so "vlot Nederlands; Frans is een troef" keeps Dutch required); else the section."""
    seg_s, seg_e = _segment_bounds(_SEGMENT, text, sent_start, sent_end, start, end)
    clause_s, clause_e = _segment_bounds(_CLAUSE, text, sent_start, sent_end, start, end)
    segment = text[seg_s:seg_e]
    if _NICE.search(segment):
        return "nice_to_have"
    if _STRONG_REQUIRED.search(segment):
        return "required"
    return requirement_level(text[clause_s:clause_e], section)


def _segment_bounds(separator: re.Pattern, text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """The stretch of ``text[lo:hi]`` between the separators around ``text[start:end]``."""
    for m in separator.finditer(text, lo, hi):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            return lo, m.start()
    return lo, hi


def requirement_level(sentence: str, section: str | None = None) -> str:
    """"nice_to_have" when a nice-to-have cue is present, else "required".

    ``section`` is the last heading seen ("nice" for headings like "Pluspunten"), which
    carries over to the bullets under it.
    """
    if _NICE.search(sentence):
        return "nice_to_have"
    if section == "nice" and not _REQUIRED.search(sentence):
        return "nice_to_have"
    return "required"


def _heading(kind: str) -> re.Pattern:
    return re.compile(r"^\s*(?:" + "|".join(load_json("heading_cues.json")[kind]) + r")\s*:?\s*$", re.I)


_HEADINGS = [(kind, _heading(kind)) for kind in ("nice", "offer", "required", "skip", "languages", "other")]


def heading_kind(line: str) -> str | None:
    """'nice', 'offer', 'required', 'skip' (hobbies), 'languages' or 'other' for a section
    heading line, else None."""
    if len(line) > 60:
        return None
    return next((kind for kind, rx in _HEADINGS if rx.match(line)), None)


# ---------------------------------------------------------------- negation
_NEGATION_CUES = load_json("negation_cues.json")
_NEG = re.compile(_words(_NEGATION_CUES["negation"]), re.I)
# a negation reaches until a contrast word or the end of the clause
_NEG_STOP = re.compile(_words(_NEGATION_CUES["contrast"]) + r"|[.;:!?\n]", re.I)
# expressions that look negative but are not ("niet alleen", "no problem", "geen probleem")
_NEG_FALSE = re.compile(_words(_NEGATION_CUES["not_negation"]), re.I)


def negated_ranges(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character ranges (absolute offsets) that fall under a negation cue."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    false_starts = {m.start() for m in _NEG_FALSE.finditer(text, start, end)}
    for m in _NEG.finditer(text, start, end):
        if m.start() in false_starts:
            continue
        stop = _NEG_STOP.search(text, m.end(), end)
        out.append((m.start(), stop.start() if stop else end))
    return out


def overlaps(a: tuple[int, int], ranges: list[tuple[int, int]], min_fraction: float = 0.5) -> bool:
    s, e = a
    if e <= s:
        return False
    covered = sum(max(0, min(e, re_) - max(s, rs)) for rs, re_ in ranges)
    return covered / (e - s) >= min_fraction


# ------------------------------------------------------ blurbs and benefits
# benefits, diversity statements, company blurbs, application instructions
_NOISE = re.compile(_words([f for group in load_json("noise_cues.json").values() if isinstance(group, list) for f in group]),
                    re.I)


_TITLE_INTRO = re.compile(
    r"^\s*(?:(?:voor onze klant[^,]*,\s*)?(?:wij|we) (?:zoeken|zijn op zoek naar|werven)|"
    r"(?:for our client[^,]*,\s*)?we are (?:looking|searching|hiring)|we(?:'re| are) seeking|"
    r"(?:pour notre client[^,]*,\s*)?nous (?:recherchons|cherchons|sommes à la recherche))\b", re.I)


def is_title_intro(sentence: str) -> bool:
    """"Wij zoeken een magazijnmedewerker": names the job, not a competence."""
    return bool(_TITLE_INTRO.search(sentence)) and len(sentence) < 160


#: Words that only carry cues (requirement, level, language use) and name no competence.
CUE_WORDS = {w for group in load_json("cue_words.json").values() if isinstance(group, list) for w in group}


def is_noise_sentence(sentence: str) -> bool:
    """Company blurb, diversity statement, benefits or application instructions."""
    return bool(_NOISE.search(sentence))


# ---------------------------------------------- diplomas, certificates, ...
@dataclass(frozen=True)
class RequirementMatch:
    category: str       # diploma | certificate | licence | language
    value: str
    start: int
    end: int
    level: str | None = None


def _load_patterns() -> dict[str, list[tuple[re.Pattern, str | None]]]:
    """category -> [(pattern, value)] in table order; an empty value means "the matched text"."""
    out: dict[str, list[tuple[re.Pattern, str | None]]] = {}
    for row in load_csv("requirement_patterns.csv"):
        rx = re.compile(row["pattern"], re.I if row["ignore_case"] == "yes" else 0)
        out.setdefault(row["category"], []).append((rx, row["value"] or None))
    return out


_PATTERNS = _load_patterns()
_LIC_RE, _CERT_RE, _DIPLOMAS_RE = _PATTERNS["licence"], _PATTERNS["certificate"], _PATTERNS["diploma"]
#: language name (nl/en/fr, lower case) -> its Dutch name
_LANGUAGES = {r["name"]: r["language"] for r in load_csv("language_names.csv")}
_LANG_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _LANGUAGES), key=len, reverse=True)) + r")\b", re.I)
_LANGUAGE_CUES = load_json("language_cues.json")


def language_names() -> set[str]:
    """Every language name the requirement reader knows (nl/en/fr, lower case)."""
    return {name.lower() for name in _LANGUAGES}

# a language word counts as a language requirement only with a language context nearby
_LANG_CONTEXT = re.compile(_words(_LANGUAGE_CUES["context"]) + r"|\b[ABC][12]\b", re.I)
_LEVEL = re.compile(r"\b([ABC][12])\b|\b(" + "|".join(_LANGUAGE_CUES["levels"]) + r")\b", re.I)
_LEVEL_NORMAL: dict[str, str] = _LANGUAGE_CUES["level_names"]
_PERSON_CEFR: dict[str, str] = _LANGUAGE_CUES["person_cefr"]


_CODES = load_json("language_codes.json")
_ABBREV_RE = re.compile(r"\b(" + "|".join(sorted(_CODES["abbreviations"], key=len, reverse=True)) + r")\b")
_LIST_CUT = re.compile(r"[,;\n]|\s[-–]\s")
_COORDINATOR = re.compile(r"\s(?:en|of|et|ou|and|or)\s", re.I)
_COORDINATED = re.compile(r"^\s*(?:,|en|of|et|ou|and|or|&|/)\s*$", re.I)
#: Dutch language name -> ISO 639-1 code
LANGUAGE_CODES: dict[str, str] = _CODES["codes"]


def _languages(text: str, start: int, end: int, language_section: bool) -> list[tuple[str, int, int, str | None]]:
    """``(language, start, end, level)`` per language named in ``text[start:end]``.

    Each level word binds to the nearest language in its list item (the text cut at ',', ';')
    that no "en/of/et/and" separates from it, so "arabe et un peu de néerlandais (niveau A2)" gives Arabic no level; languages joined only
    by "en/of/et/and" share a level ("Frans en Engels goed"). Upper-case codes ("NL moedertaal")
    count only with a level in the same item."""
    has_context = language_section or bool(_LANG_CONTEXT.search(text, start, end))
    out = []
    cuts = [start] + [m.end() for m in _LIST_CUT.finditer(text, start, end)] + [end]
    for lo, hi in zip(cuts, cuts[1:]):
        levels = list(_LEVEL.finditer(text, lo, hi))
        names = [(m.start(), m.end(), _LANGUAGES[m.group(1).lower()]) for m in _LANG_RE.finditer(text, lo, hi)]
        if levels:
            names += [(m.start(), m.end(), _CODES["abbreviations"][m.group(1)]) for m in _ABBREV_RE.finditer(text, lo, hi)]
        names.sort()
        if not names or not (has_context or levels):
            continue
        bound: list[str | None] = [None] * len(names)
        for lv in levels:
            i = min(range(len(names)), key=lambda k: (
                bool(_COORDINATOR.search(text, min(names[k][1], lv.end()), max(names[k][0], lv.start()))),
                max(lv.start() - names[k][1], names[k][0] - lv.end())))
            raw = (lv.group(1) or lv.group(2)).lower()
            value = lv.group(1).upper() if lv.group(1) else _LEVEL_NORMAL.get(raw, raw)
            if bound[i] is None or lv.group(1):   # a CEFR level wins over a word
                bound[i] = value
        for _ in range(2):   # coordinated names share the level of a neighbour
            for i in range(len(names)):
                for j in (i - 1, i + 1):
                    if bound[i] is None and 0 <= j < len(names) and bound[j] is not None:
                        a, b = sorted((i, j))
                        if _COORDINATED.match(text[names[a][1]:names[b][0]]):
                            bound[i] = bound[j]
        out.extend((v, s_, e_, lv) for (s_, e_, v), lv in zip(names, bound))
    return out


def _free(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return all(span[1] <= s or span[0] >= e for s, e in taken)


_MORE_LICENCES = re.compile(r"\s*(?:,|/|\+|\s(?:en|et|and|of))\s*(BE|CE|C1E|C1|C|DE|D1|D|AM|A1|A2|A|G|B)\b")


def held_licences_and_languages(requirements) -> tuple[list[str], list[tuple[str, str]]]:
    """What a CV says the person holds: driving-licence categories and ``(ISO code, CEFR level)``
    per language (level words as ``person_cefr`` reads them; no level: B1), from extracted
    requirements (``category``, ``value``, ``level``, ``status``); the first mention of each counts."""
    licences: list[str] = []
    languages: dict[str, str] = {}
    for r in requirements:
        if r.status != "held":
            continue
        if r.category == "licence" and r.value.startswith("rijbewijs "):
            cat = r.value.split(" ", 1)[1].upper()
            if cat not in licences:
                licences.append(cat)
        elif r.category == "language" and r.value in LANGUAGE_CODES:
            level = (r.level or "").strip()
            cefr = level.upper() if re.fullmatch(r"[ABC][12]", level, re.I) else _PERSON_CEFR.get(level.lower(), "B1")
            languages.setdefault(LANGUAGE_CODES[r.value], cefr)
    return licences, list(languages.items())


def find_requirements(text: str, start: int = 0, end: int | None = None, *,
                      language_section: bool = False) -> list[RequirementMatch]:
    """Diplomas, certificates, licences and language requirements in ``text[start:end]``.

    ``language_section``: the sentence sits under a "Talen" heading, so a bare language name
    ("Engels: basis") counts without a language context word."""
    end = len(text) if end is None else end
    out: list[RequirementMatch] = []
    taken: list[tuple[int, int]] = []

    def add(cat: str, value: str, s: int, e: int, level: str | None = None) -> None:
        generic = value in ("diploma", "attest", "certificaat", "certificate", "certificat", "brevet") or cat == "certificate" and value.lower() in ("attest", "certificaat", "certificate", "certification", "certificat", "brevet", "getuigschrift")
        if generic and not _free((s - 15, e + 15), taken):
            return  # "bachelor diploma", "VCA-attest": the specific match already covers it
        if _free((s, e), taken):
            taken.append((s, e))
            out.append(RequirementMatch(cat, value, s, e, level))

    for rx, template in _LIC_RE:
        for m in rx.finditer(text, start, end):
            cat = m.group(1).upper() if m.groups() and m.group(1) else ""
            value = template.format(cat).strip() if "{}" in template else template
            add("licence", value, m.start(), m.end())
            at = m.end()
            while cat and "{}" in template:     # "Rijbewijs B, C en CE": every category of the list
                more = _MORE_LICENCES.match(text, at, end)
                if more is None:
                    break
                add("licence", template.format(more.group(1).upper()).strip(), more.start(1), more.end(1))
                at = more.end()
    for rx, value in _CERT_RE:
        for m in rx.finditer(text, start, end):
            add("certificate", value or m.group(0), m.start(), m.end())
    for rx, value in _DIPLOMAS_RE:
        for m in rx.finditer(text, start, end):
            add("diploma", value, m.start(), m.end())
    for value, s_, e_, level in _languages(text, start, end, language_section):
        add("language", value, s_, e_, level)
    out.sort(key=lambda r: r.start)
    return out
