"""Competence extraction: span offsets, negation, requirement levels, diplomas kept apart,
blurbs/benefits ignored, and inputs in Dutch, English and French.

The rule tests need nothing; the end-to-end tests run the real model over the miniature
taxonomy of ``data/fixtures/minidata`` (marked slow, like the index tests)."""
from __future__ import annotations

import pytest

from matcher.text import cues
from indexer.domain import MAX_TEXT_CHARS
from matcher.extraction import CompetenceExtractor, ExtractedCompetence, ExtractedRequirement, Extraction, Span


# ------------------------------------------------------------------ rules
@pytest.mark.parametrize("text,lang", [
    ("Je hebt ervaring met heftrucks en je werkt graag in team.", "nl"),
    ("You have experience with forklifts and you like working in a team.", "en"),
    ("Vous avez de l'expérience avec les chariots élévateurs et vous aimez le travail en équipe.", "fr"),
])
def test_language_detection(text: str, lang: str) -> None:
    assert cues.detect_language(text) == lang


@pytest.mark.parametrize("sentence,level", [
    ("Rijbewijs C is vereist", "required"),
    ("Kennis van SAP is een pluspunt", "nice_to_have"),
    ("Ervaring in de logistiek is een troef", "nice_to_have"),
    ("Bij voorkeur heb je een VCA-attest", "nice_to_have"),
    ("You must have a forklift licence", "required"),
    ("Experience with SAP is a plus", "nice_to_have"),
    ("La connaissance du néerlandais est un atout", "nice_to_have"),
    ("Je kan zelfstandig werken", "required"),
])
def test_requirement_level_cues(sentence: str, level: str) -> None:
    assert cues.requirement_level(sentence) == level


def test_requirement_level_is_per_segment() -> None:
    text = "Een bachelor is vereist; kennis van SAP is een pluspunt."
    s, e = 0, len(text) - 1
    assert cues.requirement_level_at(text, s, e, 4, 12) == "required"
    i = text.index("SAP")
    assert cues.requirement_level_at(text, s, e, i, i + 3) == "nice_to_have"


def test_cue_in_another_clause_does_not_carry_over() -> None:
    """A ';' ends a clause: the "bij voorkeur" of the second clause leaves Dutch required,
    and each language gets the level written in its own clause."""
    text = "Je spreekt vlot Nederlands; basiskennis Frans of Engels is bij voorkeur."
    found = {r.value: r for r in cues.find_requirements(text)}
    assert found["Nederlands"].level == "vloeiend"
    assert found["Frans"].level == "basis" and found["Engels"].level == "basis"
    level = {v: cues.requirement_level_at(text, 0, len(text), r.start, r.end) for v, r in found.items()}
    assert level == {"Nederlands": "required", "Frans": "nice_to_have", "Engels": "nice_to_have"}
    # without the ';' the trailing cue applies to the whole list
    text = "Kennis van SAP, Excel en Word is een troef."
    i = text.index("SAP")
    assert cues.requirement_level_at(text, 0, len(text), i, i + 3) == "nice_to_have"


def test_nice_to_have_section_carries_to_bullets() -> None:
    assert cues.heading_kind("Pluspunten:") == "nice"
    assert cues.requirement_level("Kennis van Excel", section="nice") == "nice_to_have"
    assert cues.heading_kind("Ons aanbod") == "offer"


def test_negated_ranges() -> None:
    text = "Geen ervaring met heftrucks nodig, maar je kan wel plannen."
    ranges = cues.negated_ranges(text)
    i = text.index("heftrucks")
    assert cues.overlaps((i, i + 9), ranges)
    j = text.index("plannen")
    assert not cues.overlaps((j, j + 7), ranges)
    assert not cues.negated_ranges("Je bent niet alleen flexibel maar ook stressbestendig.")
    en = "No experience with cooking is required."
    assert cues.overlaps((en.index("cooking"), en.index("cooking") + 7), cues.negated_ranges(en))
    fr = "Vous travaillez sans expérience en soudure."
    assert cues.overlaps((fr.index("soudure"), fr.index("soudure") + 7), cues.negated_ranges(fr))


@pytest.mark.parametrize("sentence", [
    "Wij bieden een competitief loon, maaltijdcheques en een hospitalisatieverzekering.",
    "Wij streven naar diversiteit en gelijke kansen, ongeacht afkomst of geslacht.",
    "Ons bedrijf is marktleider in de Benelux en werd opgericht in 1985.",
    "We offer a competitive salary and a company car.",
    "Nous offrons un contrat à durée indéterminée et des chèques-repas.",
    "We are an equal opportunity employer and value diversity.",
])
def test_blurbs_benefits_and_diversity_are_noise(sentence: str) -> None:
    assert cues.is_noise_sentence(sentence)


def test_competence_sentences_are_not_noise() -> None:
    assert not cues.is_noise_sentence("Je kan een heftruck besturen en orders verzamelen.")


def test_requirements_found_with_offsets_and_levels() -> None:
    text = ("Een bachelor diploma is vereist. Je hebt een VCA-attest en rijbewijs CE. "
            "Je spreekt vloeiend Nederlands en Frans op niveau B2. Driving licence B required. "
            "Vous avez le permis C.")
    found = cues.find_requirements(text)
    got = {(r.category, r.value) for r in found}
    assert ("diploma", "bachelor") in got
    assert ("certificate", "VCA") in got
    assert ("licence", "rijbewijs CE") in got
    assert ("licence", "rijbewijs B") in got
    assert ("licence", "rijbewijs C") in got
    assert ("language", "Nederlands") in got and ("language", "Frans") in got
    assert sum(1 for r in found if r.category == "diploma") == 1  # "bachelor diploma" once
    for r in found:
        assert text[r.start:r.end].lower().startswith(text[r.start:r.end].lower()[:2])
        assert r.end > r.start
    frans = next(r for r in found if r.value == "Frans")
    assert text[frans.start:frans.end] == "Frans" and frans.level == "B2"
    assert next(r for r in found if r.value == "Nederlands").level == "vloeiend"


def test_language_word_without_language_context_is_not_a_requirement() -> None:
    assert not [r for r in cues.find_requirements("Je verkoopt Franse kazen en Engelse thee.") if r.category == "language"]


def test_interface_dataclasses() -> None:
    span = Span(0, 4, "test")
    c = ExtractedCompetence("SK-1", "SK-1", None, "Test", "skill", 0.9, [span])
    assert c.requirement is None
    r = ExtractedRequirement("licence", "rijbewijs B", span)
    assert r.level is None and r.requirement is None
    assert Extraction("nl").competences == []


def test_end_to_end_calibration_applies_to_documents_only(tmp_path) -> None:
    """The end-to-end weights decide for texts of 2+ sentences; a one-sentence text keeps the
    label-identity confidence and cut; a build that had nothing to fit on leaves label identity."""
    from matcher.extraction.calibration import END_TO_END_MIN_SENTENCES, Calibration

    cal = Calibration(held_cut=0.5, end_to_end_cut=0.7, weights={"base": 1.0, "profile": 2.0}, bias=-1.0)
    ev = {"base": 0.6, "profile": 1.0}
    assert cal.confidence(ev, 1) == 0.6 and cal.cut(1) == 0.5
    doc = cal.confidence(ev, END_TO_END_MIN_SENTENCES)
    assert doc != 0.6 and cal.cut(END_TO_END_MIN_SENTENCES) == 0.7
    assert cal.confidence({"base": 0.6, "profile": 0.0}, 5) < doc     # in an own occupation's profile counts
    label = tmp_path / "calibration.json"
    label.write_text('{"a": 9.0, "b": 1.0, "c": -8.0, "held_cut": 0.5}')
    skipped = tmp_path / "e2e.json"
    skipped.write_text('{"skipped": "geen juiste voorbeelden", "weights": null}')
    loaded = Calibration.load(label, skipped)
    assert loaded.a == 9.0 and not loaded.weights and loaded.confidence(ev, 10) == 0.6
    fitted = tmp_path / "e2e-fitted.json"
    fitted.write_text('{"weights": {"base": 1.0, "unknown": 3.0}, "bias": 0.5, "held_cut": 0.66}')
    loaded = Calibration.load(label, fitted)
    assert loaded.weights == {"base": 1.0} and loaded.cut(3) == 0.66 and loaded.cut(1) == 0.5


def test_pieces_cut_out_ranges() -> None:
    from matcher.extraction.engine import _pieces

    text = "Ik wil graag verpleegkundige worden maar dat moet in combinatie met mijn werk"
    wish = (0, text.index(" maar"))
    assert [text[a:b] for a, b in _pieces(0, len(text), [wish])] == [" maar dat moet in combinatie met mijn werk"]
    assert _pieces(0, 11, [(0, 11)]) == []                               # a part that is only a job title
    assert _pieces(0, 20, [(5, 8), (2, 6)]) == [(8, 20)]                  # overlapping ranges, a too-short rest
    assert _pieces(0, 20, [(30, 40)]) == [(0, 20)]


# -------------------------------------------------------- end to end (model)
VACANCY = """Wij zoeken een magazijnmedewerker (m/v/x).
Profiel:
- Je kan een heftruck besturen en orders verzamelen.
- Geen ervaring met gerechten bereiden nodig.
- Een bachelor diploma is vereist; rijbewijs C is een pluspunt.
- Je spreekt vloeiend Nederlands.
- In team werken is een troef.
Ons aanbod:
Wij bieden een competitief loon en maaltijdcheques. Wij streven naar diversiteit."""


@pytest.fixture(scope="module")
def extractor(mini_services) -> CompetenceExtractor:
    return mini_services.extractor


def _by_id(result: Extraction) -> dict[str, ExtractedCompetence]:
    return {c.competence_id: c for c in result.competences}


@pytest.mark.slow
def test_vacancy_end_to_end(extractor) -> None:
    result = extractor.extract(VACANCY, kind="vacancy")
    assert result.text_language == "nl"
    comps = _by_id(result)
    # competences found, with Competent codes, Dutch labels and exact spans
    assert "SK-5" in comps and "SK-6" in comps
    assert comps["SK-5"].label == "Een heftruck besturen" and comps["SK-5"].kind == "skill"
    for c in result.competences:
        assert 0.0 <= c.confidence <= 1.0
        for sp in c.spans:
            assert VACANCY[sp.start:sp.end] == sp.text
    assert any("heftruck" in sp.text for sp in comps["SK-5"].spans)
    # requirement levels
    assert comps["SK-5"].requirement == "required"
    assert comps["SO-9"].requirement == "nice_to_have"
    # negation: nothing comes from "Geen ervaring met gerechten bereiden nodig"
    neg_s = VACANCY.index("Geen ervaring")
    neg_e = VACANCY.index("nodig", neg_s)
    for c in result.competences:
        assert all(sp.end <= neg_s or sp.start >= neg_e for sp in c.spans), c
    # diplomas, licences, languages kept apart, with their own levels
    reqs = {(r.category, r.value): r for r in result.requirements}
    assert reqs[("diploma", "bachelor")].requirement == "required"
    assert reqs[("licence", "rijbewijs C")].requirement == "nice_to_have"
    assert reqs[("language", "Nederlands")].level == "vloeiend"
    for r in result.requirements:
        assert VACANCY[r.span.start:r.span.end] == r.span.text
    # no competence comes from a requirement span or from the offer / diversity section
    offer_start = VACANCY.index("Ons aanbod")
    req_spans = [(r.span.start, r.span.end) for r in result.requirements]
    for c in result.competences:
        for sp in c.spans:
            assert sp.start < offer_start
            assert not any(s <= sp.start and sp.end <= e for s, e in req_spans)


@pytest.mark.slow
def test_end_to_end_confidence_changes_status_not_candidates(extractor) -> None:
    """Which competences are returned depends on the label-identity confidence only; the
    end-to-end fit sets the confidence shown and held vs suggestion, for documents only."""
    import dataclasses

    engine = extractor.engine
    before = extractor.extract(VACANCY, kind="vacancy")
    sentence = "Je kan een heftruck besturen en orders verzamelen."
    one_before = extractor.extract(sentence, kind="free")
    saved = engine.calibration
    engine.calibration = dataclasses.replace(saved, weights={"base": 1.0}, bias=-6.0, end_to_end_cut=0.5)
    try:
        after = extractor.extract(VACANCY, kind="vacancy")
        one_after = extractor.extract(sentence, kind="free")
    finally:
        engine.calibration = saved
    assert before.competences
    assert {c.competence_id for c in after.competences} == {c.competence_id for c in before.competences}
    conf = {c.competence_id: c.confidence for c in before.competences}
    assert all(c.confidence < conf[c.competence_id] and c.status == "suggestion" for c in after.competences)
    assert [(c.competence_id, c.confidence, c.status) for c in one_after.competences] == \
        [(c.competence_id, c.confidence, c.status) for c in one_before.competences]


@pytest.mark.slow
def test_wish_and_job_title_yield_no_competence_spans(extractor) -> None:
    """The wish stretch of a clause and a line that is only the person's job title are cut out
    of what is searched: no competence span lies inside them."""
    text = ("Magazijnmedewerker\nIk wil graag heftruckchauffeur worden maar ik kan al orders verzamelen.\n"
            "Ik kan een heftruck besturen.")
    got = extractor.extract(text, kind="cv", min_confidence=0.0)
    wish = (text.index("Ik wil"), text.index(" maar"))
    title = (0, len("Magazijnmedewerker"))
    for c in got.competences:
        for sp in c.spans:
            assert not (sp.start >= wish[0] and sp.end <= wish[1]), c
            assert not (sp.start >= title[0] and sp.end <= title[1]), c
    assert got.competences


@pytest.mark.slow
def test_own_occupation_profile_marks_candidates(mini_services, extractor) -> None:
    """A competence in the profile of the occupation the CV names as the person's own (or a
    vacancy's title) carries ``profile`` evidence; a wished occupation's profile does not count."""
    store = mini_services.store
    in_profile = {it.competence_id for it in store.profile("OP-400")}
    assert in_profile
    cv = "Magazijnmedewerker sinds 2015.\n- Ik kan een heftruck besturen en orders verzamelen."
    got = extractor.extract(cv, kind="cv", min_confidence=0.0)
    assert any(o.occupation_code == "OP-400" and o.status == "own" for o in got.occupations)
    assert got.competences
    for c in got.competences:
        assert c.evidence["profile"] == float(c.competence_id in in_profile), c
    assert any(c.evidence["profile"] for c in got.competences)
    wish = "Ik wil graag magazijnmedewerker worden.\n- Ik kan een heftruck besturen en orders verzamelen."
    assert not any(c.evidence["profile"] for c in extractor.extract(wish, kind="cv", min_confidence=0.0).competences)
    vacancy = "Magazijnmedewerker (m/v/x)\nJe kan een heftruck besturen en orders verzamelen."
    got = extractor.extract(vacancy, kind="vacancy", min_confidence=0.0)
    assert any(c.evidence["profile"] for c in got.competences)


@pytest.mark.slow
def test_language_requirement_sentence_yields_no_competences(extractor) -> None:
    text = "Je spreekt vlot Nederlands; basiskennis Frans is een troef. You speak fluent English."
    result = extractor.extract(text, kind="vacancy")
    assert {r.value for r in result.requirements if r.category == "language"} == {"Nederlands", "Frans", "Engels"}
    assert result.competences == []


@pytest.mark.slow
def test_cv_in_english_has_no_requirement_levels(extractor) -> None:
    text = "I drive forklift trucks every day and I pick orders. I have no experience with cooking."
    result = extractor.extract(text, kind="cv")
    assert result.text_language == "en"
    comps = _by_id(result)
    assert "SK-5" in comps and "SK-6" in comps
    neg = text.index("I have no experience")
    assert all(sp.end <= neg for c in result.competences for sp in c.spans)
    assert all(c.requirement is None for c in result.competences)
    for c in result.competences:
        for sp in c.spans:
            assert text[sp.start:sp.end] == sp.text


@pytest.mark.slow
def test_free_text_in_french(extractor) -> None:
    text = "Je sais conduire un chariot élévateur et préparer des commandes."
    result = extractor.extract(text)
    assert result.text_language == "fr"
    comps = _by_id(result)
    assert {"SK-5", "SK-6"} <= set(comps)
    assert comps["SK-5"].spans[0].text == "conduire un chariot élévateur"


@pytest.mark.slow
def test_min_confidence_and_input_checks(extractor) -> None:
    low = extractor.extract(VACANCY, kind="vacancy", min_confidence=0.0)
    high = extractor.extract(VACANCY, kind="vacancy", min_confidence=0.99)
    assert len(high.competences) <= len(low.competences)
    assert all(c.confidence >= 0.99 for c in high.competences)
    assert extractor.extract("   ").competences == []
    with pytest.raises(ValueError):
        extractor.extract("x" * (MAX_TEXT_CHARS + 1))
    with pytest.raises(ValueError):
        extractor.extract("tekst", kind="brief")
    with pytest.raises(TypeError):
        extractor.extract(123)  # type: ignore[arg-type]


@pytest.mark.slow
def test_occupation_normaliser_three_languages(mini_services) -> None:
    norm = mini_services.normaliser
    for text in ("heftruckchauffeur", "forklift driver", "conducteur de chariot élévateur"):
        hits = norm.normalise(text, top=3)
        assert hits and {h.source for h in hits} == {"competent", "esco"}
        top: dict = {}
        for h in hits:
            top.setdefault(h.source, h)
        assert top["competent"].id == "OP-388", (text, hits[:2])
        assert 0.0 <= hits[0].confidence <= 1.0
        assert hits == sorted(hits, key=lambda h: -h.score)


@pytest.mark.slow
def test_api_text_endpoints(mini_services) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app

    client = TestClient(create_app(mini_services, warm=False))
    r = client.post("/api/v1/extract", json={"text": VACANCY, "kind": "vacancy"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text_language"] == "nl" and body["competences"] and body["requirements"]
    r = client.post("/api/v1/occupations/normalise", json={"text": "verpleegkundige", "top": 2})
    assert r.status_code == 200 and r.json()["results"]
    for bad in ({"text": ""}, {"text": "   "}, {"text": 42}, {"text": "x" * (MAX_TEXT_CHARS + 1)},
                {"text": "ok", "kind": "brief"}, {}):
        r = client.post("/api/v1/extract", json=bad)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", bad
    r = client.post("/api/v1/extract", content=b"geen json", headers={"content-type": "text/plain"})
    assert r.status_code == 422
    for bad in ({"text": ""}, {"text": ["a"]}, {"text": "x" * 501}):
        r = client.post("/api/v1/occupations/normalise", json=bad)
        assert r.status_code == 422, bad


@pytest.mark.slow
def test_end_to_end_fit_writes_a_calibration_the_extractor_reads(mini_services, tmp_path) -> None:
    """``cmatch eval extract-calibrate``'s fit: dev texts only, a held cut, and a file that
    :class:`~matcher.extraction.calibration.Calibration` loads with its weights."""
    import json

    from cmatch.pipeline import fit_end_to_end_file
    from matcher.extraction.calibration import Calibration

    gold = tmp_path / "gold"
    gold.mkdir()
    for i in range(3):   # positions 0 and 1 are dev, 2 is held out (eval.extract_gold.split_of)
        doc = {"id": f"vac-{i}", "kind": "vacancy", "text": VACANCY,
               "competences": [{"id": "SK-5", "label": "Een heftruck besturen"}]}
        (gold / f"vac-{i}.json").write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "e2e.json"
    content = fit_end_to_end_file(mini_services.settings, gold, target=target, progress=False)
    assert "(dev split, 2 texts)" in content["fitted_on"] and "inputs" not in content   # not the project's gold set
    assert 0.2 <= content["held_cut"] < 1.0 and content["positives"] >= 2
    loaded = Calibration.load(tmp_path / "no-label-calibration.json", target)
    assert set(loaded.weights) <= set(content["weights"]) and loaded.cut(5) == content["held_cut"]
    assert loaded.confidence({"base": 0.9, "lex_multi": 1.0}, 5) != 0.9
