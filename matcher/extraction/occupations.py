"""Occupation titles a person names in their own text ("12 jaar buschauffeur", "Zorgkundige in een
woonzorgcentrum", "cuisinier dans une brasserie", "Registered Nurse"): what they do or did, and
the job they say they are looking for ("ik zoek werk als keukenhulp").

A CV's job titles are the most direct evidence of someone's occupation, and competence extraction
alone loses it (a zorgkundige's "wassen en aankleden" reads as laundry). Titles are found as
exact lemma sequences of the taxonomy's occupation labels (Dutch and French; English ones only in
an English text, where they cannot be mistaken for Dutch words), each mapped to its Competent
occupation, plus Dutch compounds whose head is a title ("kaasverkoper" is a verkoper) or that a
longer title ends with ("buschauffeur" ~ "autobuschauffeur"). Left out, because they do not say
what *this* person does:

* one-word labels that say too little ("medewerker", "manager": ``occupation_title_stopwords.json``)
  or are shorter than five letters, and labels naming more than two occupations;
* a verb form read as a title through its lemma ("hielp" -> "helpen" -> "helper");
* titles in an aspiration, an employer phrase or a study ("ik wil verpleegkundige worden", "ik
  studeer verpleegkunde"), after a negation, or right after an article ("in opdracht van de
  verpleegkundige": someone else), or between capitalised words ("Jan Bakker": a surname).

A title inside a job search ("zoek werk als afwasser", "je cherche un emploi comme serveur") is
kept as **wished**: :func:`preferred_codes` uses it only when the text names no title of the
person's own (a wish the person is not qualified for must not outrank what they do).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from matcher.resources import load_json
from matcher.text.lexical import PhraseMatcher, Tok, strip_accents, tokenize

#: part of the cache name of the pickled matchers (``var/cache``): bump when what they hold changes
VERSION = "4"
MAX_OCCUPATIONS_PER_LABEL = 2
MAX_HEADED_TITLES = 4
MIN_SINGLE_WORD = 5
#: a compound must keep this much of its own: a head title of at least HEAD letters after at least
#: MODIFIER letters ("kaas|verkoper"), or a title at most SHORTENED letters longer ("auto|buschauffeur")
MIN_HEAD, MIN_MODIFIER, MAX_SHORTENED, MIN_COMPOUND = 6, 3, 5, 9
OWN, WISHED = "own", "wished"


def stopwords() -> set[str]:
    return set(load_json("occupation_title_stopwords.json")["words"])


@dataclass
class OccupationTitles:
    """Phrase matchers from occupation labels to Competent codes: ``local`` (nl, fr) for every
    text, ``english`` for English texts, and the one-word Dutch titles for compounds."""

    local: PhraseMatcher
    english: PhraseMatcher
    words: dict[str, set[str]] = field(default_factory=dict)       # one-word nl title lemma -> codes
    shortened: dict[str, set[str]] = field(default_factory=dict)   # a title without its first letters -> codes
    known: set[str] = field(default_factory=set)                   # one-word labels and stopwords: never compounds

    def find(self, toks: Sequence[Tok], lang: str) -> list[PhraseMatcher.Match]:
        """Every title in ``toks`` (longest matches only; compounds for words no label matched)."""
        hits = self.local.find_tokens(toks)
        if lang == "en":    # English lemmas must not meet Dutch labels ("monitoring" -> "monitor")
            hits = [m for m in hits if all(t.norm == t.lemma for t in _inside(toks, m))] + self.english.find_tokens(toks)
        found = [m for m in longest(hits) if _not_a_verb_form(toks, m)]
        covered = {id(t) for m in found for t in _inside(toks, m)}
        if lang == "nl":        # Dutch compounds
            for t in toks:
                if id(t) in covered or len(t.norm) < MIN_COMPOUND or t.norm in self.known or t.lemma in self.known:
                    continue
                for code in sorted(self.compound_codes(t.lemma) or self.compound_codes(t.norm)):
                    found.append(PhraseMatcher.Match(t.start, t.end, code, 1))
        return sorted(found, key=lambda m: (m.start, m.key))

    def compound_codes(self, word: str) -> set[str]:
        """The occupations of a compound ``word`` that is not itself a label (``find`` checks that)."""
        if word in self.shortened:
            return self.shortened[word]
        for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
            codes = self.words.get(word[cut:])
            if codes:
                return codes
        return set()


def _inside(toks: Sequence[Tok], m: PhraseMatcher.Match) -> list[Tok]:
    return [t for t in toks if m.start <= t.start and t.end <= m.end]


def _not_a_verb_form(toks: Sequence[Tok], m: PhraseMatcher.Match) -> bool:
    """False when a word of the match only meets its label through an irregular lemma
    ("hielp" -> "helpen"): a noun's lemma keeps the word's first letters."""
    return all(t.norm[:3] == t.lemma[:3] for t in _inside(toks, m))


def occupation_titles(store) -> OccupationTitles:
    """The title matchers of a taxonomy store (labels nl and fr, en for English texts)."""
    to_competent = store.competent_occupation_of_esco()
    titles = {o.id: " ".join(t.norm for t in tokenize(o.label("nl") or "", "nl")) for o in store.occupations("competent")}
    competent = set(titles)
    stop = {strip_accents(w.lower()) for w in stopwords()}
    local, english = PhraseMatcher(max_tokens=6), PhraseMatcher(max_tokens=6)
    words: dict[str, set[str]] = {}
    known = set(stop)
    for oid, lang, label, _kind in store.labels("occupations"):
        code = oid if oid in competent else to_competent.get(oid)
        if not code or lang not in ("nl", "fr", "en"):
            continue
        toks = tokenize(label, lang)
        if len(toks) == 1:
            known.update((toks[0].norm, toks[0].lemma))
        if len(toks) == 1 and toks[0].norm in stop:
            continue            # "helper" must not come back through its lemma "helpen"
        (english if lang == "en" else local).add(label, code, lang)
        if lang == "nl" and len(toks) == 1 and len(toks[0].norm) >= MIN_HEAD:
            words.setdefault(toks[0].norm, set()).add(code)
    for pm in (local, english):
        pm.phrases = {k: _named_in_title(k, v, titles) for k, v in pm.phrases.items()
                      if len(v) <= MAX_OCCUPATIONS_PER_LABEL
                      and not (len(k) == 1 and (len(k[0]) < MIN_SINGLE_WORD or k[0] in stop))}
    words = {w: c for w, c in words.items() if len(c) <= MAX_OCCUPATIONS_PER_LABEL}
    shortened: dict[str, set[str]] = {}
    for w, codes in words.items():
        for cut in range(1, MAX_SHORTENED + 1):
            if len(w) - cut >= MIN_COMPOUND and w[cut:] not in known:
                shortened.setdefault(w[cut:], set()).update(codes)
    shortened = {w: c for w, c in shortened.items() if len(c) <= MAX_OCCUPATIONS_PER_LABEL}
    return OccupationTitles(local, english, words, shortened, known)


def _named_in_title(lemmas: tuple[str, ...], codes: set[str], titles: dict[str, str]) -> set[str]:
    """Which occupations a label names. Of those the crosswalk links, the one whose own Competent
    title contains the label ("boekhouder" -> *Boekhouder-boekhouder fiscalist*, not
    *Verantwoordelijke budgetbeheer*), when exactly one does. When none does, a one-word label
    names the Competent occupations whose title has it as a word or compound head ("lasser" ->
    *Halfautomaatlasser*, *TIG-lasser*, … rather than the two unrelated ones the crosswalk links),
    when there are at most :data:`MAX_HEADED_TITLES`; else all linked ones."""
    words = " ".join(lemmas)
    named = {c for c in codes if words in titles.get(c, "")}
    if len(named) == 1:
        return named
    if not named and len(codes) > 1 and len(lemmas) == 1 and len(words) >= MIN_SINGLE_WORD:
        headed = {c for c, t in titles.items() if any(w.endswith(words) for w in t.replace("-", " ").split())}
        if 0 < len(headed) <= MAX_HEADED_TITLES:
            return headed
    return codes


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


def preferred_codes(mentions: Iterable[tuple[str, str, int]], limit: int = 3) -> list[str]:
    """The occupations a text names, as preferred occupations: ``mentions`` are ``(code, status,
    times named)``; the person's own titles ranked by how often they are named, else (when the
    text names none) the titles of their job search."""
    mentions = list(mentions)
    for status in (OWN, WISHED):
        codes = [c for c, s, n in mentions if s == status for _ in range(n)]
        if codes:
            return ranked_codes(codes, limit)
    return []
