"""Issue 16: context cues (wishes, employer sector, negation), soft-skill phrases, language
levels, requirement status, input refused with a Dutch message, the gold scoring, and the
``cmatch extract`` / ``cmatch eval extract`` output formats (miniature model: marked slow)."""
from __future__ import annotations

import json

import pytest

from eval.extract_gold import score_text, split_of, summarise
from matcher.extraction import ExtractedCompetence, ExtractedRequirement, Extraction, Span
from matcher.extraction.input_check import TextRejected, check_text
from matcher.text import context, cues


def _covered(text: str, phrase: str, ranges) -> bool:
    i = text.index(phrase)
    return cues.overlaps((i, i + len(phrase)), ranges, 0.9)


JOB_SEARCHES = [
    ("ik zoek werk als afwasser", "afwasser"),
    ("zoek iets als chauffeur of in de verkoop", "chauffeur of in de verkoop"),
    ("Je cherche un emploi comme serveur à Bruxelles.", "serveur"),
    ("I am looking for a job as a nurse.", "nurse"),
]


@pytest.mark.parametrize("text,phrase", [
    ("Ik wil graag verpleegkundige worden.", "verpleegkundige"),
    ("Liefst iets in de zorg of het onderwijs.", "de zorg of het onderwijs"),
    ("Boekhouder bij een KMO in de bouwsector.", "KMO in de bouwsector"),
    ("Je cherche un emploi dans la restauration.", "un emploi dans la restauration"),
    ("I want to become a nurse.", "become a nurse"),
    *JOB_SEARCHES,
])
def test_wishes_and_employer_context_are_excluded(text: str, phrase: str) -> None:
    assert _covered(text, phrase, context.excluded_ranges(text, 0, len(text)))


@pytest.mark.parametrize("text,phrase", [
    ("Ik kwam in 2022 als vluchteling naar België en volg inburgering.", "Ik kwam in 2022 als vluchteling naar België"),
    ("Ik ben Sarah, moeder van drie kinderen.", "moeder van drie kinderen"),
    ("Je suis arrivée comme réfugiée en 2021.", "Je suis arrivée comme réfugiée en 2021"),
])
def test_personal_history_yields_nothing(text: str, phrase: str) -> None:
    assert _covered(text, phrase, context.excluded_ranges(text, 0, len(text)))


def test_personal_history_keeps_the_work_beside_it() -> None:
    text = "Ik werk als kok en ben moeder van twee kinderen."
    ranges = context.excluded_ranges(text, 0, len(text))
    assert _covered(text, "moeder van twee kinderen", ranges) and not _covered(text, "werk als kok", ranges)


def test_own_tasks_are_not_excluded() -> None:
    text = "Ik doe de boekhouding en de btw-aangifte."
    assert not context.excluded_ranges(text, 0, len(text))


@pytest.mark.parametrize("text,code", [
    ("Ik werk graag in een team.", "SO-10"), ("Ik ben altijd op tijd.", "SO-19"),
    ("Ik kan goed met mensen omgaan.", "SO-8"), ("Je bent klantvriendelijk.", "SO-11"),
    ("Je kan zelfstandig werken.", "SO-31"), ("Vous êtes résistant(e) au stress.", "SO-28"),
])
def test_attitude_phrases_name_their_soft_skill(text: str, code: str) -> None:
    assert code in {c for c, _s, _e in context.soft_skills(text, 0, len(text))}


@pytest.mark.parametrize("text,value,status", [
    ("Gestopt in 5de jaar BSO (Hout)", "BSO", "not_held"),
    ("Diploma heb ik niet", "Diploma", "not_held"),
    ("Volg HBO5 Verpleegkunde in avondschool", "HBO5", "in_progress"),
    ("Bachelor verpleegkunde behaald in 2015", "Bachelor", "held"),
])
def test_requirement_status(text: str, value: str, status: str) -> None:
    i = text.index(value)
    assert context.requirement_status(text, 0, len(text), i, i + len(value)) == status


@pytest.mark.parametrize("text,expected", [
    ("NL moedertaal, Frans en Engels goed", {"Nederlands": "moedertaal", "Frans": "goed", "Engels": "goed"}),
    ("Je parle arabe et un peu de néerlandais (niveau A2)", {"Arabisch": None, "Nederlands": "A2"}),
    ("Frans op niveau B2 en Nederlands vloeiend", {"Frans": "B2", "Nederlands": "vloeiend"}),
])
def test_language_level_binds_to_its_own_language(text: str, expected: dict) -> None:
    assert {r.value: r.level for r in cues.find_requirements(text) if r.category == "language"} == expected


def test_language_section_and_place_names() -> None:
    assert [r.value for r in cues.find_requirements("Engels: basis", language_section=True)] == ["Engels"]
    assert not [r for r in cues.find_requirements("Ik woon in Brussel.") if r.category == "language"]
    assert cues.heading_kind("Hobby's") == "skip" and cues.heading_kind("Talen") == "languages"
    assert cues.heading_kind("Vaardigheden") == "other"


@pytest.mark.parametrize("text,word", [
    ("", "leeg"), ("  \n ", "leeg"), ("x" * 20001, "te lang"), ("\x00\x01\x02\x03abc\x00\x00\x04", "leesbare"),
    ("Я работаю водителем погрузчика на складе много лет", "taal"),
    ("Ben depoda forklift kullanıyorum ve sipariş topluyorum her gün çok çalışıyorum", "taal"),
])
def test_bad_input_gets_one_dutch_message(text: str, word: str) -> None:
    with pytest.raises(TextRejected, match=word):
        check_text(text)


def test_good_input_passes() -> None:
    for text in ("orderpicking, heftruck, SAP", "Je cherche un emploi de cuisinier.", "I drive a forklift."):
        assert check_text(text) == text


def _comp(cid: str, conf: float, status: str = "held") -> ExtractedCompetence:
    return ExtractedCompetence(cid, cid if not cid.startswith("http") else None, cid if cid.startswith("http") else None,
                               cid, "skill", conf, [Span(0, 3, "abc")], status=status)


def test_gold_scoring_counts_twins_ignores_acceptable_and_flags_must_not() -> None:
    doc = {"id": "cv-x", "kind": "cv", "text": "abc",
           "competences": [{"id": "SK-1", "label": "a"}, {"id": "SK-2", "label": "b"}],
           "acceptable": [{"id": "KN-1", "label": "c"}],
           "must_not": [{"id": "KN-9", "label": "d", "why": "sector"}],
           "requirements": [{"category": "language", "value": "nl", "level": "moedertaal", "status": "held"}]}
    twins = {"SK-2": {"http://e/2"}, "http://e/2": {"SK-2"}}
    ex = Extraction("nl", [_comp("SK-1", 0.9), _comp("http://e/2", 0.8), _comp("KN-1", 0.7), _comp("KN-9", 0.6),
                           _comp("SK-7", 0.2, "suggestion")],
                    [ExtractedRequirement("language", "Nederlands", Span(0, 3, "abc"), "moedertaal", None, "held")])
    row = score_text(doc, ex, twins, {"Nederlands": "nl"})
    assert (row["tp"], row["fp"], row["fn"]) == (2, 1, 0)
    assert row["errors"][0]["must_not"] == "sector" and row["must_not_top5"][0]["id"] == "KN-9"
    assert row["req_tp"] == 1 and row["lang_level_tp"] == 1
    s = summarise([row])
    assert s["precision"] == round(2 / 3, 4) and s["recall"] == 1.0
    assert [split_of(i) for i in range(6)] == ["dev", "dev", "holdout", "dev", "dev", "holdout"]


# ------------------------------------------------------------- end to end
@pytest.mark.slow
def test_extraction_statuses_and_context(mini_services) -> None:
    ex = mini_services.extractor
    r = ex.extract("Ik wil graag heftruckchauffeur worden.", kind="cv")
    assert "SK-5" not in {c.competence_id for c in r.competences}
    r = ex.extract("Ik rij al 8 jaar met een heftruck.\nGestopt in 5de jaar BSO.", kind="cv")
    held = {c.competence_id: c for c in r.competences}
    assert "SK-5" in held and held["SK-5"].status in ("held", "suggestion") and held["SK-5"].spans
    assert ("diploma", "secundair onderwijs", "not_held") in {(q.category, q.value, q.status) for q in r.requirements}


@pytest.mark.slow
def test_own_occupation_titles_become_preferred_occupations(mini_services) -> None:
    """Job titles the person names as their own count; a wish, someone else's title and a
    surname do not; a stated preference is never overwritten."""
    from matcher.ingest import portfolio_from_input

    text = ("Piet Magazijnmedewerker – Gent\nIk werk al 6 jaar als magazijnmedewerker, daarvoor magasinier.\n"
            "Ik hielp de verpleegkundige bij de ronde. Ik wil graag kok worden.")
    r = mini_services.extractor.extract(text, kind="cv")
    assert [(o.occupation_code, [s.text for s in o.spans]) for o in r.occupations] == \
        [("OP-400", ["magazijnmedewerker", "magasinier"])]
    p, errors = portfolio_from_input({"id": "P-T", "cv_text": text}, mini_services.resolver, mini_services.extractor)
    assert not errors and p.preferred_occupations == ["OP-400"] and p.extra["occupations_from_text"] == ["OP-400"]
    p, _ = portfolio_from_input({"id": "P-T", "cv_text": text, "preferred_occupations": ["OP-600"]},
                                mini_services.resolver, mini_services.extractor)
    assert p.preferred_occupations == ["OP-600"]


@pytest.mark.slow
def test_cli_extract_and_eval_extract_formats(mini_services, tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from cmatch.cli import app
    import cmatch.commands.extract as extract_commands

    monkeypatch.setattr(extract_commands.Components, "from_env", classmethod(lambda cls: mini_services))
    f = tmp_path / "cv.txt"
    f.write_text("Ik rij met een heftruck.\nTalen\nNL moedertaal", encoding="utf-8")
    res = CliRunner().invoke(app, ["extract", str(f), "--kind", "cv", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out) == {"text_language", "competences", "requirements", "occupations"}
    assert {"competence_id", "competent_code", "esco_uri", "label", "label_en", "confidence", "status",
            "spans"} <= set(out["competences"][0])
    assert {"category": "language", "value": "Nederlands", "level": "moedertaal", "status": "held"}.items() \
        <= out["requirements"][0].items()
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01\x02garbage\x00\x00\x05")
    res = CliRunner().invoke(app, ["extract", str(bad)])
    assert res.exit_code == 2 and "Fout:" in res.output
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "cv-001.json").write_text(json.dumps({
        "id": "cv-001", "kind": "cv", "text": "Ik rij met een heftruck.",
        "competences": [{"id": "SK-5", "label": "Een heftruck besturen", "span": "heftruck"}],
        "acceptable": [], "must_not": [], "requirements": []}), encoding="utf-8")
    res = CliRunner().invoke(app, ["eval", "extract", str(gold), "--out", str(tmp_path / "rep"), "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert {"precision", "recall", "f1", "n_texts"} <= set(rep) and rep["n_texts"] == 1
    assert (tmp_path / "rep" / "extract-gold-errors.json").exists()


@pytest.mark.slow
def test_api_extract_status_and_bad_input(mini_services) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    client = TestClient(create_app(mini_services, warm=False))
    r = client.post("/api/v1/extract", json={"text": "Ik rij met een heftruck. Diploma heb ik niet.", "kind": "cv"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert all(c["status"] in ("held", "suggestion") for c in body["competences"])
    assert {q["status"] for q in body["requirements"]} <= {"held", "not_held", "in_progress"}
    for bad in ("\x01\x02\x03\x04\x05\x06 garbage \x07\x08", "Я работаю водителем погрузчика на складе много лет"):
        r = client.post("/api/v1/extract", json={"text": bad})
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", r.text


@pytest.fixture(scope="module")
def mini_titles(mini_settings):
    """The occupation-title matchers of the miniature store (no model needed)."""
    from indexer.taxonomy.store import TaxonomyStore, ensure_store
    from matcher.extraction.occupations import occupation_titles

    ensure_store(mini_settings, progress=False)
    return occupation_titles(TaxonomyStore(mini_settings.store_path))


def _titles(titles, text: str, lang: str = "nl") -> list[tuple[str, str]]:
    from matcher.text.lexical import tokenize

    return [(text[m.start:m.end], m.key) for m in titles.find(tokenize(text, lang, split_slashes=True), lang)]


def test_compound_titles_verb_forms_and_english_labels(mini_titles) -> None:
    """A Dutch compound whose head is a title is that title; English labels count in English
    texts only, where Dutch labels must not meet English lemmas."""
    assert _titles(mini_titles, "Ik was 5 jaar koelmagazijnmedewerker.") == [("koelmagazijnmedewerker", "OP-400")]
    assert _titles(mini_titles, "ben magazijnmedewerker/heftruckchauffeur") == \
        [("magazijnmedewerker", "OP-400"), ("heftruckchauffeur", "OP-388")]
    assert _titles(mini_titles, "I worked as a forklift driver for six years.", "en") == [("forklift driver", "OP-388")]
    assert _titles(mini_titles, "Ik werkte met een forklift driver samen.") == []


def test_verb_forms_do_not_meet_titles_through_their_lemma() -> None:
    from matcher.extraction.occupations import _not_a_verb_form
    from matcher.text.lexical import PhraseMatcher, Tok

    hielp = Tok(0, 5, "hielp", "hielp", "helpen")
    kapsters = Tok(0, 8, "kapsters", "kapsters", "kapster")
    assert not _not_a_verb_form([hielp], PhraseMatcher.Match(0, 5, "OP-1", 1))
    assert _not_a_verb_form([kapsters], PhraseMatcher.Match(0, 8, "OP-1", 1))


def test_the_job_searched_is_marked_as_such() -> None:
    """A job search is excluded like any wish (the cases are in the test above) and also marked,
    so that a title in it becomes the wished occupation."""
    assert all(_covered(text, phrase, context.job_search_ranges(text, 0, len(text))) for text, phrase in JOB_SEARCHES)
    assert not context.job_search_ranges("Ik werk als afwasser.", 0, 21)


def test_preferred_codes_take_own_titles_before_the_job_searched() -> None:
    from matcher.extraction.occupations import OWN, WISHED, preferred_codes

    assert preferred_codes([("OP-1", WISHED, 1), ("OP-2", OWN, 1), ("OP-3", OWN, 2)]) == ["OP-3", "OP-2"]
    assert preferred_codes([("OP-1", WISHED, 1), ("OP-4", WISHED, 2)]) == ["OP-4", "OP-1"]
    assert preferred_codes([]) == []


@pytest.mark.slow
def test_the_job_searched_counts_only_without_own_titles(mini_services) -> None:
    from matcher.ingest import portfolio_from_input

    ex = mini_services.extractor
    r = ex.extract("Ik zoek werk als heftruckchauffeur.", kind="cv")
    assert [(o.occupation_code, o.status) for o in r.occupations] == [("OP-388", "wished")]
    assert "SK-5" not in {c.competence_id for c in r.competences}
    p, _ = portfolio_from_input({"id": "P-W", "cv_text": "Ik zoek werk als heftruckchauffeur."},
                                mini_services.resolver, ex)
    assert p.preferred_occupations == ["OP-388"]
    text = "Ik werk 6 jaar als magazijnmedewerker. Ik zoek werk als heftruckchauffeur."
    p, _ = portfolio_from_input({"id": "P-W", "cv_text": text}, mini_services.resolver, ex)
    assert p.preferred_occupations == ["OP-400"]


def test_licence_lists_and_held_languages_are_read_from_a_cv() -> None:
    from types import SimpleNamespace

    text = "Rijbewijs B, C en CE. Geen rijbewijs D. Talen: NL moedertaal, Frans B1, Engels goed, Arabisch."
    reqs = [SimpleNamespace(category=r.category, value=r.value, level=r.level,
                            status=context.requirement_status(text, 0, len(text), r.start, r.end))
            for r in cues.find_requirements(text, 0, len(text))]
    assert [r.value for r in reqs if r.category == "licence"] == ["rijbewijs B", "rijbewijs C", "rijbewijs CE",
                                                                  "rijbewijs D"]
    licences, languages = cues.held_licences_and_languages(reqs)
    assert licences == ["B", "C", "CE"]
    assert languages == [("nl", "C2"), ("fr", "B1"), ("en", "B2"), ("ar", "B1")]


@pytest.mark.slow
def test_a_cv_text_fills_licences_and_languages_left_empty(mini_services) -> None:
    from matcher.ingest import portfolio_from_input

    text = "Ik rij al 8 jaar met een heftruck. Rijbewijs B en CE.\nTalen\nNederlands moedertaal, Frans goed"
    p, errors = portfolio_from_input({"id": "P-L", "cv_text": text}, mini_services.resolver, mini_services.extractor)
    assert not errors and p.driving_licences == ["B", "CE"]
    assert [(l.code, l.level) for l in p.languages] == [("nl", "C2"), ("fr", "B2")]
    p, _ = portfolio_from_input({"id": "P-L", "cv_text": text, "driving_licences": ["c"],
                                 "languages": [{"code": "nl", "level": "B1"}]}, mini_services.resolver, mini_services.extractor)
    assert p.driving_licences == ["C"] and [(l.code, l.level) for l in p.languages] == [("nl", "B1")]


@pytest.mark.slow
def test_a_cv_sentence_with_a_year_is_not_company_blurb(mini_services) -> None:
    """"sinds 2012" is a vacancy's company blurb ("opgericht sinds 2012") but a CV's experience."""
    text = "Ik ben heftruckchauffeur sinds 2012."
    ex = mini_services.extractor
    assert [o.occupation_code for o in ex.extract(text, kind="cv").occupations] == ["OP-388"]
    assert not ex.extract("Wij zijn een familiebedrijf sinds 2012 en zoeken een heftruckchauffeur.",
                          kind="vacancy").competences


@pytest.mark.parametrize("text,title,other", [
    ("in samenwerking met de externe accountant", "accountant", True),
    ("avec l'ancien cuisinier", "cuisinier", True),
    ("van de verpleegkundige", "verpleegkundige", True),
    ("Ik ben een ervaren boekhouder", "boekhouder", False),
    ("in de thuiszorg als zorgkundige", "zorgkundige", False),
])
def test_a_title_after_a_definite_article_and_an_adjective_is_someone_elses(text, title, other) -> None:
    assert context.names_someone_else(text, text.rindex(title)) is other


def test_a_label_names_the_occupations_whose_title_holds_it() -> None:
    from matcher.extraction.occupations import _named_in_title

    titles = {"OP-5": "boekhouder-boekhouder fiscalist", "OP-25": "verantwoordelijke budgetbeheer",
              "OP-1": "halfautomaatlasser", "OP-2": "tig-lasser", "OP-3": "technisch inspecteur industrie",
              "OP-4": "ambachtelijk metaalbewerker"}
    assert _named_in_title(("boekhouder",), {"OP-5", "OP-25"}, titles) == {"OP-5"}
    assert _named_in_title(("lasser",), {"OP-3", "OP-4"}, titles) == {"OP-1", "OP-2"}
    assert _named_in_title(("accountant",), {"OP-5", "OP-25"}, titles) == {"OP-5", "OP-25"}
    assert _named_in_title(("lasser",), {"OP-3"}, titles) == {"OP-3"}


def test_an_employer_phrase_ends_at_the_function_that_follows() -> None:
    text = "Daarvoor werkte ik in de horeca als kelner."
    ranges = context.excluded_ranges(text, 0, len(text))
    assert _covered(text, "in de horeca", ranges) and not _covered(text, "kelner", ranges)
