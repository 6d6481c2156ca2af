"""Vacancy drafting: every class of Dutch warning, no false alarms on neutral text, requirement impacts, suggest."""
from __future__ import annotations

import pytest

from indexer.domain import LanguageSkill, Vacancy
from indexer.lazy import Lazy
from matcher.drafting import VacancyDrafting, check_text, diploma_level

from tests.match_helpers import vc, world


def drafting(tax, repo, engine) -> VacancyDrafting:
    return VacancyDrafting(Lazy.of(tax), Lazy.of(repo), Lazy.of(engine))


def cats(title, text, diplomas=None):
    return [(w.category, w.span.text) for w in check_text(title, text, diplomas)]


NEUTRAL_TITLE = "Magazijnmedewerker (m/v/x)"


@pytest.mark.parametrize("category,text,expected", [
    ("age", "Je komt terecht in een jong en dynamisch team.", "jong en dynamisch team"),
    ("age", "Je bent max. 30 jaar.", "max. 30 jaar"),
    ("age", "Je bent maximum 35 jaar oud.", "maximum 35 jaar"),
    ("age", "Je bent tussen 25 en 35 jaar.", "tussen 25 en 35 jaar"),
    ("age", "Je bent pas afgestudeerd.", "pas afgestudeerd"),
    ("age", "Je hebt maximaal 5 jaar ervaring.", "maximaal 5 jaar ervaring"),
    ("age", "Leeftijd: 20-30 jaar.", "20-30 jaar"),
    ("gender", "Hij is stressbestendig.", "Hij"),
    ("gender", "We bieden hem een vast contract.", "hem"),
    ("gender", "Voor onze winkel zoeken we een verkoopster.", "verkoopster"),
    ("gender", "Wij zoeken een ervaren barman.", "barman"),
    ("gender", "Enkel mannelijke kandidaten.", "mannelijke kandidaten"),
    ("origin", "Je moedertaal is Nederlands.", "moedertaal"),
    ("origin", "Nederlands als moedertaal is vereist.", "Nederlands als moedertaal"),
    ("origin", "Je bent native speaker.", "native"),
    ("origin", "Je spreekt Nederlands zonder accent.", "zonder accent"),
    ("origin", "Je hebt de Belgische nationaliteit.", "nationaliteit"),
])
def test_warning_in_text(category, text, expected):
    """Each sentence warns in its category, on the words that exclude."""
    found = cats(NEUTRAL_TITLE, text)
    assert (category, expected) in found, found


def test_gender_missing_mvx_and_gendered_title():
    ws = check_text("Poetsvrouw", "Je houdt kantoren proper.")
    kinds = [(w.category, w.span.field, w.span.text) for w in ws]
    assert ("gender", "title", "Poetsvrouw") in kinds
    missing = [w for w in ws if w.span.field == "title" and w.span.text == ""]
    assert missing and "(m/v/x)" in missing[0].alternative
    assert not [w for w in check_text("Schoonmaker (m/v/x)", "Je houdt kantoren proper.")]
    mv = check_text("Schoonmaker (m/v)", "Je houdt kantoren proper.")
    assert [w.severity for w in mv] == ["info"]


def test_health_warning_only_without_job_reason():
    assert ("health", "goede gezondheid") in cats(NEUTRAL_TITLE, "Je bent in goede gezondheid.")
    assert ("health", "beperking") in cats(NEUTRAL_TITLE, "Je hebt geen beperking.")
    assert ("health", "fysiek fit") in cats(NEUTRAL_TITLE, "Je bent fysiek fit.")
    assert not cats(NEUTRAL_TITLE, "Je bent fysiek fit, want je tilt dagelijks lasten tot 25 kg.")


def test_diploma_warning_only_without_competence_reason():
    assert ("diploma", "bachelordiploma") in cats(NEUTRAL_TITLE, "Je hebt een bachelordiploma.")
    assert not cats(NEUTRAL_TITLE, "Je hebt een bachelordiploma of gelijkwaardig door ervaring.")
    assert not cats(NEUTRAL_TITLE, "Een erkend diploma verpleegkunde is wettelijk vereist (RIZIV).")
    structured = check_text(NEUTRAL_TITLE, "", ["masterdiploma"])
    assert [(w.category, w.span.field) for w in structured] == [("diploma", "diplomas")]


def test_every_warning_has_reason_and_alternative():
    text = ("Jong en dynamisch team. Max 30 jaar. Hij is flexibel. Moedertaal Nederlands. "
            "Goede gezondheid. Masterdiploma.")
    ws = check_text("Secretaresse", text)
    assert {w.category for w in ws} == {"age", "gender", "origin", "health", "diploma"}
    for w in ws:
        assert w.reason and w.alternative
        if w.span.field == "text":
            assert text[w.span.start:w.span.end] == w.span.text


@pytest.mark.parametrize("text", [
    "Je hebt 3-5 jaar ervaring als heftruckchauffeur.",
    "Ook pas afgestudeerden zijn welkom.",
    "Je werkt in een enthousiast team en spreekt vlot Nederlands (B2).",
    "Hij/zij werkt zelfstandig.",
    "Je hebt minstens 2 jaar ervaring met lassen.",
])
def test_no_false_alarms(text):
    assert cats(NEUTRAL_TITLE, text) == []


def test_diploma_levels():
    assert diploma_level("masterdiploma") == 4 and diploma_level("bachelor") == 3
    assert diploma_level("diploma secundair onderwijs") == 2 and diploma_level("lager secundair") == 1
    assert diploma_level("buitenlands diploma (niet erkend)") == 0 and diploma_level(None) is None


def test_requirement_impacts_count_removed_candidates():
    tax, repo, engine = world()
    d = drafting(tax, repo, engine)
    v = Vacancy("D1", "Magazijnmedewerker (m/v/x)", competences=[vc("SK-L"), vc("SK-V")], driving_licence="B",
                languages=[LanguageSkill("nl", "C1")], regimes=["shifts"], diplomas=["bachelordiploma"])
    res = d.check(v)
    assert res.pool_size == 2                                         # P1 (SK-L) and P4 (SK-L, SK-V)
    imp = {r.kind + ":" + r.value: r.removes for r in res.requirements}
    assert imp["licence:B"] == 1                                      # P4 has no licence
    assert imp["language:nl:C1"] == 1                                 # P4 states no Dutch level
    assert imp["regime:shifts"] == 1                                  # P1 accepts full-time only
    assert imp["diploma:bachelordiploma"] == 2                        # indicative: both below bachelor
    assert imp["competence:SK-V"] == 1 and imp["competence:SK-L"] == 0
    assert res.counts.get("diploma") == 1


def test_suggest_from_profile():
    tax, repo, engine = world()
    res = drafting(tax, repo, engine).suggest("OP-1")
    assert [s.competence_id for s in res.essential] == ["SK-H", "SK-L", "KN-V"]
    assert [s.competence_id for s in res.optional] == ["SK-V"]
    assert res.shortage is not None
    assert drafting(tax, repo, engine).suggest("OP-999") is None


def test_one_diploma_warning_per_sentence_but_every_age_problem():
    found = cats(NEUTRAL_TITLE, "Je hebt een diploma secundair onderwijs. Max 30 jaar, jong team.")
    assert [c for c, _ in found].count("diploma") == 1
    assert ("age", "Max 30 jaar") in found and ("age", "jong team") in found


def test_draft_without_index_still_checks_wording():
    tax, repo, engine = world()
    res = drafting(tax, repo, engine).draft(
        "Heftruckchauffeur\nJe komt in een jong en dynamisch team.", occupation="OP-1")
    assert res.vacancy.occupation_codes == ["OP-1"] and res.notes
    assert ("age", "jong en dynamisch team") in [(w.category, w.span.text) for w in res.check.warnings]


# ------------------------------------------------------------------ tables as data (matcher/resources)
def test_wording_rules_are_data_with_known_exemptions():
    from matcher.drafting.wording import CRITERIA, EXEMPTIONS, PROTECTED, RULES
    from matcher.resources import load_json

    table = load_json("wording_rules.json")
    assert len(RULES) == len(table["rules"])
    assert {u for r in table["rules"] for u in r.get("unless", [])} <= set(EXEMPTIONS)
    assert all(r.reason and r.alternative for r in RULES)
    assert len(PROTECTED) == 19 and {r.criterion for r in RULES} == set(CRITERIA)
    assert all(CRITERIA[c].law for c in PROTECTED)
    assert {r["requires"] for r in table["rules"] if "requires" in r} <= {"condition", "exclusion", "inquiry"}


def test_wording_lexicon_is_data_for_every_criterion():
    from matcher.drafting.wording import CRITERIA, EXEMPTIONS, LEXICON_RULES, PROTECTED
    from matcher.resources import load_json

    lexicon = load_json("wording_lexicon.json")
    assert set(lexicon["criteria"]) == set(PROTECTED)
    assert {u for c in lexicon["criteria"].values() for u in c["unless"]} <= set(EXEMPTIONS)
    assert all(c["coded"] or c["terms"] for c in lexicon["criteria"].values())
    assert {r.criterion for r in LEXICON_RULES} == set(PROTECTED)
    for r in LEXICON_RULES:   # every lexicon warning names its criterion's law and offers the alternative
        assert CRITERIA[r.criterion].law in r.reason and r.alternative == CRITERIA[r.criterion].alternative


def test_missing_resource_names_the_file():
    from matcher.resources import ResourceError, load_json

    with pytest.raises(ResourceError, match="matcher/resources/nope.json"):
        load_json("nope.json")


def test_every_resource_file_is_package_data():
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["matcher"]
    files = [p.relative_to(root / "matcher").as_posix() for p in (root / "matcher" / "resources").iterdir()
             if p.suffix in (".json", ".csv")]
    assert files and all(any(fnmatch.fnmatch(f, g) for g in globs) for f in files)


# ------------------------------------------------------------------ the 19 criteria
@pytest.mark.parametrize("text,criterion", [
    ("Het dragen van een hoofddoek is niet toegestaan.", "religion_belief"),
    ("Vrouwen zijn ook welkom, maar het werk is zwaar.", "sex"),
    ("Kandidaten geboren na 1990 genieten de voorkeur.", "age"),
    ("Vermeld je burgerlijke staat.", "civil_status"),
    ("Geen vakbondsleden.", "trade_union"),
    ("Je hebt een knappe verschijning.", "physical_genetic"),
    ("Vous êtes propriétaire de votre logement.", "wealth"),
    ("Caucasian candidates only.", "race"),
])
def test_each_warning_names_criterion_law_span_and_alternative(text, criterion):
    ws = [w for w in check_text("", text) if w.criterion == criterion]
    assert ws, check_text("", text)
    w = ws[0]
    assert w.law and w.law in w.reason and w.alternative
    assert text[w.span.start:w.span.end] == w.span.text and w.span.text


@pytest.mark.parametrize("text", [
    "Voor deze functie als pastoraal medewerker in onze parochie deel je het christelijk geloof.",
    "Als fractiemedewerker van onze partij onderschrijf je het partijprogramma.",
    "Je beheerst Nederlands en Frans vlot (C1), omdat je klanten in beide talen helpt.",
    "Omdat dit een veiligheidsfunctie is, volgt een gezondheidsbeoordeling door de arbeidsarts.",
    "Voor de rol van moeder in onze theaterproductie zoeken we een actrice.",
    "We moedigen iedereen aan om te solliciteren, ongeacht leeftijd, geslacht of afkomst.",
    "Je beschikt over een geldige verblijfs- en arbeidsvergunning.",
])
def test_genuine_requirements_in_the_same_sentence_give_no_warning(text):
    assert check_text("", text) == []


def test_regulated_professions_keep_their_diploma_and_never_get_the_experience_advice():
    for title, text in (("Verpleegkundige (m/v/x)", "Je hebt een bachelordiploma en een RIZIV-visum."),
                        ("Verpleegkundige (m/v/x)", "Je hebt een bachelordiploma."),
                        ("Magazijnmedewerker (m/v/x)", "Je hebt een bachelordiploma verpleegkunde."),
                        ("Apotheker (m/v/x)", "")):
        ws = check_text(title, text, ["master in de farmaceutische wetenschappen"])
        assert not ws and not any("door ervaring" in w.alternative for w in ws), (title, text, ws)
    # the same diploma for a profession that is not regulated still gets the advice
    ws = check_text("Magazijnmedewerker (m/v/x)", "Je hebt een bachelordiploma.", ["bachelor"])
    assert [w.criterion for w in ws] == ["diploma", "diploma"] and "door ervaring" in ws[-1].alternative


def test_every_criterion_has_a_dutch_label_for_the_api():
    from api.routes_employer import CATEGORY_LABELS_NL
    from matcher.drafting.wording import CRITERIA

    assert set(CRITERIA) <= set(CATEGORY_LABELS_NL)


# ------------------------------------------------------------------ generalisation: cues, context, exemptions
def crits(text):
    return {w.criterion for w in check_text("", text) if w.criterion != "diploma"}


@pytest.mark.parametrize("text,criterion", [
    # coded wording warns on its own, topic words with a condition (requirement, exclusion, question)
    ("Een charmante jongedame aan het onthaal.", "sex"),
    ("Een charmante jongedame aan het onthaal.", "age"),
    ("Gepensioneerden komen niet in aanmerking.", "age"),
    ("Kandidaten boven de 50 nemen we niet aan.", "age"),
    ("Vermeld je geboortedatum.", "age"),
    ("Homo's en lesbiennes passen niet in onze conservatieve klantenkring.", "sexual_orientation"),
    ("Je bent geboren en getogen in West-Vlaanderen.", "descent"),
    ("Kandidaten uit een arbeidersmilieu passen minder.", "social_origin"),
    ("Kandidaten met een leefloon hoeven niet te solliciteren.", "wealth"),
    ("Rolstoelgebruikers kunnen we niet tewerkstellen.", "disability"),
    ("Cv's met een Arabische naam leggen we opzij.", "national_ethnic_origin"),
    ("Vous êtes francophone natif.", "language"),
    ("Pas de signes religieux visibles, nos clients n'aiment pas ça.", "religion_belief"),
    ("Black applicants need not apply.", "skin_colour"),
    ("Candidates with extreme political views will not be hired.", "political_conviction"),
    # a question answered in the next sentence, a concessive phrase that voids the legal reason
    ("Kanker gehad? Dan is deze zware job niets voor jou.", "health"),
    ("Niet-EU-burgers worden niet weerhouden, ook al hebben ze een geldige arbeidsvergunning.", "nationality"),
    # "welkom" after a restriction is not an inclusive statement
    ("Enkel kandidaten met Vlaamse roots zijn welkom.", "descent"),
    ("Seuls les candidats d'origine belge sont les bienvenus.", "national_ethnic_origin"),
    ("Hoofddoeken worden niet getolereerd.", "religion_belief"),
    ("Ongeacht je ervaring moet je jonger zijn dan 35.", "age"),
])
def test_generalised_wording_is_caught(text, criterion):
    assert criterion in crits(text), check_text("", text)


@pytest.mark.parametrize("text", [
    # the trait as the object of the work, a description of the team, benefits, respect, choice
    "Ons team bestaat uit twintigers en vijftigers die elkaar versterken.",
    "Je werkt samen met collega's van verschillende nationaliteiten.",
    "Als kinderverzorger moet je goed kunnen omgaan met jonge kinderen en hun ouders.",
    "Je moet de Pride-parade mee organiseren als medewerker evenementen van de stad.",
    "Je werkt in een centrum voor asielzoekers als maatschappelijk assistent.",
    "Zwangerschapsverlof en ouderschapsverlof worden volledig doorbetaald.",
    "In de kantine serveren we halal, vegetarische en veganistische maaltijden.",
    "We respecteren de religieuze overtuiging van al onze medewerkers.",
    "Je bent een man of vrouw met passie voor techniek.",
    "We beoordelen kandidaten zonder te kijken naar hun achternaam of afkomst.",
    "Je gebruikt je eigen auto; we betalen een vergoeding per kilometer.",
    # genuine requirements with their reason, an ethos-based employer, a casting role
    "Voor deze bewakingsfunctie ben je minstens 21 jaar, zoals de wet op de private veiligheid vereist.",
    "Voor deze functie bij de FOD Buitenlandse Zaken is de Belgische nationaliteit vereist.",
    "Als leerkracht in onze katholieke school respecteer je het pedagogisch project.",
    "Voor de rol van grootmoeder in deze reclamespot zoeken we een actrice van 70 jaar of ouder.",
    "Als brandweerman slaag je voor de fysieke proeven die de wet voorschrijft.",
    # ordinary vacancy wording that contains a trigger word
    "Wij bieden een aantrekkelijk loon aangevuld met extralegale voordelen.",
    "We hechten belang aan duurzaamheid en milieu.",
    "Je meet de lengte en het gewicht van baby's op het consultatiebureau.",
    "Je moet homogene productiepartijen controleren in het labo.",
])
def test_context_keeps_neutral_and_legitimate_sentences_clean(text):
    assert check_text("", text) == []
