"""Plain dataclasses for the matching domain: vacancies, portfolios, their competences and evidence.

Pydantic models live only at the boundaries (import files, API); everything inside the matcher
works on these dataclasses. ``Portfolio.personal`` holds whatever identifying or protected data
came with the input (name, age, gender, nationality, diploma, ...): it is kept for the person's
own view and for counsellors, and **no scoring code ever reads it** (see ``tests/test_fairness.py``).

>>> v = Vacancy(id="V1", title="Magazijnier (m/v/x)", competences=[VacancyCompetence("SK-1", "essential")])
>>> [c.competence_id for c in v.essential]
['SK-1']
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

Importance = Literal["essential", "optional"]

#: Where a portfolio competence comes from. Evidence is shown, never weighted: a self-declared
#: competence counts as much as a certified one (many early school leavers have no papers).
EVIDENCE_SOURCES: tuple[str, ...] = (
    "cv",                       # a line of the CV
    "evc",                      # EVC-attest / erkenning verworven competenties
    "experience_certificate",   # ervaringsbewijs
    "self_declared",            # zelf opgegeven
    "counsellor_confirmed",     # bevestigd door een loopbaanbegeleider / VDAB-consulent
    "extracted",                # found by the extractor in free text
)
#: Where a vacancy's competence comes from: its text, the occupation profile, the employer's form.
VACANCY_EVIDENCE_SOURCES: tuple[str, ...] = ("vacancy_text", "profile", "employer", "extracted")
EVIDENCE_LABELS_NL = {
    "cv": "cv", "evc": "EVC-attest", "experience_certificate": "ervaringsbewijs",
    "self_declared": "zelf opgegeven", "counsellor_confirmed": "bevestigd door consulent",
    "extracted": "gevonden in tekst", "vacancy_text": "vacaturetekst", "profile": "beroepsprofiel",
    "employer": "werkgever",
}

#: Working regimes a vacancy can have and a person can accept.
REGIMES: tuple[str, ...] = ("full_time", "part_time", "shifts", "weekends", "nights", "flexible")
REGIME_LABELS_NL = {"full_time": "voltijds", "part_time": "deeltijds", "shifts": "ploegen",
                    "weekends": "weekendwerk", "nights": "nachtwerk", "flexible": "flexibel"}
CONTRACT_TYPES: tuple[str, ...] = ("permanent", "temporary", "interim", "freelance", "student", "internship", "flexi")
CONTRACT_LABELS_NL = {"permanent": "vast contract", "temporary": "tijdelijk contract", "interim": "interim",
                      "freelance": "freelance", "student": "studentenjob", "internship": "stage", "flexi": "flexi-job"}
#: Common European Framework levels, in order; a requirement is met at or above its level.
CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")
LANGUAGE_NAMES_NL = {"nl": "Nederlands", "fr": "Frans", "en": "Engels", "de": "Duits", "ar": "Arabisch",
                     "tr": "Turks", "pl": "Pools", "ro": "Roemeens", "es": "Spaans", "it": "Italiaans"}
#: Belgian driving licence categories, in the order the matcher encodes them.
LICENCES: tuple[str, ...] = ("AM", "A", "B", "BE", "C1", "C", "CE", "D", "G")
#: Longest free text (CV, vacancy, description) the service reads, in characters.
MAX_TEXT_CHARS = 20_000
#: What a vacancy, portfolio or account id may be: safe in a URL path, a line of a file, a log line
#: and every backend (no ``/``, no spaces, no control characters).
ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
MAX_ID_CHARS = 128
#: Longest value of any other string field (title, municipality, a ``personal`` value), in characters.
MAX_FIELD_CHARS = 1_000
#: Most items in any list of a record (competences, evidence, occupation codes, ...).
MAX_LIST_ITEMS = 500
#: ``personal`` and ``extra`` are free-form but flat: at most this many keys of at most
#: ``MAX_KEY_CHARS`` characters, each value a scalar or a list of scalars.
MAX_FREE_KEYS = 50
MAX_KEY_CHARS = 64
#: Deepest nesting of a record (a vacancy's ``competences[].evidence[]`` is 5 levels).
MAX_DEPTH = 8
#: Text fields that may hold ``MAX_TEXT_CHARS`` characters (and newlines, tabs); every other string
#: holds at most ``MAX_FIELD_CHARS`` and no control character at all.
LONG_TEXT_FIELDS = frozenset({"text", "cv_text"})
#: How much an asked competence weighs by its importance (coverage, vacancy vectors, profiles).
ESSENTIAL_WEIGHT = 1.0
OPTIONAL_WEIGHT = 0.35
#: Belgian driving licence categories; holding a higher one implies the lower (simplified).
LICENCE_IMPLIES = {"B": {"AM", "B"}, "BE": {"AM", "B", "BE"}, "C1": {"AM", "B", "C1"}, "C": {"AM", "B", "C1", "C"},
                   "CE": {"AM", "B", "BE", "C1", "C", "CE"}, "D": {"AM", "B", "D"}, "A": {"AM", "A"}, "AM": {"AM"},
                   "G": {"G"}}


def class_weight(importance: str) -> float:
    """1.0 for an essential competence, 0.35 for an optional one."""
    return ESSENTIAL_WEIGHT if importance == "essential" else OPTIONAL_WEIGHT


def cefr_rank(level: str | None) -> int:
    """``"B2"`` -> 4; unknown or empty -> 0 (no level)."""
    if not level:
        return 0
    level = level.strip().upper()
    if level in ("MOEDERTAAL", "NATIVE"):
        return len(CEFR_LEVELS)
    return CEFR_LEVELS.index(level) + 1 if level in CEFR_LEVELS else 0


def licences_held(licences: list[str]) -> set[str]:
    held: set[str] = set()
    for lic in licences:
        held |= LICENCE_IMPLIES.get(lic.upper(), {lic.upper()})
    return held


@dataclass
class Evidence:
    """Where a competence claim comes from: its kind (see ``EVIDENCE_SOURCES``), a quote, a span."""

    source: str
    text: str = ""
    start: int | None = None
    end: int | None = None
    confirmed_by: str | None = None
    date: str | None = None


@dataclass
class Location:
    municipality: str = ""
    postcode: str = ""
    province: str = ""
    region: str = ""
    lat: float | None = None
    lon: float | None = None
    precision: str = ""  # "postcode" | "municipality" | "nearby_postcode" | "province" | ""


@dataclass
class LanguageSkill:
    """A language (ISO 639-1 code) at a CEFR level; as a requirement, the minimum level."""

    code: str
    level: str = "B1"


@dataclass
class VacancyCompetence:
    competence_id: str
    importance: Importance = "essential"
    label: str = ""
    weight: float = 1.0          # relative weight inside its importance class (profile weight, 0..1]
    level: str | None = None     # proficiency asked (free text: "basis", "gevorderd", ...), shown only
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Vacancy:
    id: str
    title: str
    employer: str = ""
    text: str = ""
    occupation_codes: list[str] = field(default_factory=list)
    competences: list[VacancyCompetence] = field(default_factory=list)
    location: Location = field(default_factory=Location)
    regimes: list[str] = field(default_factory=list)
    contract_type: str = ""
    driving_licence: str | None = None
    languages: list[LanguageSkill] = field(default_factory=list)
    diplomas: list[str] = field(default_factory=list)   # shown, never enforced
    remote: bool = False
    synthetic: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def essential(self) -> list[VacancyCompetence]:
        return [c for c in self.competences if c.importance == "essential"]

    @property
    def optional(self) -> list[VacancyCompetence]:
        return [c for c in self.competences if c.importance != "essential"]


@dataclass
class PortfolioCompetence:
    competence_id: str
    label: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({e.source for e in self.evidence})


@dataclass
class Portfolio:
    """What a jobseeker can do and wants. ``personal`` is never read by any scoring code."""

    id: str
    competences: list[PortfolioCompetence] = field(default_factory=list)
    preferred_occupations: list[str] = field(default_factory=list)
    location: Location = field(default_factory=Location)
    max_distance_km: float | None = None
    regimes: list[str] = field(default_factory=list)          # accepted regimes; empty = any
    contract_types: list[str] = field(default_factory=list)   # accepted contracts; empty = any
    driving_licences: list[str] = field(default_factory=list)
    languages: list[LanguageSkill] = field(default_factory=list)
    personal: dict[str, object] = field(default_factory=dict)  # name, age, gender, nationality, diploma ...
    synthetic: bool = False
    extra: dict[str, object] = field(default_factory=dict)
    #: stated wishes that score factors read (e.g. ``{"remote": "preferred"}``); the keys and values
    #: are declared by the factors (``matcher.matching.factors.preference_specs``), checked on import
    preferences: dict[str, object] = field(default_factory=dict)


#: Fields that identify a person or describe a protected ground; they are stripped from the
#: employer's view and never scored.
PERSONAL_FIELDS: tuple[str, ...] = ("name", "first_name", "last_name", "age", "birth_date", "birth_year", "gender",
                                    "nationality", "origin", "diploma", "education", "email", "phone", "photo",
                                    "disability", "marital_status")


# ---------------------------------------------------------------------- (de)serialisation
def _evidence(items: list | None) -> list[Evidence]:
    return [e if isinstance(e, Evidence) else Evidence(**e) for e in (items or [])]


def _location(d: dict | Location | None) -> Location:
    if isinstance(d, Location):
        return d
    return Location(**(d or {}))


def _languages(items: list | None) -> list[LanguageSkill]:
    return [x if isinstance(x, LanguageSkill) else LanguageSkill(**x) for x in (items or [])]


def _record_from_dict(d: dict, record: type, competence: type):
    """Vacancies and portfolios nest the same parts (competences with evidence, location, languages)."""
    d = dict(d)
    d["competences"] = [competence(**{**c, "evidence": _evidence(c.get("evidence"))}) for c in d.get("competences", [])]
    d["location"] = _location(d.get("location"))
    d["languages"] = _languages(d.get("languages"))
    return record(**d)


def vacancy_from_dict(d: dict) -> Vacancy:
    """Inverse of ``dataclasses.asdict`` for a stored vacancy (no validation: see ``matcher.ingest``)."""
    return _record_from_dict(d, Vacancy, VacancyCompetence)


def portfolio_from_dict(d: dict) -> Portfolio:
    """Inverse of ``dataclasses.asdict`` for a stored portfolio (no validation: see ``matcher.ingest``)."""
    return _record_from_dict(d, Portfolio, PortfolioCompetence)


# ---------------------------------------------------------------------- input constraints
_ID = re.compile(ID_PATTERN)
#: C0 controls and DEL; a long text may keep tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SHORT = re.compile(r"[\x00-\x1f\x7f]")


def id_problem(value: object) -> str | None:
    """Why ``value`` is not a valid record id (``None``: it is)."""
    if not isinstance(value, str) or not _ID.match(value):
        return "een id bestaat uit 1 tot 128 tekens A-Z, a-z, 0-9, '.', '_', ':' of '-'"
    return None


def value_problems(value: Any, where: str = "", *, depth: int = 0, key: str = "") -> list[str]:
    """Every reason why a JSON-like record cannot be stored safely, as ``"path: reden"``.

    Refuses what breaks a backend or a reader downstream: NUL and other control characters,
    NaN and infinities, strings, lists and nesting beyond the limits above. Bounded by
    ``MAX_DEPTH``, so a hostile nesting costs nothing.
    """
    at = where or "record"
    if depth > MAX_DEPTH:
        return [f"{at}: te diep genest (hoogstens {MAX_DEPTH} niveaus)"]
    if isinstance(value, str):
        long = key in LONG_TEXT_FIELDS
        limit = MAX_TEXT_CHARS if long else MAX_FIELD_CHARS
        if len(value) > limit:
            return [f"{at}: hoogstens {limit} tekens"]
        if (_CONTROL if long else _CONTROL_SHORT).search(value):
            return [f"{at}: bevat een stuurteken (bijvoorbeeld NUL); dat is niet toegelaten"]
        return []
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{at}: NaN en oneindig zijn geen geldige getallen"]
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            if not isinstance(k, str) or len(k) > MAX_KEY_CHARS or _CONTROL_SHORT.search(k):
                out.append(f"{at}: ongeldige sleutel (hoogstens {MAX_KEY_CHARS} tekens, geen stuurtekens)")
                continue
            out += value_problems(v, f"{where}.{k}" if where else k, depth=depth + 1, key=k)
            if len(out) >= 10:
                break
        return out
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST_ITEMS:
            return [f"{at}: hoogstens {MAX_LIST_ITEMS} elementen"]
        out = []
        for k, v in enumerate(value):
            out += value_problems(v, f"{where}.{k}" if where else str(k), depth=depth + 1, key=key)
            if len(out) >= 10:
                break
        return out
    return []


def free_form_problems(value: Any, where: str) -> list[str]:
    """The schema of ``personal`` and ``extra``: a flat object of scalars or lists of scalars."""
    if not isinstance(value, dict):
        return [f"{where}: moet een object zijn"]
    if len(value) > MAX_FREE_KEYS:
        return [f"{where}: hoogstens {MAX_FREE_KEYS} sleutels"]
    out = []
    for k, v in value.items():
        items = v if isinstance(v, list) else [v]
        if any(isinstance(x, (dict, list)) for x in items):
            out.append(f"{where}.{k}: enkel tekst, getallen, ja/nee of een lijst daarvan")
    return out
