"""Vacancy drafting for employers: suggest, draft, check.

* :meth:`VacancyDrafting.suggest` — occupation -> essential and optional competences from its
  (derived) Competent profile, Dutch-labelled first, strongest first.
* :meth:`VacancyDrafting.draft` — free text -> a structured draft through the extractor
  (competences with requirement level, diplomas, licences, languages), then the check.
* :func:`check_text` / :meth:`VacancyDrafting.check` — a check **in Dutch** for wording that
  excludes people, each warning with its reason and a neutral alternative:

  ========  ====================================================================================
  age       "jong en dynamisch team", "max. 30 jaar", "tussen 25 en 35 jaar", "pas afgestudeerd"
            used as a filter, "maximaal 5 jaar ervaring"
  gender    "hij"/"hem" for the candidate, a title without "(m/v/x)", gendered job titles
            ("verkoopster", "poetsvrouw", "barman", ...)
  origin    "moedertaal Nederlands", "native speaker", "zonder accent", nationality, afkomst
  health    "goede gezondheid", "geen beperking", "fysiek fit", pregnancy ... without a job reason
            in the same sentence (e.g. "je tilt lasten tot 25 kg")
  diploma   a diploma asked for without a competence reason ("of gelijkwaardig door ervaring",
            "wettelijk vereist", "omdat ...")
  ========  ====================================================================================

  The legal background is the federal Antidiscriminatiewet and Genderwet (10 mei 2007) and the
  Vlaams decreet gelijke kansen en gelijke behandeling (10 juli 2008).

  For every requirement (driving licence, each language level, regime, contract type, each
  diploma, each essential competence) the check counts how many of the *relevant* indexed
  candidates it removes (relevant = competence coverage >= 0.2 for this vacancy; diplomas are
  counted from the candidates' own declarations, indicatively — they are never enforced).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.domain import (CEFR_LEVELS, LANGUAGE_NAMES_NL, REGIME_LABELS_NL, CONTRACT_LABELS_NL, Evidence, LanguageSkill,
                     Vacancy, VacancyCompetence, cefr_rank)
from matcher.matching.factors import MatchOptions
from matcher.matching.factors.constraints import violations

RELEVANT_COVERAGE = 0.2


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


@dataclass
class RequirementImpact:
    kind: str         # "licence" | "language" | "regime" | "contract" | "diploma" | "competence"
    value: str
    label: str
    removes: int
    removes_share: float
    note: str = ""


@dataclass
class CheckResult:
    vacancy_id: str
    warnings: list[CheckWarning]
    counts: dict[str, int]
    requirements: list[RequirementImpact]
    pool_size: int
    pool_definition: str


@dataclass
class Suggestion:
    competence_id: str
    label: str
    importance: str
    weight: float
    source: str


@dataclass
class SuggestResult:
    code: str
    label: str
    shortage: dict | None
    essential: list[Suggestion]
    optional: list[Suggestion]


@dataclass
class DraftResult:
    vacancy: Vacancy
    occupation_candidates: list[dict]
    extraction: dict
    check: CheckResult | None
    notes: list[str] = field(default_factory=list)


# ====================================================================== rules
LAW = "Antidiscriminatiewet 2007 / decreet gelijke kansen 2008"


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern
    reason: str
    alternative: str
    severity: str = "warning"
    unless: re.Pattern | None = None      # an exemption in the same sentence


def _r(p: str) -> re.Pattern:
    return re.compile(p, re.IGNORECASE)


JOB_REASON = _r(r"\b(omdat|want|wegens|vanwege|aangezien|gezien|nodig voor|vereist voor)\b|\bkg\b|\btillen\b|\bheffen\b"
                r"|\blasten\b|\brecht ?staan|\bstaand werk|\bop hoogte\b|\bladders?\b|\bbuiten ?werk|\bzwaar (fysiek )?werk"
                r"|\bploegen\b|\bnachtwerk\b|\bveiligheid")
DIPLOMA_REASON = _r(r"gelijkwaardig|evenwaardig|door ervaring|of ervaring|wettelijk (verplicht|vereist)|beroepstitel"
                    r"|\briziv\b|visum|erkenning|omdat|wegens|vanwege|aangezien")
INCLUSIVE = _r(r"\book\b|\bwelkom\b|\bgeen vereiste\b|\bniet vereist\b|\bmag\b")

GENDERED_TITLES: dict[str, str] = {
    "verkoopster": "verkoper (m/v/x)", "poetsvrouw": "schoonmaker (m/v/x)", "kuisvrouw": "schoonmaker (m/v/x)",
    "poetsdame": "schoonmaker (m/v/x)", "schoonmaakster": "schoonmaker (m/v/x)", "werkster": "schoonmaker (m/v/x)",
    "secretaresse": "secretaris / administratief medewerker (m/v/x)", "onthaalster": "onthaalmedewerker (m/v/x)",
    "onthaaldame": "onthaalmedewerker (m/v/x)", "receptioniste": "receptionist (m/v/x)",
    "kassierster": "kassamedewerker (m/v/x)", "serveerster": "bediening / kelner (m/v/x)", "dienster": "bediening (m/v/x)",
    "barmeid": "barmedewerker (m/v/x)", "barman": "barmedewerker (m/v/x)", "verpleegster": "verpleegkundige (m/v/x)",
    "kapster": "kapper (m/v/x)", "coiffeuse": "kapper (m/v/x)", "boekhoudster": "boekhouder (m/v/x)",
    "gastvrouw": "gastheer/-vrouw (m/v/x)", "gastheer": "gastheer/-vrouw (m/v/x)", "hostess": "host (m/v/x)",
    "stewardess": "cabinepersoneel (m/v/x)", "huishoudster": "huishoudhulp (m/v/x)", "naaister": "naaier (m/v/x)",
    "strijkster": "strijker (m/v/x)", "kinderverzorgster": "kinderbegeleider (m/v/x)",
    "verzorgster": "zorgkundige (m/v/x)", "bejaardenhelpster": "verzorgende (m/v/x)", "opvoedster": "opvoeder (m/v/x)",
    "lerares": "leraar (m/v/x)", "juf": "leerkracht (m/v/x)", "directrice": "directeur (m/v/x)",
    "medewerkster": "medewerker (m/v/x)", "typiste": "typist (m/v/x)", "telefoniste": "telefonist (m/v/x)",
    "masseuse": "masseur (m/v/x)", "kamermeisje": "kamerhulp (m/v/x)", "kokkin": "kok (m/v/x)",
    "werkman": "arbeider (m/v/x)", "vakman": "vakkracht (m/v/x)", "klusjesman": "klusjesmedewerker (m/v/x)",
    "tuinman": "tuinier (m/v/x)", "zakenman": "ondernemer (m/v/x)", "brandweerman": "brandweer (m/v/x)",
    "timmerman": "timmerman/-vrouw (m/v/x)", "stuurman": "stuurman/-vrouw (m/v/x)", "cameraman": "cameraoperator (m/v/x)",
    "loopjongen": "runner (m/v/x)", "postbode": "", "vakmannen": "vakkrachten (m/v/x)",
}
GENDERED_TITLES = {k: v for k, v in GENDERED_TITLES.items() if v}

RULES: list[Rule] = [
    # ------------------------------------------------------------------ age
    Rule("age", _r(r"\bjong(e|ere)?\s+(en\s+\w+\s+)?(team|collega'?s|ploeg|bedrijf|kracht|profiel|medewerkers?|talent|honden|mensen)\b"),
         f"Verwijst naar leeftijd: oudere kandidaten voelen zich uitgesloten; leeftijd is een beschermd criterium ({LAW}).",
         "Beschrijf de sfeer zonder leeftijd: 'een enthousiast en gedreven team', 'collega's met zin in de job'."),
    Rule("age", _r(r"\bjong en dynamisch\b|\bdynamisch en jong\b"),
         f"'Jong' verwijst naar leeftijd ({LAW}).", "Schrijf 'dynamisch' of 'enthousiast', zonder 'jong'."),
    Rule("age", _r(r"\b(max(imum|imaal)?\.?|hoogstens|niet ouder dan|jonger dan|tot)\s*(\d{2})\s*jaar\b(?!\s+(ervaring|werkervaring|anciënniteit))"),
         f"Een leeftijdsgrens is directe leeftijdsdiscriminatie, tenzij wettelijk opgelegd ({LAW}).",
         "Schrap de leeftijdsgrens en beschrijf wat de job vraagt (taken, competenties)."),
    Rule("age", _r(r"\btussen\s+(1[6-9]|[2-6]\d)\s+en\s+([2-6]\d)\s+jaar\b(?!\s+(ervaring|werkervaring))"),
         f"Een leeftijdsvork sluit kandidaten uit op leeftijd ({LAW}).",
         "Schrap de leeftijdsvork; vermeld eventueel de gevraagde ervaring of competenties."),
    Rule("age", _r(r"\b(1[6-9]|[2-6]\d)\s*(-|tot|à)\s*([2-6]\d)\s*jaar\b(?!\s+(ervaring|werkervaring))"),
         f"Een leeftijdsvork sluit kandidaten uit op leeftijd ({LAW}).",
         "Schrap de leeftijdsvork; vermeld eventueel de gevraagde ervaring of competenties.", "warning",
         _r(r"ervaring")),
    Rule("age", _r(r"\bleeftijd\b"),
         f"Leeftijd is geen geldig selectiecriterium ({LAW}).", "Laat leeftijd weg.", "warning",
         _r(r"\bongeacht\b|\belke leeftijd\b|\balle leeftijden\b|\bwettelijke\b")),
    Rule("age", _r(r"\b(maximaal|max(imum)?\.?|hoogstens|niet meer dan)\s*\d{1,2}\s*jaar\s+(ervaring|werkervaring)\b"),
         f"Een bovengrens aan ervaring weert oudere kandidaten: indirecte leeftijdsdiscriminatie ({LAW}).",
         "Vraag een minimum aan ervaring (of geen), nooit een maximum."),
    Rule("age", _r(r"\b(pas|net|recent|vers)\s+afgestudeerd(e|en)?\b|\bschoolverlaters?\b|\bjong talent\b|\byoung (graduate|potential)s?\b"),
         f"Als filter ('je bent pas afgestudeerd') weert dit oudere kandidaten en zij-instromers ({LAW}).",
         "Schrijf 'starters zijn welkom' of 'ervaring is geen vereiste' in plaats van een filter op afstudeerdatum.",
         "warning", INCLUSIVE),
    Rule("age", _r(r"\bgeboren (na|voor|tussen)\b"),
         f"Een geboortejaar als voorwaarde is leeftijdsdiscriminatie ({LAW}).", "Laat het geboortejaar weg."),
    # ------------------------------------------------------------------ gender
    Rule("gender", _r(r"(?<!zij/)(?<!zij / )\b(hij|hem)\b(?!\s*/\s*(zij|haar))"),
         f"'Hij/hem' voor de kandidaat spreekt enkel mannen aan ({LAW}, Genderwet 2007).",
         "Spreek de kandidaat aan met 'je' of schrijf 'de kandidaat'."),
    Rule("gender", _r(r"\b(mannelijke|vrouwelijke)\s+(kandidaat|kandidaten|medewerker|medewerkers|collega)\b"
                      r"|\b(enkel|alleen) (mannen|vrouwen)\b|\b(een )?(man|vrouw) (gezocht|gevraagd)\b"),
         f"Een voorkeur voor een geslacht is discriminatie (Genderwet 2007).", "Laat het geslacht weg; schrijf '(m/v/x)'."),
    Rule("gender", _r(r"\b(zwanger(schap)?|kinderwens|gezinsplanning|burgerlijke staat|gehuwd|ongehuwd)\b"),
         f"Zwangerschap, kinderwens en burgerlijke staat mogen geen rol spelen (Genderwet 2007, {LAW}).",
         "Laat dit weg."),
    # ------------------------------------------------------------------ origin
    Rule("origin", _r(r"\bmoedertaal\b|\bnative speaker\b|\bvan (huis uit|geboorte) (nederlands|frans)talig\b"
                      r"|\b(nederlands|frans)talig van (huis uit|geboorte)\b"),
         f"'Moedertaal' sluit mensen uit die de taal later vlot leerden: indirecte discriminatie op afkomst ({LAW}).",
         "Vermeld het nodige taalniveau: 'je spreekt vlot Nederlands (ERK-niveau B2)'."),
    Rule("origin", _r(r"\bzonder accent\b|\baccentloos\b|\bperfect nederlands\b|\bfoutloos nederlands\b"),
         f"Een accent zegt niets over bekwaamheid; dit weert mensen van buitenlandse afkomst ({LAW}).",
         "Vermeld het nodige taalniveau (bv. B2 mondeling) en waarvoor de taal nodig is."),
    Rule("origin", _r(r"\bnationaliteit\b|\b(belgische|europese) (nationaliteit|burgers?)\b|\b(enkel|alleen) belgen\b"
                      r"|\bautochto(o)?n(e)?\b|\ballochto(o)?n(e)?\b|\bafkomst\b|\borigine\b|\bhuidskleur\b|\bras\b"),
         f"Nationaliteit en afkomst zijn beschermde criteria ({LAW}).",
         "Laat nationaliteit weg; vermeld zo nodig 'je hebt een geldige arbeidskaart of verblijfsvergunning'."),
    # ------------------------------------------------------------------ health / disability
    Rule("health", _r(r"\b(goede|perfecte|uitstekende|blakende) gezondheid\b|\bkerngezond\b|\b(fysiek|lichamelijk) (fit|gezond|sterk)\b"
                      r"|\bin (goede|topconditie|goede fysieke|uitstekende) conditie\b"),
         f"Gezondheid zonder taakgebonden reden weert mensen met een chronische ziekte of beperking ({LAW}).",
         "Beschrijf de fysieke taak zelf ('je tilt regelmatig lasten tot 20 kg', 'je werkt staand') en vermeld dat "
         "redelijke aanpassingen mogelijk zijn.", "warning", JOB_REASON),
    Rule("health", _r(r"\bgeen (fysieke |lichamelijke |mentale )?(beperking|beperkingen|handicap|medische (problemen|klachten|voorgeschiedenis)|gezondheidsproblemen)\b"
                      r"|\bmedische voorgeschiedenis\b|\bvalide\b"),
         f"Een beperking uitsluiten is discriminatie; werkgevers moeten redelijke aanpassingen overwegen ({LAW}).",
         "Laat dit weg en beschrijf wat de job concreet vraagt; schrijf 'we bieden redelijke aanpassingen'.",
         "warning", JOB_REASON),
    # ------------------------------------------------------------------ diploma
    Rule("diploma", _r(r"\b(bachelor|master|licentiaat|licentiaats|doctoraat|graduaat|gegradueerde?)(diploma|s?diploma)?\b"
                       r"|\b(diploma|getuigschrift|masterdiploma|bachelordiploma)\b|\b(hoger|secundair|universitair|middelbaar|technisch|beroeps)\s+onderwijs\b"
                       r"|\b[ab][12][- ]?diploma\b|\bhogeschool\b|\buniversiteit\b"),
         "Een diploma zonder competentie-reden weert wie dezelfde competenties via ervaring verwierf "
         "(vaak oudere werkzoekenden, vroegtijdige schoolverlaters, mensen met een niet-erkend buitenlands diploma).",
         "Beschrijf de competenties die het diploma moet aantonen, en voeg toe: 'of gelijkwaardig door ervaring'.",
         "warning", DIPLOMA_REASON),
]

MVX = _r(r"\(?\s*[mvhfx]\s*/\s*[mvhfx](\s*/\s*[mvhfx])?\s*\)?")
MVX_FULL = _r(r"[mvhf]\s*/\s*[mvhf]\s*/\s*x|x\s*/\s*[mvhf]\s*/\s*[mvhf]|[mvhf]\s*/\s*x\s*/\s*[mvhf]")
_SENTENCE_END = re.compile(r"[.!?\n]")


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    a = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    m = _SENTENCE_END.search(text, end)
    return a, (m.start() if m else len(text))


def _sentence(text: str, start: int, end: int) -> str:
    a, b = _sentence_bounds(text, start, end)
    return text[a:b]


def check_text(title: str, text: str, diplomas: list[str] | None = None) -> list[CheckWarning]:
    """All wording warnings for a title, a text and structured diploma requirements."""
    out: list[CheckWarning] = []
    seen: list[tuple[str, int, int, str]] = []
    for fld, body in (("title", title or ""), ("text", text or "")):
        for rule in RULES:
            for m in rule.pattern.finditer(body):
                sent = _sentence(body, m.start(), m.end())
                if rule.unless is not None and rule.unless.search(sent):
                    continue
                # one warning per overlapping match and category; one diploma warning per sentence
                a, b = _sentence_bounds(body, m.start(), m.end()) if rule.category == "diploma" else (m.start(), m.end())
                if any(f == fld and c == rule.category and st < b and e > a for f, st, e, c in seen):
                    continue
                seen.append((fld, m.start(), m.end(), rule.category))
                out.append(CheckWarning(rule.category, rule.severity, TextSpan(fld, m.start(), m.end(), m.group(0)),
                                   rule.reason, rule.alternative))
        for m in re.finditer(r"[\wÀ-ÿ'-]+", body):
            word = m.group(0).lower()
            if word in GENDERED_TITLES:
                out.append(CheckWarning("gender", "warning", TextSpan(fld, m.start(), m.end(), m.group(0)),
                                   f"'{m.group(0)}' is een gegenderde functietitel: het andere geslacht voelt zich niet "
                                   f"aangesproken (Genderwet 2007).",
                                   f"Gebruik een neutrale titel: '{GENDERED_TITLES[word]}'."))
    if title is not None and title.strip():
        if not MVX.search(title):
            out.append(CheckWarning("gender", "warning", TextSpan("title", len(title), len(title), ""),
                               "De titel vermeldt niet '(m/v/x)': zo is niet duidelijk dat iedereen, ongeacht gender, "
                               "welkom is (Genderwet 2007).", f"'{title.strip()} (m/v/x)'"))
        elif not MVX_FULL.search(title):
            m = MVX.search(title)
            out.append(CheckWarning("gender", "info", TextSpan("title", m.start(), m.end(), m.group(0)),
                               "'(m/v)' laat non-binaire kandidaten buiten beeld.", "Schrijf '(m/v/x)'."))
    for k, d in enumerate(diplomas or []):
        if not DIPLOMA_REASON.search(d):
            out.append(CheckWarning("diploma", "warning", TextSpan("diplomas", k, k + 1, d),
                               "Diploma gevraagd zonder competentie-reden; bij het matchen wordt het getoond, niet "
                               "afgedwongen, maar in de vacature schrikt het kandidaten af die de competenties via "
                               "ervaring verwierven.",
                               f"'{d} of gelijkwaardig door ervaring', en beschrijf de competenties die het moet aantonen."))
    out.sort(key=lambda w: ({"title": 0, "text": 1, "diplomas": 2}[w.span.field], w.span.start, w.category))
    return out


# ====================================================================== diplomas (indicative counts)
def diploma_level(text: str | None) -> int | None:
    """0 none .. 4 master; None when unknown. Unrecognised foreign diplomas count as 0."""
    if text is None:
        return None
    t = str(text).lower()
    if "niet erkend" in t:
        return 0
    if any(w in t for w in ("master", "licentia", "universit", "doctor", "ingenieur")):
        return 4
    if any(w in t for w in ("bachelor", "hoger", "graduaat", "hogeschool", "professionele")):
        return 3
    if "lager secundair" in t or "a3" in t or "bso 2" in t:
        return 1
    if any(w in t for w in ("secundair", "middelbaar", "a2", "aso", "tso", "bso", "kso")):
        return 2
    if t.strip() in ("geen", "lager onderwijs", "basisonderwijs", "none"):
        return 0
    return None


# ====================================================================== service
class VacancyDrafting:
    def __init__(self, services):
        self.services = services

    @property
    def tax(self):
        return self.services.match_taxonomy

    # -------------------------------------------------------------- suggest
    def suggest(self, occupation: str, *, n_essential: int = 10, n_optional: int = 10) -> SuggestResult | None:
        tax = self.tax
        code = tax.competent_occupation(occupation)
        items = tax.profiles.get(code)
        if not items:
            return None
        def pick(imp: str, n: int) -> list[Suggestion]:
            sel = [e for e in items if (e.importance == "essential") == (imp == "essential")]
            sel.sort(key=lambda e: (e.competence_id.startswith("http"), -e.weight, tax.label(e.competence_id)))
            return [Suggestion(e.competence_id, tax.label(e.competence_id), e.importance, round(e.weight, 4),
                               "esco" if e.competence_id.startswith("http") else "competent") for e in sel[:n]]
        return SuggestResult(code, tax.occupation_label(code), tax.shortage_of(code),
                             pick("essential", n_essential), pick("optional", n_optional))

    # -------------------------------------------------------------- draft
    def _index_ready(self) -> bool:
        settings = getattr(self.services, "settings", None)
        if settings is None:
            return False
        from indexer.label_index import active_folder

        return active_folder(settings.index_dir) is not None

    def draft(self, text: str, *, title: str | None = None, occupation: str | None = None,
              vacancy_id: str = "draft", check: bool = True) -> DraftResult:
        notes: list[str] = []
        try:
            if not self._index_ready():
                raise FileNotFoundError("geen actieve labelindex ('cmatch index build')")
            ext = self.services.extractor.extract(text, kind="vacancy")
        except (ImportError, ModuleNotFoundError, FileNotFoundError) as exc:
            # without extraction the draft still gets its wording check
            from matcher.extraction.extractor import Extraction

            ext = Extraction("nl", [], [])
            notes.append(f"geen competenties geëxtraheerd: {exc}")
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
                m = re.search(r"\b(AM|BE|B|C1|CE|C|D|G|A)\b", r.value, re.IGNORECASE)
                licence = m.group(1).upper() if m else licence
            elif r.category == "language":
                code = next((k for k, v in LANGUAGE_NAMES_NL.items() if v.lower() in r.value.lower()), r.value[:2].lower())
                lvl = (r.level or "B1").upper()
                if lvl not in CEFR_LEVELS:
                    notes.append(f"taalniveau '{r.level}' omgezet naar B2; vermeld een ERK-niveau")
                    lvl = "B2"
                languages.append(LanguageSkill(code, lvl))
        title = title or (text.strip().splitlines()[0][:120] if text.strip() else "")
        candidates: list[dict] = []
        if occupation:
            candidates.append({"code": occupation, "label": self.tax.occupation_label(occupation), "confidence": 1.0,
                               "shortage": self.tax.shortage_of(occupation) is not None, "given": True})
        elif self._index_ready():
            try:
                for o in self.services.normaliser.normalise(title or text[:200], top=3, sources=("competent",)):
                    candidates.append({"code": o.id, "label": o.label, "confidence": round(o.confidence, 3),
                                       "shortage": o.is_shortage})
            except Exception as exc:  # a draft still works without an occupation
                notes.append(f"beroep niet bepaald: {exc}")
        else:
            notes.append("beroep niet bepaald: geen actieve labelindex ('cmatch index build')")
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
        from matcher.ingest import Resolver, read_vacancy_file

        return self.check(read_vacancy_file(path, Resolver(self.tax)))

    def check(self, vacancy: Vacancy) -> CheckResult:
        warnings = check_text(vacancy.title, vacancy.text, vacancy.diplomas)
        counts: dict[str, int] = {}
        for w in warnings:
            counts[w.category] = counts.get(w.category, 0) + 1
        reqs, pool = self.requirement_impacts(vacancy)
        return CheckResult(vacancy.id, warnings, counts, reqs, pool,
                           f"kandidaten met competentiedekking >= {RELEVANT_COVERAGE:.0%} voor deze vacature "
                           "(of alle kandidaten als de vacature geen competenties heeft)")

    def requirement_impacts(self, vacancy: Vacancy) -> tuple[list[RequirementImpact], int]:
        try:
            engine = self.services.matcher
            engine.ensure_built()
        except Exception:  # no candidates indexed: nothing to count
            return [], 0
        if engine.port is None or engine.port.n == 0:
            return [], 0
        f, ids = engine.candidate_pool_features(vacancy, MatchOptions())
        pool = f.coverage >= RELEVANT_COVERAGE if vacancy.competences else np.ones(f.n, dtype=bool)
        n = int(pool.sum())
        out: list[RequirementImpact] = []
        if n == 0:
            return out, 0
        share = lambda k: round(k / n, 4)  # noqa: E731
        v = violations(f)
        if vacancy.driving_licence:
            k = int((v["licence"] & pool).sum())
            out.append(RequirementImpact("licence", vacancy.driving_licence, f"rijbewijs {vacancy.driving_licence}", k, share(k)))
        port = engine.port
        enc_langs = engine._enc.languages
        for lang in vacancy.languages:
            j = enc_langs.index(lang.code.lower()) if lang.code.lower() in enc_langs else None
            have = port.lang_rank[:, j] if j is not None and j < port.lang_rank.shape[1] else np.zeros(port.n)
            k = int(((have < cefr_rank(lang.level)) & pool).sum())
            out.append(RequirementImpact("language", f"{lang.code}:{lang.level}",
                                         f"{LANGUAGE_NAMES_NL.get(lang.code, lang.code)} {lang.level}", k, share(k)))
        if vacancy.regimes:
            k = int((v["regime"] & pool).sum())
            out.append(RequirementImpact("regime", ",".join(vacancy.regimes),
                                         "regime " + ", ".join(REGIME_LABELS_NL.get(r, r) for r in vacancy.regimes), k, share(k)))
        if vacancy.contract_type:
            k = int((v["contract"] & pool).sum())
            out.append(RequirementImpact("contract", vacancy.contract_type,
                                         CONTRACT_LABELS_NL.get(vacancy.contract_type, vacancy.contract_type), k, share(k)))
        if vacancy.diplomas:
            pool_ids = [ids[i] for i in np.flatnonzero(pool)]
            levels = [diploma_level(p.personal.get("diploma")) for p in self.services.vacancies.get_portfolios(pool_ids)]
            for d in vacancy.diplomas:
                need = diploma_level(d)
                if need is None:
                    continue
                k = sum(1 for lv in levels if lv is not None and lv < need)
                out.append(RequirementImpact("diploma", d, d, k, share(k),
                                             "indicatief, uit wat kandidaten zelf opgaven; diploma's worden bij het "
                                             "matchen nooit afgedwongen"))
        pc = engine._pcsc
        for c in vacancy.competences:
            if c.importance != "essential":
                continue
            j = engine.vocab.index.get(c.competence_id)
            credit = pc[:, j].toarray().ravel() if j is not None and j < pc.shape[1] else np.zeros(port.n)
            k = int(((credit < 0.5) & pool).sum())
            out.append(RequirementImpact("competence", c.competence_id, c.label or self.tax.label(c.competence_id),
                                         k, share(k)))
        return out, n

