"""Vacancy drafting for employers: suggest, draft, check.

* :meth:`VacancyDrafting.suggest` — occupation -> essential and optional competences (:mod:`.suggest`).
* :meth:`VacancyDrafting.draft` — free text -> a structured draft through the extractor
  (competences with requirement level, diplomas, licences, languages), then the check.
* :meth:`VacancyDrafting.check` — the wording check (:mod:`.wording`) plus, per requirement, how
  many relevant candidates it removes (:mod:`.impact`).

Every dependency is a :class:`~indexer.lazy.Lazy` handle opened on first use, so the wording
check still answers without a taxonomy store, a label index or indexed candidates.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.domain import CEFR_LEVELS, LANGUAGE_NAMES_NL, LICENCES, Evidence, LanguageSkill, Vacancy, VacancyCompetence
from indexer.label_index import active_folder
from indexer.lazy import Lazy
from matcher.drafting.impact import POOL_DEFINITION, RequirementImpact, requirement_impacts
from matcher.drafting.suggest import SuggestResult, suggest
from matcher.drafting.wording import CheckWarning, check_text
from matcher.extraction import Extraction
from matcher.ingest import Resolver, read_vacancy_file

if TYPE_CHECKING:  # pragma: no cover
    from indexer.storage.protocol import VacancyRepository
    from matcher.extraction import CompetenceExtractor
    from matcher.matching.engine import MatchEngine
    from matcher.matching.near import MatchTaxonomy
    from matcher.search.normalise import OccupationNormaliser

NO_INDEX = "geen actieve labelindex ('cmatch index build')"
_LICENCE = re.compile(r"\b(" + "|".join(LICENCES) + r")\b", re.IGNORECASE)


@dataclass
class CheckResult:
    vacancy_id: str
    warnings: list[CheckWarning]
    counts: dict[str, int]
    requirements: list[RequirementImpact]
    pool_size: int
    pool_definition: str


@dataclass
class DraftResult:
    vacancy: Vacancy
    occupation_candidates: list[dict]
    extraction: dict
    check: CheckResult | None
    notes: list[str] = field(default_factory=list)


class VacancyDrafting:
    """Suggest, draft and check vacancies.

    ``extractor`` and ``normaliser`` are only used when ``index_dir`` holds an active label
    index; without them a draft has no extracted competences and no guessed occupation.
    """

    def __init__(self, taxonomy: Lazy["MatchTaxonomy"], repository: Lazy["VacancyRepository"],
                 engine: Lazy["MatchEngine"], extractor: Lazy["CompetenceExtractor"] | None = None,
                 normaliser: Lazy["OccupationNormaliser"] | None = None, index_dir: Path | None = None):
        self._taxonomy = taxonomy
        self._repository = repository
        self._engine = engine
        self._extractor = extractor
        self._normaliser = normaliser
        self._index_dir = index_dir

    @property
    def tax(self) -> "MatchTaxonomy":
        return self._taxonomy.get()

    # -------------------------------------------------------------- suggest
    def suggest(self, occupation: str, *, n_essential: int = 10, n_optional: int = 10) -> SuggestResult | None:
        return suggest(self.tax, occupation, n_essential=n_essential, n_optional=n_optional)

    # -------------------------------------------------------------- draft
    def _index_ready(self) -> bool:
        return self._index_dir is not None and active_folder(self._index_dir) is not None

    def _extract(self, text: str, notes: list[str]) -> Extraction:
        try:
            if not self._index_ready() or self._extractor is None:
                raise FileNotFoundError(NO_INDEX)
            return self._extractor.get().extract(text, kind="vacancy")
        except (ImportError, ModuleNotFoundError, FileNotFoundError) as exc:
            # without extraction the draft still gets its wording check
            notes.append(f"geen competenties geëxtraheerd: {exc}")
            return Extraction("nl", [], [])

    def _occupations(self, title: str, text: str, occupation: str | None, notes: list[str]) -> list[dict]:
        if occupation:
            return [{"code": occupation, "label": self.tax.occupation_label(occupation), "confidence": 1.0,
                     "shortage": self.tax.shortage_of(occupation) is not None, "given": True}]
        if not self._index_ready() or self._normaliser is None:
            notes.append(f"beroep niet bepaald: {NO_INDEX}")
            return []
        candidates: list[dict] = []
        try:
            for o in self._normaliser.get().normalise(title or text[:200], top=3, sources=("competent",)):
                candidates.append({"code": o.id, "label": o.label, "confidence": round(o.confidence, 3),
                                   "shortage": o.is_shortage})
        except Exception as exc:  # a draft still works without an occupation
            notes.append(f"beroep niet bepaald: {exc}")
        return candidates

    def draft(self, text: str, *, title: str | None = None, occupation: str | None = None,
              vacancy_id: str = "draft", check: bool = True) -> DraftResult:
        notes: list[str] = []
        ext = self._extract(text, notes)
        comps: dict[str, VacancyCompetence] = {}
        for c in ext.competences:
            imp = "optional" if c.requirement == "nice_to_have" else "essential"
            ev = [Evidence("extracted", s.text, s.start, s.end) for s in c.spans]
            if c.competence_id not in comps:
                comps[c.competence_id] = VacancyCompetence(c.competence_id, imp, c.label, round(c.confidence, 4), None, ev)
        diplomas, licence, languages = [], None, []
        for r in ext.requirements:
            if r.category == "diploma" or r.category == "certificate":
                diplomas.append(r.value)
            elif r.category == "licence":
                m = _LICENCE.search(r.value)
                licence = m.group(1).upper() if m else licence
            elif r.category == "language":
                code = next((k for k, v in LANGUAGE_NAMES_NL.items() if v.lower() in r.value.lower()), r.value[:2].lower())
                lvl = (r.level or "B1").upper()
                if lvl not in CEFR_LEVELS:
                    notes.append(f"taalniveau '{r.level}' omgezet naar B2; vermeld een ERK-niveau")
                    lvl = "B2"
                languages.append(LanguageSkill(code, lvl))
        title = title or (text.strip().splitlines()[0][:120] if text.strip() else "")
        candidates = self._occupations(title, text, occupation, notes)
        v = Vacancy(id=vacancy_id, title=title, text=text, competences=list(comps.values()),
                    occupation_codes=[candidates[0]["code"]] if candidates else [], driving_licence=licence,
                    languages=languages, diplomas=diplomas)
        extraction = {"language": ext.text_language, "competences": len(ext.competences),
                      "requirements": [{"category": r.category, "value": r.value, "level": r.level,
                                        "requirement": r.requirement, "span": [r.span.start, r.span.end]}
                                       for r in ext.requirements]}
        return DraftResult(v, candidates, extraction, self.check(v) if check else None, notes)

    # -------------------------------------------------------------- check
    def check_file(self, path: Path | str) -> CheckResult:
        path = Path(path)
        raw = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() != ".json":
            lines = raw.strip().splitlines()
            return self.check(Vacancy(id=path.stem, title=lines[0] if lines else "", text=raw))
        return self.check(read_vacancy_file(path, Resolver(self.tax)))

    def check(self, vacancy: Vacancy) -> CheckResult:
        warnings = check_text(vacancy.title, vacancy.text, vacancy.diplomas)
        counts: dict[str, int] = {}
        for w in warnings:
            counts[w.category] = counts.get(w.category, 0) + 1
        reqs, pool = self.requirement_impacts(vacancy)
        return CheckResult(vacancy.id, warnings, counts, reqs, pool, POOL_DEFINITION)

    def requirement_impacts(self, vacancy: Vacancy) -> tuple[list[RequirementImpact], int]:
        try:
            engine = self._engine.get()
            engine.ensure_built()
        except Exception:  # no candidates indexed: nothing to count
            return [], 0
        if engine.port is None or engine.port.n == 0:
            return [], 0
        return requirement_impacts(vacancy, engine, self._repository.get(), self.tax)
