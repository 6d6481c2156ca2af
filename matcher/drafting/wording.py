"""The check, **in Dutch**, for vacancy wording that excludes people: the 19 protected criteria.

Belgian law names 19 protected criteria (Antidiscriminatiewet, Genderwet and Antiracismewet;
in Flanders also the decreet gelijke kansen en gelijke behandeling of 10 July 2008). Every
warning names its criterion and law, quotes the span and offers a neutral alternative.

The rules are data (``matcher/resources/wording_rules.json``): per criterion its label, law, UI
group and alternative; per rule a pattern (Dutch, French, English) and the exemptions that,
found in the same sentence, silence it — an inclusive statement, a sentence about the job's
content, a legal obligation, an ethos-based employer, a casting role, a safety rule, a task
reason for a physical demand, a CEFR level. A second table, ``wording_lexicon.json``, is the broad
layer that generalises beyond the sentences the first rules were written from: per criterion
*coded* wording that warns on its own ("jong team", "moedertaal", "goede familie"), *terms* that
name the trait and warn only when the sentence also sets, weighs or asks a condition (a
requirement, exclusion or inquiry cue: "je bent", "geen", "komen niet in aanmerking", "vermeld",
"uniquement", "must"; a concession followed by a deterrent, "vrouwen zijn ook welkom, maar…", counts
as an exclusion cue), *groups* of people that warn with an exclusion cue, and information that
must not be *asked*. A topic word whose sentence describes the work done with the group ("je gaat
om met jonge kinderen", "je organiseert de Pride") gives no warning unless the sentence excludes;
a concessive phrase ("ook voor deze job", "ook al hebben ze een arbeidsvergunning") voids a legal,
job or task exemption. Cues and exemptions are read in the whole sentence, across ';', and for a
question also in its answer ("Kanker gehad? Dan is deze job niets voor jou."). Gendered job titles are
``resources/gendered_titles.csv``; regulated professions (a nurse needs the recognised diploma
and visum) are ``resources/regulated_professions.json``: a diploma asked for one of them gives no
warning, so "of gelijkwaardig door ervaring" is never suggested there. Built in, because they
are checks rather than word lists: a title without "(m/v/x)" and diplomas given as structured
requirements.

>>> [w.criterion for w in check_text("Verkoper (m/v/x)", "Je komt in een jong en dynamisch team.")]
['age']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from matcher.resources import load_csv, load_json

DIPLOMA = "diploma"   # competence-based advice, not a protected criterion


@dataclass
class TextSpan:
    field: str        # "title" | "text" | "diplomas"
    start: int
    end: int
    text: str


@dataclass
class CheckWarning:
    category: str     # the UI group: "age" | "gender" | "origin" | "health" | "belief" | "personal" | "diploma"
    severity: str     # "warning" | "info"
    span: TextSpan
    reason: str
    alternative: str
    criterion: str = ""   # one of CRITERIA (the 19 protected criteria, or "diploma")
    law: str = ""


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str        # Dutch
    law: str
    group: str
    alternative: str


@dataclass(frozen=True)
class Rule:
    criterion: str
    pattern: re.Pattern
    reason: str
    alternative: str
    severity: str = "warning"
    unless: tuple[re.Pattern, ...] = ()      # exemptions looked up in the same sentence
    requires: re.Pattern | None = None       # a cue that must also be in the sentence (exclusion, inquiry)
    voidable: tuple[re.Pattern, ...] = ()    # the exemptions a concessive phrase ("ook voor deze job") voids

    @property
    def category(self) -> str:
        return CRITERIA[self.criterion].group


def _pattern(spec: str | list[str]) -> re.Pattern:
    """A case-insensitive pattern from one expression or a list of alternatives."""
    return re.compile(spec if isinstance(spec, str) else "|".join(f"(?:{s})" for s in spec), re.IGNORECASE)


def _stems(words: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)


_TABLE = load_json("wording_rules.json")
CRITERIA: dict[str, Criterion] = {k: Criterion(k, c["label"], c["law"], c["group"], c["alternative"])
                                  for k, c in _TABLE["criteria"].items()}
#: the protected criteria (without the diploma advice), in table order
PROTECTED: tuple[str, ...] = tuple(k for k in CRITERIA if k != DIPLOMA)
#: UI group -> Dutch label (the API shows it next to each warning)
GROUP_LABELS_NL: dict[str, str] = {"age": "leeftijd", "gender": "gender", "origin": "afkomst en taal",
                                   "health": "gezondheid en lichaam", "belief": "overtuiging",
                                   "personal": "persoonlijke situatie", "diploma": "diploma"}
_REGULATED_TABLE = load_json("regulated_professions.json")
#: a regulated profession or the words of its legal recognition
REGULATED = _stems(_REGULATED_TABLE["professions"] + _REGULATED_TABLE["evidence"])
#: exemption name -> pattern (``unless`` of a rule)
EXEMPTIONS: dict[str, re.Pattern] = {name: _pattern(spec) for name, spec in _TABLE["exemptions"].items()}
EXEMPTIONS["regulated"] = REGULATED
DIPLOMA_REASON = EXEMPTIONS["diploma_reason"]
_MESSAGES: dict[str, dict[str, str]] = _TABLE["messages"]


def _reason(text: str, crit: Criterion) -> str:
    return f"{text} Beschermd criterium: {crit.label} ({crit.law})." if crit.law else text


def _load_rules() -> list[Rule]:
    out = []
    for r in _TABLE["rules"]:
        crit = CRITERIA[r["criterion"]]
        unless = r.get("unless") or []
        unless, voidable = _exemptions([unless] if isinstance(unless, str) else unless)
        out.append(Rule(crit.id, _pattern(r["pattern"]), _reason(r.get("reason", ""), crit),
                        r.get("alternative", crit.alternative), r.get("severity", "warning"),
                        unless, CUES[r["requires"]] if r.get("requires") else None, voidable))
    return out


def _exemptions(names: list[str]) -> tuple[tuple[re.Pattern, ...], tuple[re.Pattern, ...]]:
    """A rule's exemptions by name, and those of them a concessive phrase voids."""
    return (tuple(EXEMPTIONS[u] for u in names), tuple(EXEMPTIONS[u] for u in names if u not in _NOT_VOIDABLE))


def _load_gendered_titles() -> dict[str, str]:
    """Gendered job title (lower case) -> a neutral one."""
    return {row["title"]: row["neutral"] for row in load_csv("gendered_titles.csv")}


_LEXICON = load_json("wording_lexicon.json")
EXEMPTIONS.update({name: _pattern(spec) for name, spec in _LEXICON["exemptions"].items()})
#: "ook voor deze job", "ook al", "volstaat niet": the sentence says the requirement holds without its reason
CONCESSIVE = _pattern(_LEXICON["concessive"])
#: a sentence that excludes, prefers or requires ("geen", "enkel", "komen niet in aanmerking", "uniquement", "only"),
#: or that deters after a concession ("vrouwen zijn ook welkom, maar…", "bienvenus, mais…")
EXCLUSION_CUES = _pattern(_LEXICON["exclusion_cues"] + _LEXICON["deterrent_cues"])
#: a sentence that asks for information ("vermeld", "peilen naar", "précisez", "please state")
INQUIRY_CUES = _pattern(_LEXICON["inquiry_cues"])
#: the trait is the object of the work ("je gaat om met jonge kinderen", "je organiseert de Pride"): with no
#: exclusion cue in the sentence a topic word (not coded wording) then gives no warning
TASK_CONTEXT = _pattern(_LEXICON["task_context"])
#: exemptions that the inclusive wording of a sentence gives; a concessive phrase does not void them
_NOT_VOIDABLE = ("inclusive",)
#: any wording that sets, asks or weighs a condition on the candidate: exclusion and inquiry cues plus
#: requirement wording ("je bent", "vereist", "voor deze functie", "vous êtes", "must", a "Label:" line)
CONDITION_CUES = _pattern(_LEXICON["condition_cues"] + _LEXICON["exclusion_cues"] + _LEXICON["deterrent_cues"]
                          + _LEXICON["inquiry_cues"])
CUES: dict[str, re.Pattern] = {"condition": CONDITION_CUES, "exclusion": EXCLUSION_CUES, "inquiry": INQUIRY_CUES}
_LEXICON_REASONS: dict[str, str] = {
    "coded": "Deze formulering sluit mensen uit op grond van een beschermd kenmerk of verwijst er verdoken naar "
             "(bv. 'jong team', 'moedertaal', 'goede familie'), zonder geldige reden in de zin.",
    "terms": "Deze formulering verwijst naar een beschermd kenmerk (of een verdoken aanwijzing ervan) zonder dat de zin "
             "een geldige reden geeft (wettelijke verplichting, wezenlijke en bepalende beroepsvereiste of positieve actie).",
    "groups": "Deze zin sluit een groep uit, of geeft een groep voorrang, op grond van een beschermd kenmerk.",
    "asked": "Deze zin vraagt naar beschermde persoonlijke informatie die voor de job niet nodig is.",
}
_LEXICON_CUES = {"coded": None, "terms": CONDITION_CUES, "groups": EXCLUSION_CUES, "asked": INQUIRY_CUES}


def _load_lexicon_rules() -> list[Rule]:
    """Rules from ``wording_lexicon.json``: per criterion its coded wording (always), its terms (with a
    condition cue in the sentence), its groups (with an exclusion cue) and the information it must not
    ask for (with an inquiry cue)."""
    out = []
    for cid, spec in _LEXICON["criteria"].items():
        crit = CRITERIA[cid]
        unless, voidable = _exemptions(spec.get("unless", []))
        for kind in ("coded", "terms", "groups", "asked"):
            if spec.get(kind):
                out.append(Rule(cid, _pattern(spec[kind]), _reason(_LEXICON_REASONS[kind], crit), crit.alternative,
                                "warning", unless, _LEXICON_CUES[kind], voidable))
    return out


RULES: list[Rule] = _load_rules()
#: the broad lexicon layer, checked after the hand-written rules of ``wording_rules.json``
LEXICON_RULES: list[Rule] = _load_lexicon_rules()
GENDERED_TITLES: dict[str, str] = _load_gendered_titles()

MVX = re.compile(r"\(?\s*[mvhfx]\s*/\s*[mvhfx](\s*/\s*[mvhfx])?\s*\)?", re.IGNORECASE)
MVX_FULL = re.compile(r"[mvhf]\s*/\s*[mvhf]\s*/\s*x|x\s*/\s*[mvhf]\s*/\s*[mvhf]|[mvhf]\s*/\s*x\s*/\s*[mvhf]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;\n](?=\s|$)")
_WORD = re.compile(r"[\wÀ-ÿ'-]+")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    a = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    m = _SENTENCE_END.search(text, end)
    return a, (m.start() if m else len(text))


_CLAUSE_END = re.compile(r"[.!?\n](?=\s|$)")


def _cue_window(text: str, a: int, b: int) -> str:
    """Where cues and exemptions of a match are looked up: its sentence, not cut at ';' ("je gebruikt je
    eigen auto; we betalen een vergoeding"), and for a question also the answer ("Kanker gehad? Dan is
    deze job niets voor jou.")."""
    while b < len(text) and text[b] == ";":
        m = _CLAUSE_END.search(text, b + 1)
        b = m.start() if m else len(text)
    if b < len(text) and text[b] == "?":
        m = _CLAUSE_END.search(text, b + 1)
        b = m.start() if m else len(text)
    return text[a:b]


def _message(kind: str, criterion: str, severity: str, span: TextSpan, **values: str) -> CheckWarning:
    msg, crit = _MESSAGES[kind], CRITERIA[criterion]
    return CheckWarning(crit.group, severity, span, _reason(msg["reason"].format(**values), crit),
                        msg["alternative"].format(**values), crit.id, crit.law)


def _rule_warnings(fld: str, body: str, regulated_title: bool) -> list[CheckWarning]:
    out: list[CheckWarning] = []
    seen: list[tuple[int, int, str]] = []
    for rule in RULES + LEXICON_RULES:
        for m in rule.pattern.finditer(body):
            if not m.group(0).strip():
                continue
            a, b = _sentence_bounds(body, m.start(), m.end())
            window = _cue_window(body, a, b)   # the sentence, across ';', and the answer to a question
            if rule.requires is not None:
                if not rule.requires.search(window):
                    continue
                if TASK_CONTEXT.search(window) and not EXCLUSION_CUES.search(window) and not CONCESSIVE.search(window):
                    continue
            voided = rule.voidable if CONCESSIVE.search(window) else ()
            if any(u.search(window) for u in rule.unless if u not in voided):
                continue
            if rule.criterion == DIPLOMA and regulated_title:
                continue
            # one warning per overlapping match and criterion; one diploma warning per sentence
            lo, hi = (a, b) if rule.criterion == DIPLOMA else (m.start(), m.end())
            if any(c == rule.criterion and st < hi and e > lo for st, e, c in seen):
                continue
            seen.append((m.start(), m.end(), rule.criterion))
            crit = CRITERIA[rule.criterion]
            out.append(CheckWarning(crit.group, rule.severity, TextSpan(fld, m.start(), m.end(), m.group(0)),
                                    rule.reason, rule.alternative, crit.id, crit.law))
    return out


def check_text(title: str, text: str, diplomas: list[str] | None = None) -> list[CheckWarning]:
    """All wording warnings for a title, a text and structured diploma requirements."""
    out: list[CheckWarning] = []
    regulated_title = bool(title and REGULATED.search(title))
    for fld, body in (("title", title or ""), ("text", text or "")):
        out += _rule_warnings(fld, body, regulated_title)
        for m in _WORD.finditer(body):
            word = m.group(0).lower()
            if word in GENDERED_TITLES:
                a, b = _sentence_bounds(body, m.start(), m.end())
                sentence = body[a:b]
                # a casting role, or a title written inclusively / required by law in the same sentence
                if EXEMPTIONS["casting"].search(sentence) or (fld == "text" and (
                        MVX_FULL.search(sentence) or EXEMPTIONS["legal"].search(sentence))):
                    continue
                out.append(_message("gendered_title", "sex", "warning", TextSpan(fld, m.start(), m.end(), m.group(0)),
                                    word=m.group(0), neutral=GENDERED_TITLES[word]))
    if title is not None and title.strip():
        m = MVX.search(title)
        if not m:
            out.append(_message("title_without_mvx", "sex", "warning", TextSpan("title", len(title), len(title), ""),
                                title=title.strip()))
        elif not MVX_FULL.search(title):
            out.append(_message("title_without_x", "sex", "info", TextSpan("title", m.start(), m.end(), m.group(0))))
    for k, d in enumerate(diplomas or []):
        if not DIPLOMA_REASON.search(d) and not REGULATED.search(d) and not regulated_title:
            out.append(_message("diploma_without_reason", DIPLOMA, "warning", TextSpan("diplomas", k, k + 1, d),
                                diploma=d))
    out.sort(key=lambda w: ({"title": 0, "text": 1, "diplomas": 2}[w.span.field], w.span.start, w.criterion))
    return out


def criteria_found(text: str) -> set[str]:
    """The protected criteria a sentence (without title) violates according to the check."""
    return {w.criterion for w in check_text("", text) if w.criterion in PROTECTED}
