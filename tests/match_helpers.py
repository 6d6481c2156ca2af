"""A hand-written miniature world for the matching tests: taxonomy, near table, vacancies, people."""
from __future__ import annotations

from types import SimpleNamespace

from indexer.storage.sqlite import SqliteVacancyRepository
from indexer.domain import (Evidence, LanguageSkill, Portfolio, PortfolioCompetence, Vacancy, VacancyCompetence)
from matcher.geo import locate
from matcher.matching.engine import MatchEngine
from matcher.matching.near import MatchTaxonomy, NearTable, ProfileEntry

ESCO_H = "http://data.europa.eu/esco/skill/heftruck"

LABELS = {
    "SK-H": "Heftruck besturen", "SK-R": "Reachtruck besturen", "SK-L": "Leveringen controleren",
    "SK-V": "Voorraad beheren", "SK-K": "Klachten behandelen", "SK-S": "Lassen", "KN-V": "Veiligheidsvoorschriften",
    "SK-P": "Patiënten verzorgen", "SK-W": "Wonden verzorgen", ESCO_H: "heftrucks bedienen",
}


def taxonomy() -> MatchTaxonomy:
    P = ProfileEntry
    profiles = {
        "OP-1": [P("SK-H", "essential", 1.0), P("SK-L", "essential", 0.9), P("KN-V", "essential", 0.8), P("SK-V", "optional", 0.5)],
        "OP-2": [P("SK-L", "essential", 1.0), P("SK-V", "essential", 1.0), P("SK-H", "optional", 0.6), P("SK-K", "optional", 0.4)],
        "OP-3": [P("SK-S", "essential", 1.0), P("KN-V", "essential", 0.7)],
        "OP-4": [P("SK-P", "essential", 1.0), P("SK-W", "essential", 1.0)],
    }
    return MatchTaxonomy(
        competence_labels=dict(LABELS),
        occupation_labels={"OP-1": "Heftruckchauffeur", "OP-2": "Magazijnmedewerker", "OP-3": "Lasser",
                           "OP-4": "Verpleegkundige"},
        profiles=profiles,
        shortage={"OP-1": {"title": "Heftruckchauffeur", "sector_group": "Transport", "on_decree_list": False, "via": "OP-1"},
                  "OP-4": {"title": "Verpleegkundige", "sector_group": "Zorg", "on_decree_list": True, "via": "OP-4"}},
        crosswalk=[("SK-H", ESCO_H, "exactMatch")],
        sectors={"OP-1": "83", "OP-2": "43", "OP-3": "72", "OP-4": "22"},
        sector_labels={"83": "Bestuurders", "43": "Administratief", "72": "Metaal", "22": "Zorg"},
        competence_alt_labels={"SK-H": ["vorkheftruck rijden"]},
    )


def near_table() -> NearTable:
    return NearTable.from_pairs([
        ("SK-H", "SK-R", 0.75, "embedding", 0.967),
        ("SK-H", ESCO_H, 1.0, "crosswalk:exactMatch", None),
        ("SK-P", "SK-W", 0.3, "embedding", 0.938),
    ])


def vc(cid, imp="essential", text=None):
    ev = [Evidence("vacancy_text", text or LABELS[cid].lower())]
    return VacancyCompetence(cid, imp, LABELS[cid], 1.0, None, ev)


def vacancies() -> list[Vacancy]:
    return [
        Vacancy("V1", "Heftruckchauffeur (m/v/x)", "Logistiek NV", "…", ["OP-1"],
                [vc("SK-R"), vc("SK-L"), vc("SK-V", "optional")], locate(postcode="9000"), ["full_time"], "permanent",
                "B", [LanguageSkill("nl", "B1")], ["diploma secundair onderwijs"]),
        Vacancy("V2", "Magazijnmedewerker (m/v/x)", "Opslag BV", "…", ["OP-2"],
                [vc("SK-L"), vc("SK-V"), vc("SK-H", "optional")], locate(postcode="2000"), ["shifts"], "interim"),
        Vacancy("V3", "Lasser (m/v/x)", "Metaal NV", "…", ["OP-3"], [vc("SK-S"), vc("KN-V")], locate(postcode="3500"),
                ["full_time"], "permanent"),
        Vacancy("V4", "Verpleegkundige (m/v/x)", "Ziekenhuis", "…", ["OP-4"], [vc("SK-P"), vc("SK-W")],
                locate(postcode="8000"), ["full_time", "weekends"], "permanent", None, [LanguageSkill("nl", "C1")]),
        # V5: same as V1 but not a knelpuntberoep (no occupation code) — isolates the shortage boost
        Vacancy("V5", "Chauffeur interne logistiek (m/v/x)", "Logistiek NV", "…", [],
                [vc("SK-R"), vc("SK-L"), vc("SK-V", "optional")], locate(postcode="9000"), ["full_time"], "permanent",
                "B", [LanguageSkill("nl", "B1")]),
    ]


def pc(cid, source="cv", text=""):
    return PortfolioCompetence(cid, LABELS[cid], [Evidence(source, text or f"{source}: {LABELS[cid]}")])


def portfolios() -> list[Portfolio]:
    return [
        Portfolio("P1", [pc("SK-H", "experience_certificate", "Ervaringsbewijs heftruck"), pc("SK-L", "cv"),
                         pc("KN-V", "self_declared")], ["OP-1"], locate(postcode="9000"), 30.0, ["full_time"], [],
                  ["B"], [LanguageSkill("nl", "C2")],
                  {"name": "Jan Peeters", "age": 58, "gender": "man", "nationality": "Belg", "diploma": "geen"}),
        Portfolio("P2", [pc("SK-S", "evc"), pc("KN-V")], ["OP-3"], locate(postcode="3500"), 40.0, [], [], [],
                  [LanguageSkill("nl", "B1")], {"name": "Olena Kovalenko", "age": 31, "gender": "vrouw",
                                                 "nationality": "Oekraïner", "diploma": "master"}),
        Portfolio("P3", [pc("SK-P", "counsellor_confirmed"), pc("SK-W")], ["OP-4"], locate(postcode="8000"), 25.0,
                  [], [], [], [LanguageSkill("nl", "B1")], {"name": "Amina Diallo", "age": 24, "gender": "vrouw",
                                                             "nationality": "Guinees", "diploma": "bachelor"}),
        Portfolio("P4", [pc("SK-L", "self_declared"), pc("SK-V", "cv")], [], locate(postcode="2000"), None, [], [],
                  [], [], {"name": "Mehmet Yilmaz", "age": 45, "gender": "man", "nationality": "Turk",
                           "diploma": "lager secundair"}),
    ]


def world():
    """(taxonomy, repository, engine) over the miniature data, in memory."""
    tax = taxonomy()
    repo = SqliteVacancyRepository(":memory:")
    repo.upsert_vacancies(vacancies())
    repo.upsert_portfolios(portfolios())
    engine = MatchEngine(tax, repo, near_table())
    return tax, repo, engine


def services(tax, repo, engine):
    """Enough of :class:`api.wiring.Components` for drafting and imports."""
    return SimpleNamespace(match_taxonomy=tax, vacancies=repo, matcher=engine)
