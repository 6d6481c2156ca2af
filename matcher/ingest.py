"""Import vacancies and portfolios from JSON Lines: validated, reported per line, idempotent by id.

The schema is documented in ``data/schemas/vacancy.schema.json`` and
``data/schemas/portfolio.schema.json`` (generated from the models below; ``cmatch vacancies
schema`` prints them) and in ``matcher/MATCHING.md``.

* Every line is validated on its own: JSON syntax, required fields, types, enumerations (Dutch
  aliases such as ``voltijds`` or ``vast`` are accepted), and references: competence ids and
  occupation codes must exist in the taxonomy; a competence given only by ``label`` must match a
  known label exactly (case-insensitive).
* A bad line is rejected with its line number and reasons; the good lines are stored anyway
  (nothing is lost on a bad line).
* Storing is an upsert by ``id``: importing the same file twice changes nothing (reported as
  ``unchanged``); a changed record is ``updated``.

Pydantic lives here because this is a boundary; what comes out are :mod:`indexer.domain`
dataclasses.
"""
from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from indexer.domain import (CEFR_LEVELS, CONTRACT_TYPES, EVIDENCE_SOURCES, ID_PATTERN, MAX_ID_CHARS, PERSONAL_FIELDS,
                     REGIMES, free_form_problems, value_problems,
                     VACANCY_EVIDENCE_SOURCES, Evidence,
                     LanguageSkill, Location, Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence)
from indexer.storage.protocol import WriteCounts
from matcher.extraction.occupations import preferred_codes
from matcher.text.cues import held_licences_and_languages
from matcher.geo import locate
from matcher.matching.factors import preference_specs
from matcher.matching.near import MatchTaxonomy

REGIME_ALIASES = {"voltijds": "full_time", "fulltime": "full_time", "full-time": "full_time",
                  "deeltijds": "part_time", "parttime": "part_time", "part-time": "part_time",
                  "ploegen": "shifts", "ploegenarbeid": "shifts", "ploegwerk": "shifts", "weekend": "weekends",
                  "weekendwerk": "weekends", "nacht": "nights", "nachtwerk": "nights", "flexibel": "flexible"}
CONTRACT_ALIASES = {"vast": "permanent", "onbepaalde duur": "permanent", "tijdelijk": "temporary",
                    "bepaalde duur": "temporary", "uitzend": "interim", "zelfstandige": "freelance",
                    "studentenjob": "student", "stage": "internship", "flexijob": "flexi", "flexi-job": "flexi"}
EVIDENCE_ALIASES = {"ervaringsbewijs": "experience_certificate", "zelf": "self_declared",
                    "consulent": "counsellor_confirmed", "counsellor": "counsellor_confirmed",
                    "evc-attest": "evc"}
IMPORTANCE_ALIASES = {"essentieel": "essential", "required": "essential", "vereist": "essential",
                      "optioneel": "optional", "nice_to_have": "optional", "pluspunt": "optional"}


def _norm(value: str, aliases: dict[str, str]) -> str:
    v = value.strip().lower()
    return aliases.get(v, v)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LocationIn(_Model):
    """Where: a Belgian postcode and/or municipality (province and region are derived)."""

    municipality: str = ""
    postcode: str = Field("", pattern=r"^(\d{4})?$", description="Belgian postcode, 4 digits")
    province: str = ""


class LanguageIn(_Model):
    code: str = Field(..., min_length=2, max_length=3, description="ISO 639-1 code, e.g. 'nl'")
    level: str = Field("B1", description="CEFR level A1..C2 (for a requirement: the minimum)")

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return v.lower()

    @field_validator("level")
    @classmethod
    def _level(cls, v: str) -> str:
        v = v.strip().upper()
        if v in ("MOEDERTAAL", "NATIVE"):
            return "C2"
        if v not in CEFR_LEVELS:
            raise ValueError(f"taalniveau '{v}' is geen ERK-niveau ({', '.join(CEFR_LEVELS)})")
        return v


class EvidenceIn(_Model):
    source: str = Field(..., description="portfolio: " + "|".join(EVIDENCE_SOURCES)
                        + "; vacancy: " + "|".join(VACANCY_EVIDENCE_SOURCES))
    text: str = ""
    start: int | None = None
    end: int | None = None
    confirmed_by: str | None = None
    date: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        v = _norm(v, EVIDENCE_ALIASES)
        if v not in EVIDENCE_SOURCES and v not in VACANCY_EVIDENCE_SOURCES:
            raise ValueError(f"onbekende bron '{v}' (kies uit {', '.join(EVIDENCE_SOURCES + VACANCY_EVIDENCE_SOURCES)})")
        return v


class VacancyCompetenceIn(_Model):
    id: str | None = Field(None, description="Competent code (SK-/KN-/SO-) or ESCO skill URI")
    label: str | None = Field(None, description="Label; used to find the id when no id is given")
    importance: str = Field("essential", description="essential|optional (Dutch aliases: essentieel|optioneel)")
    requirement: str | None = Field(None, description="alternative to importance: required|nice_to_have")
    weight: float = Field(1.0, ge=0, le=1)
    level: str | None = None
    evidence: list[EvidenceIn] = Field(default_factory=list)

    @field_validator("importance")
    @classmethod
    def _imp(cls, v: str) -> str:
        v = _norm(v, IMPORTANCE_ALIASES)
        if v not in ("essential", "optional"):
            raise ValueError(f"importance '{v}' moet essential of optional zijn")
        return v

    @model_validator(mode="after")
    def _id_or_label(self):
        if not self.id and not self.label:
            raise ValueError("een competentie heeft een id of een label nodig")
        if self.requirement is not None:
            req = _norm(self.requirement, IMPORTANCE_ALIASES)
            if req not in ("essential", "optional"):
                raise ValueError(f"requirement '{self.requirement}' moet required of nice_to_have zijn")
            self.importance = req
        return self


class PortfolioCompetenceIn(_Model):
    id: str | None = Field(None, description="Competent code (SK-/KN-/SO-) or ESCO skill URI")
    label: str | None = None
    source: str | None = Field(None, description="shorthand for one evidence item of this source")
    evidence: list[EvidenceIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _id_or_label(self):
        if not self.id and not self.label:
            raise ValueError("een competentie heeft een id of een label nodig")
        if self.source is not None:
            self.evidence = [EvidenceIn(source=self.source), *self.evidence]
            self.source = None
        return self


def _regimes(v: list[str]) -> list[str]:
    out = []
    for r in v:
        r = _norm(r, REGIME_ALIASES)
        if r not in REGIMES:
            raise ValueError(f"onbekend regime '{r}' (kies uit {', '.join(REGIMES)})")
        out.append(r)
    return out


def _contract(v: str) -> str:
    v = _norm(v, CONTRACT_ALIASES)
    if v and v not in CONTRACT_TYPES:
        raise ValueError(f"onbekend contracttype '{v}' (kies uit {', '.join(CONTRACT_TYPES)})")
    return v


# Field types both record models share, so each check is declared once (pydantic runs them
# after the list/str validation, as a field validator would).
Regimes = Annotated[list[str], AfterValidator(_regimes)]
ContractType = Annotated[str, AfterValidator(_contract)]
ContractTypes = Annotated[list[str], AfterValidator(lambda v: [_contract(x) for x in v])]


class VacancyIn(_Model):
    """One vacancy (one line of a vacancies JSONL file)."""

    id: str = Field(..., min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN)
    title: str = Field(..., min_length=1)
    employer: str = ""
    text: str = ""
    occupation_codes: list[str] = Field(default_factory=list, description="Competent OP codes or ESCO occupation URIs")
    competences: list[VacancyCompetenceIn] = Field(default_factory=list)
    location: LocationIn = Field(default_factory=LocationIn)
    regimes: Regimes = Field(default_factory=list, description="|".join(REGIMES))
    contract_type: ContractType = Field("", description="|".join(CONTRACT_TYPES))
    driving_licence: str | None = None
    languages: list[LanguageIn] = Field(default_factory=list)
    diplomas: list[str] = Field(default_factory=list, description="shown with results, never enforced")
    remote: bool = False
    synthetic: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)


def _preferences_model() -> type[BaseModel]:
    """A portfolio's ``preferences``: exactly the keys the score factors declare, each one of its values."""
    specs = preference_specs()

    def check(cls, v: Any, info) -> Any:
        v = v.strip().lower() if isinstance(v, str) else v
        if v is not None and v not in specs[info.field_name].values:
            raise ValueError(f"onbekende waarde '{v}' (kies uit {', '.join(specs[info.field_name].values)})")
        return v

    validators = {"_check": field_validator(*specs, mode="before")(check)} if specs else {}
    return create_model("PreferencesIn", __base__=_Model, __validators__=validators,
                        **{k: (Literal[p.values] | None, Field(None, description=p.description)) for k, p in specs.items()})


PreferencesIn = _preferences_model()


class PortfolioIn(_Model):
    """One portfolio (one line of a portfolios JSONL file, or a ``--portfolio`` file).

    ``name``, ``age``, ``gender``, ``nationality``, ``diploma`` ... may be given at the top level
    or in ``personal``; they are kept in ``personal`` and never used for scoring.
    """

    id: str = Field(..., min_length=1, max_length=MAX_ID_CHARS, pattern=ID_PATTERN)
    competences: list[PortfolioCompetenceIn] = Field(default_factory=list)
    cv_text: str | None = Field(None, description="free text; competences are extracted when an extractor is available")
    preferred_occupations: list[str] = Field(default_factory=list)
    location: LocationIn = Field(default_factory=LocationIn)
    max_distance_km: float | None = Field(None, ge=0, le=500)
    regimes: Regimes = Field(default_factory=list)
    contract_types: ContractTypes = Field(default_factory=list)
    driving_licences: list[str] = Field(default_factory=list)
    languages: list[LanguageIn] = Field(default_factory=list)
    personal: dict[str, Any] = Field(default_factory=dict, description="never used for scoring")
    synthetic: bool = False
    extra: dict[str, Any] = Field(default_factory=dict)
    preferences: PreferencesIn = Field(default_factory=PreferencesIn, description="wishes the score factors read")

    @model_validator(mode="before")
    @classmethod
    def _move_personal(cls, data: Any) -> Any:
        if isinstance(data, dict):
            moved = {k: data[k] for k in PERSONAL_FIELDS if k in data}
            if moved:
                data = {k: v for k, v in data.items() if k not in moved}
                personal = data.get("personal") if isinstance(data.get("personal"), dict) else {}
                data["personal"] = {**moved, **personal}
        return data


# ====================================================================== resolving
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(text.split())


class Resolver:
    """Checks ids against the taxonomy and finds competences by exact label."""

    def __init__(self, tax: MatchTaxonomy):
        self.tax = tax
        self._by_label: dict[str, str] | None = None

    @property
    def by_label(self) -> dict[str, str]:
        if self._by_label is None:
            m: dict[str, str] = {}
            # Competent first, so a Dutch label shared with ESCO resolves to the Flemish vocabulary
            items = sorted(self.tax.competence_labels.items(), key=lambda kv: (kv[0].startswith("http"), kv[0]))
            for cid, label in items:
                m.setdefault(_fold(label), cid)
            for cid, alts in sorted(self.tax.competence_alt_labels.items()):
                for a in alts:
                    m.setdefault(_fold(a), cid)
            self._by_label = m
        return self._by_label

    def competence(self, cid: str | None, label: str | None, errors: list[str], where: str) -> tuple[str, str] | None:
        if cid:
            if cid not in self.tax.competence_labels:
                errors.append(f"{where}: onbekende competentie '{cid}'")
                return None
            return cid, label or self.tax.label(cid)
        found = self.by_label.get(_fold(label or ""))
        if not found:
            errors.append(f"{where}: geen competentie met label '{label}' (geef een id, of gebruik 'cmatch competences search')")
            return None
        return found, label or self.tax.label(found)

    def occupation(self, code: str, errors: list[str], where: str) -> bool:
        if code not in self.tax.occupation_labels:
            errors.append(f"{where}: onbekend beroep '{code}'")
            return False
        return True


def _location(loc: LocationIn) -> Location:
    return locate(postcode=loc.postcode or None, municipality=loc.municipality or None, province=loc.province or None)


def _pydantic_errors(exc: ValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e.get("loc", ())) or "record"
        msg = e.get("msg", "").removeprefix("Value error, ")
        out.append(f"{where}: {msg}")
    return out


def _validated(model: type[BaseModel], data: dict, resolver: Resolver, occupations: str) -> tuple[Any, list[str]]:
    """``(record, errors)``: ``(None, schema errors)``, else the record and the unknown codes of its
    ``occupations`` field."""
    if not isinstance(data, dict):
        return None, ["record: moet een JSON-object zijn"]
    problems = value_problems(data)
    for name in ("personal", "extra"):
        if name in data:
            problems += free_form_problems(data[name], name)
    problems += free_form_problems({k: data[k] for k in PERSONAL_FIELDS if k in data}, "personal")
    if problems:
        return None, problems
    try:
        m = model.model_validate(data)
    except ValidationError as exc:
        return None, _pydantic_errors(exc)
    errors: list[str] = []
    for code in getattr(m, occupations):
        resolver.occupation(code, errors, occupations)
    return m, errors


def _resolved(resolver: Resolver, items: list, errors: list[str]) -> Iterator[tuple[Any, str, str]]:
    """``(input competence, id, label)`` of each competence the resolver finds; the rest go to ``errors``."""
    for k, c in enumerate(items):
        got = resolver.competence(c.id, c.label, errors, f"competences.{k}")
        if got is not None:
            yield c, *got


def vacancy_from_input(data: dict, resolver: Resolver) -> tuple[Vacancy | None, list[str]]:
    """Validate one vacancy document; ``(vacancy, [])`` or ``(None, reasons)``."""
    m, errors = _validated(VacancyIn, data, resolver, "occupation_codes")
    if m is None:
        return None, errors
    comps: dict[str, VacancyCompetence] = {}
    for c, cid, label in _resolved(resolver, m.competences, errors):
        old = comps.get(cid)
        if old is not None and old.importance == "essential":
            continue
        comps[cid] = VacancyCompetence(cid, c.importance, label, c.weight, c.level,
                                       [Evidence(**e.model_dump()) for e in c.evidence])
    if errors:
        return None, errors
    v = Vacancy(id=m.id, title=m.title, employer=m.employer, text=m.text, occupation_codes=list(m.occupation_codes),
                competences=list(comps.values()), location=_location(m.location), regimes=m.regimes,
                contract_type=m.contract_type, driving_licence=(m.driving_licence or None) and m.driving_licence.upper(),
                languages=[LanguageSkill(l.code, l.level) for l in m.languages], diplomas=list(m.diplomas),
                remote=m.remote, synthetic=m.synthetic, extra=dict(m.extra))
    return v, []


def portfolio_from_input(data: dict, resolver: Resolver, extractor=None) -> tuple[Portfolio | None, list[str]]:
    """Validate one portfolio document; ``cv_text`` is run through ``extractor`` when given."""
    m, errors = _validated(PortfolioIn, data, resolver, "preferred_occupations")
    if m is None:
        return None, errors
    comps: dict[str, PortfolioCompetence] = {}
    for c, cid, label in _resolved(resolver, m.competences, errors):
        ev = [Evidence(**e.model_dump()) for e in c.evidence] or [Evidence("self_declared")]
        if cid in comps:
            comps[cid].evidence.extend(ev)
        else:
            comps[cid] = PortfolioCompetence(cid, label, ev)
    extracted, named, held = [], [], []
    if m.cv_text and extractor is not None:
        try:
            ex = extractor.extract(m.cv_text, kind="cv")
            extracted, named, held = ex.competences, ex.occupations, ex.requirements
        except Exception as exc:  # extraction needs the model/index; the portfolio itself stays valid
            m.extra["cv_text_note"] = f"cv_text niet geanalyseerd: {exc}"
    preferred = list(m.preferred_occupations)
    if named:
        # the occupations a CV names as the person's own stand in for a preference the person did not state
        m.extra["occupations_from_text"] = preferred_codes(
            (o.occupation_code, o.status, len(o.spans)) for o in named if o.occupation_code in resolver.tax.occupation_labels)
        preferred = preferred or list(m.extra["occupations_from_text"])
    licences = [x.upper() for x in m.driving_licences]
    languages = [LanguageSkill(l.code, l.level) for l in m.languages]
    if held:
        # licences and languages the CV says the person holds stand in for fields left empty
        from_text, langs_from_text = held_licences_and_languages(held)
        if not licences and from_text:
            licences = list(from_text)
            m.extra["licences_from_text"] = from_text
        if not languages and langs_from_text:
            languages = [LanguageSkill(c, lv) for c, lv in langs_from_text]
            m.extra["languages_from_text"] = [{"code": c, "level": lv} for c, lv in langs_from_text]
    for ec in extracted:
        ev = [Evidence("extracted", s.text, s.start, s.end) for s in ec.spans] or [Evidence("extracted")]
        if ec.competence_id in comps:
            comps[ec.competence_id].evidence.extend(ev)
        elif ec.competence_id in resolver.tax.competence_labels:
            comps[ec.competence_id] = PortfolioCompetence(ec.competence_id, ec.label, ev)
    if errors:
        return None, errors
    p = Portfolio(id=m.id, competences=list(comps.values()), preferred_occupations=preferred,
                  location=_location(m.location), max_distance_km=m.max_distance_km, regimes=m.regimes,
                  contract_types=m.contract_types, driving_licences=licences,
                  languages=languages, personal=dict(m.personal),
                  synthetic=m.synthetic, extra=dict(m.extra), preferences=m.preferences.model_dump(exclude_none=True))
    return p, []


# ====================================================================== files
@dataclass
class Rejected:
    line: int
    id: str | None
    reasons: list[str]


@dataclass(kw_only=True)
class ImportReport(WriteCounts):
    kind: str
    file: str
    lines: int = 0
    accepted: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def json_lines(path: Path) -> Iterator[tuple[int, dict | None, str | None]]:
    """``(line number, object, None)`` for every JSON-object line, ``(line number, None, reason)``
    for every other non-blank line (the Dutch reason a report shows)."""
    with open(path, encoding="utf-8-sig") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                yield no, None, f"geen geldige JSON: {exc.msg} (kolom {exc.colno})"
                continue
            if isinstance(data, dict):
                yield no, data, None
            else:
                yield no, None, "een regel moet één JSON-object zijn"


def import_jsonl(path: Path | str, kind: Literal["vacancies", "portfolios"], repo, resolver: Resolver, *,
                 extractor=None, batch: int = 2000) -> ImportReport:
    """Import one JSONL file into ``repo``; see the module docstring for the rules."""
    t0 = time.perf_counter()
    path = Path(path)
    report = ImportReport(kind=kind, file=str(path))
    pending: list = []
    first_line: dict[str, int] = {}
    upsert = repo.upsert_vacancies if kind == "vacancies" else repo.upsert_portfolios

    def flush():
        if pending:
            res = upsert(pending)
            report.add(res)
            for rid, why in res.rejected:  # refused by the store itself: reported like a bad line
                report.accepted -= 1
                report.rejected.append(Rejected(first_line.get(rid, 0), rid, [why]))
            pending.clear()

    for no, data, problem in json_lines(path):
        report.lines += 1
        if data is None:
            report.rejected.append(Rejected(no, None, [problem]))
            continue
        if kind == "vacancies":
            obj, errors = vacancy_from_input(data, resolver)
        else:
            obj, errors = portfolio_from_input(data, resolver, extractor)
        if obj is None:
            report.rejected.append(Rejected(no, data.get("id") if isinstance(data.get("id"), str) else None, errors))
            continue
        if obj.id in first_line:
            report.duplicates.append({"id": obj.id, "line": no, "first_line": first_line[obj.id],
                                      "note": "zelfde id verder in het bestand: de laatste versie telt"})
        first_line.setdefault(obj.id, no)
        report.accepted += 1
        pending.append(obj)
        if len(pending) >= batch:
            flush()
    flush()
    report.seconds = round(time.perf_counter() - t0, 2)
    return report


def schemas() -> dict[str, dict]:
    """JSON Schemas of the import formats (what ``data/schemas/*.schema.json`` hold)."""
    v = VacancyIn.model_json_schema()
    v["$id"] = "https://competentiematch.example/schemas/vacancy.schema.json"
    v["description"] = ("One vacancy per line (JSON Lines). Imported with `cmatch vacancies import FILE.jsonl`; "
                        "upsert by id. " + (v.get("description") or ""))
    p = PortfolioIn.model_json_schema()
    p["$id"] = "https://competentiematch.example/schemas/portfolio.schema.json"
    p["description"] = ("One portfolio per line (JSON Lines), or one object in a --portfolio file. "
                        "Personal fields (name, age, gender, nationality, diploma, ...) are allowed at the top "
                        "level or under `personal`; they are never used for scoring.")
    p["properties"].update({k: {"description": "personal field: stored in `personal`, never scored"}
                            for k in PERSONAL_FIELDS})
    return {"vacancy": v, "portfolio": p}


def read_portfolio_file(path: Path | str, resolver: Resolver, extractor=None) -> Portfolio:
    """One portfolio from a JSON file (same schema as a portfolios line); raises ``ValueError``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: geen geldige JSON: {exc}") from exc
    data.setdefault("id", Path(path).stem)
    p, errors = portfolio_from_input(data, resolver, extractor)
    if p is None:
        raise ValueError(f"{path}: portfolio ongeldig:\n  " + "\n  ".join(errors))
    return p


def read_vacancy_file(path: Path | str, resolver: Resolver) -> Vacancy:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: geen geldige JSON: {exc}") from exc
    data.setdefault("id", Path(path).stem)
    data.setdefault("title", "")
    v, errors = vacancy_from_input(data, resolver)
    if v is None:
        raise ValueError(f"{path}: vacature ongeldig:\n  " + "\n  ".join(errors))
    return v

