"""The check, **in Dutch**, for vacancy wording that excludes people.

Every warning carries its reason and a neutral alternative. The rules are data
(``matcher/resources/wording_rules.json``): a category, a pattern, the reason, the alternative,
and optionally an exemption that silences the rule when found in the same sentence (a job
reason for a health requirement, "of gelijkwaardig door ervaring" for a diploma). Gendered job
titles are ``resources/gendered_titles.csv``. Built in, because they are checks rather than
word lists: a title without "(m/v/x)" and diplomas given as structured requirements.

The legal background is the federal Antidiscriminatiewet and Genderwet (10 mei 2007) and the
Vlaams decreet gelijke kansen en gelijke behandeling (10 juli 2008).

>>> [w.category for w in check_text("Verkoper (m/v/x)", "Je komt in een jong en dynamisch team.")]
['age']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from matcher.resources import load_csv, load_json


@dataclass
class TextSpan:
    field: str        # "title" | "text" | "diplomas"
    start: int
    end: int
    text: str


@dataclass
class CheckWarning:
    category: str     # "age" | "gender" | "origin" | "health" | "diploma"
    severity: str     # "warning" | "info"
    span: TextSpan
    reason: str
    alternative: str


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern
    reason: str
    alternative: str
    severity: str = "warning"
    unless: re.Pattern | None = None      # an exemption in the same sentence


def _pattern(spec: str | list[str]) -> re.Pattern:
    """A case-insensitive pattern from one expression or a list of alternatives."""
    return re.compile(spec if isinstance(spec, str) else "|".join(spec), re.IGNORECASE)


_TABLE = load_json("wording_rules.json")
LAW: str = _TABLE["law"]
#: exemption name -> pattern (``unless`` of a rule)
EXEMPTIONS: dict[str, re.Pattern] = {name: _pattern(spec) for name, spec in _TABLE["exemptions"].items()}
DIPLOMA_REASON = EXEMPTIONS["diploma_reason"]
_MESSAGES: dict[str, dict[str, str]] = _TABLE["messages"]


def _load_rules() -> list[Rule]:
    return [Rule(r["category"], _pattern(r["pattern"]), r["reason"].format(law=LAW), r["alternative"].format(law=LAW),
                 r.get("severity", "warning"), EXEMPTIONS[r["unless"]] if r.get("unless") else None)
            for r in _TABLE["rules"]]


def _load_gendered_titles() -> dict[str, str]:
    """Gendered job title (lower case) -> a neutral one."""
    return {row["title"]: row["neutral"] for row in load_csv("gendered_titles.csv")}


RULES: list[Rule] = _load_rules()
GENDERED_TITLES: dict[str, str] = _load_gendered_titles()

MVX = re.compile(r"\(?\s*[mvhfx]\s*/\s*[mvhfx](\s*/\s*[mvhfx])?\s*\)?", re.IGNORECASE)
MVX_FULL = re.compile(r"[mvhf]\s*/\s*[mvhf]\s*/\s*x|x\s*/\s*[mvhf]\s*/\s*[mvhf]|[mvhf]\s*/\s*x\s*/\s*[mvhf]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?\n]")
_WORD = re.compile(r"[\wÀ-ÿ'-]+")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    a = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    m = _SENTENCE_END.search(text, end)
    return a, (m.start() if m else len(text))


def _message(kind: str, category: str, severity: str, span: TextSpan, **values: str) -> CheckWarning:
    msg = _MESSAGES[kind]
    return CheckWarning(category, severity, span, msg["reason"].format(**values), msg["alternative"].format(**values))


def check_text(title: str, text: str, diplomas: list[str] | None = None) -> list[CheckWarning]:
    """All wording warnings for a title, a text and structured diploma requirements."""
    out: list[CheckWarning] = []
    seen: list[tuple[str, int, int, str]] = []
    for fld, body in (("title", title or ""), ("text", text or "")):
        for rule in RULES:
            for m in rule.pattern.finditer(body):
                a, b = _sentence_bounds(body, m.start(), m.end())
                if rule.unless is not None and rule.unless.search(body[a:b]):
                    continue
                # one warning per overlapping match and category; one diploma warning per sentence
                if rule.category != "diploma":
                    a, b = m.start(), m.end()
                if any(f == fld and c == rule.category and st < b and e > a for f, st, e, c in seen):
                    continue
                seen.append((fld, m.start(), m.end(), rule.category))
                out.append(CheckWarning(rule.category, rule.severity, TextSpan(fld, m.start(), m.end(), m.group(0)),
                                        rule.reason, rule.alternative))
        for m in _WORD.finditer(body):
            word = m.group(0).lower()
            if word in GENDERED_TITLES:
                out.append(_message("gendered_title", "gender", "warning", TextSpan(fld, m.start(), m.end(), m.group(0)),
                                    word=m.group(0), neutral=GENDERED_TITLES[word]))
    if title is not None and title.strip():
        m = MVX.search(title)
        if not m:
            out.append(_message("title_without_mvx", "gender", "warning", TextSpan("title", len(title), len(title), ""),
                                title=title.strip()))
        elif not MVX_FULL.search(title):
            out.append(_message("title_without_x", "gender", "info", TextSpan("title", m.start(), m.end(), m.group(0))))
    for k, d in enumerate(diplomas or []):
        if not DIPLOMA_REASON.search(d):
            out.append(_message("diploma_without_reason", "diploma", "warning", TextSpan("diplomas", k, k + 1, d),
                                diploma=d))
    out.sort(key=lambda w: ({"title": 0, "text": 1, "diplomas": 2}[w.span.field], w.span.start, w.category))
    return out
