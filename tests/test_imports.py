"""JSONL imports: validation with line numbers and reasons, nothing lost on a bad line, idempotent by id."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.storage.sqlite import SqliteVacancyRepository
from matcher.ingest import Resolver, import_jsonl, portfolio_from_input, read_portfolio_file, schemas

from tests.match_helpers import taxonomy

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def env(tmp_path):
    return tmp_path, SqliteVacancyRepository(tmp_path / "app.sqlite"), Resolver(taxonomy())


def write(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")
    return path


GOOD = {"id": "A1", "title": "Heftruckchauffeur (m/v/x)", "occupation_codes": ["OP-1"],
        "competences": [{"id": "SK-H"}, {"label": "leveringen controleren", "requirement": "nice_to_have"}],
        "location": {"postcode": "9000"}, "regimes": ["voltijds", "ploegen"], "contract_type": "vast",
        "driving_licence": "b", "languages": [{"code": "NL", "level": "b2"}]}


def test_vacancy_import_rejects_with_line_numbers_and_keeps_good_lines(env):
    tmp, repo, resolver = env
    path = write(tmp / "v.jsonl", [
        GOOD,                                                             # 1 ok
        "{not json",                                                      # 2 bad JSON
        {"id": "A3"},                                                     # 3 no title
        {**GOOD, "id": "A4", "competences": [{"id": "SK-NOPE"}]},         # 4 unknown competence
        {**GOOD, "id": "A5", "languages": [{"code": "nl", "level": "Z9"}]},  # 5 bad level
        {**GOOD, "id": "A6", "salary": 3000},                             # 6 unknown field
        {**GOOD, "id": "A7", "occupation_codes": ["OP-42"]},              # 7 unknown occupation
        {**GOOD, "id": "A8", "regimes": ["maanwerk"]},                    # 8 unknown regime
        "",                                                               # blank: skipped
        [1, 2],                                                           # 10 not an object
        {**GOOD, "id": "A11", "competences": [{"label": "telepathie"}]},  # 11 unknown label
        {**GOOD, "id": "A12", "location": {"postcode": "90000"}},         # 12 bad postcode
        {**GOOD, "id": "A13"},                                            # 13 ok
    ])
    rep = import_jsonl(path, "vacancies", repo, resolver)
    assert rep.accepted == 2 and rep.inserted == 2
    rejected = {r.line: r for r in rep.rejected}
    assert sorted(rejected) == [2, 3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert "JSON" in rejected[2].reasons[0]
    assert any("title" in r for r in rejected[3].reasons)
    assert "SK-NOPE" in rejected[4].reasons[0] and rejected[4].id == "A4"
    assert "Z9" in rejected[5].reasons[0]
    assert any("salary" in r for r in rejected[6].reasons)
    assert "OP-42" in rejected[7].reasons[0]
    assert "maanwerk" in rejected[8].reasons[0]
    assert "telepathie" in rejected[11].reasons[0]
    assert any("postcode" in r for r in rejected[12].reasons)
    v = repo.get_vacancy("A1")
    assert v.regimes == ["full_time", "shifts"] and v.contract_type == "permanent" and v.driving_licence == "B"
    assert [(c.competence_id, c.importance) for c in v.competences] == [("SK-H", "essential"), ("SK-L", "optional")]
    assert v.location.province == "Oost-Vlaanderen" and v.location.lat is not None
    assert v.languages[0].code == "nl" and v.languages[0].level == "B2"


def test_import_is_idempotent_and_detects_updates(env):
    tmp, repo, resolver = env
    path = write(tmp / "v.jsonl", [GOOD, {**GOOD, "id": "A2"}])
    first = import_jsonl(path, "vacancies", repo, resolver)
    gen = repo.generation()
    again = import_jsonl(path, "vacancies", repo, resolver)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (2, 0, 0, 2)
    assert repo.generation() == gen                       # nothing written, index not invalidated
    assert repo.count_vacancies() == 2
    write(path, [{**GOOD, "title": "Heftruckbestuurder (m/v/x)"}, {**GOOD, "id": "A2"}])
    third = import_jsonl(path, "vacancies", repo, resolver)
    assert (third.updated, third.unchanged) == (1, 1)
    assert repo.get_vacancy("A1").title == "Heftruckbestuurder (m/v/x)"


def test_duplicate_ids_in_one_file_last_wins(env):
    tmp, repo, resolver = env
    path = write(tmp / "v.jsonl", [GOOD, {**GOOD, "title": "Tweede versie (m/v/x)"}])
    rep = import_jsonl(path, "vacancies", repo, resolver)
    assert rep.duplicates and rep.duplicates[0]["line"] == 2 and rep.duplicates[0]["first_line"] == 1
    assert repo.count_vacancies() == 1 and repo.get_vacancy("A1").title == "Tweede versie (m/v/x)"


PERSON = {"id": "B1", "name": "Fatima El Amrani", "age": 54, "gender": "vrouw", "nationality": "Marokkaan",
          "diploma": "lager secundair",
          "competences": [{"id": "SK-H", "source": "ervaringsbewijs"},
                          {"label": "Leveringen controleren", "evidence": [{"source": "cv", "text": "2015-2023 magazijn"}]}],
          "preferred_occupations": ["OP-1"], "location": {"municipality": "Gent"}, "max_distance_km": 25,
          "driving_licences": ["b"], "languages": [{"code": "nl", "level": "moedertaal"}]}


def test_portfolio_import_personal_fields_and_evidence(env):
    tmp, repo, resolver = env
    path = write(tmp / "p.jsonl", [PERSON, {**PERSON, "id": "B2", "competences": [{"id": "SK-H", "source": "hearsay"}]},
                                   {**PERSON, "id": "B3", "shoe_size": 42}])
    rep = import_jsonl(path, "portfolios", repo, resolver)
    assert rep.accepted == 1 and [r.line for r in rep.rejected] == [2, 3]
    assert "hearsay" in rep.rejected[0].reasons[0]
    p = repo.get_portfolio("B1")
    assert p.personal == {"name": "Fatima El Amrani", "age": 54, "gender": "vrouw", "nationality": "Marokkaan",
                          "diploma": "lager secundair"}
    assert p.competences[0].evidence[0].source == "experience_certificate"
    assert p.competences[1].competence_id == "SK-L" and p.competences[1].evidence[0].text == "2015-2023 magazijn"
    assert p.location.postcode == "9000" and p.driving_licences == ["B"] and p.languages[0].level == "C2"
    again = import_jsonl(path, "portfolios", repo, resolver)
    assert again.unchanged == 1 and again.inserted == 0


def test_portfolio_without_evidence_is_self_declared():
    p, errors = portfolio_from_input({"id": "X", "competences": [{"id": "SK-L"}]}, Resolver(taxonomy()))
    assert not errors and p.competences[0].evidence[0].source == "self_declared"


def test_read_portfolio_file_errors(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"id": "x", "competences": [{"id": "SK-?"}]}', encoding="utf-8")
    with pytest.raises(ValueError, match="SK-\\?"):
        read_portfolio_file(bad, Resolver(taxonomy()))


def test_fixture_portfolio_is_valid_against_real_schema_shape():
    data = json.loads((REPO_ROOT / "data/fixtures/match/portfolio_heftruck.json").read_text(encoding="utf-8"))
    assert set(data) - set(schemas()["portfolio"]["properties"]) == set()


def test_schema_files_in_sync_with_models():
    for name, schema in schemas().items():
        on_disk = json.loads((REPO_ROOT / "data/schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert on_disk == json.loads(json.dumps(schema)), f"regenerate data/schemas/{name}.schema.json"


def test_cv_text_goes_through_the_extractor_with_spans():
    from matcher.extraction import ExtractedCompetence, Extraction, Span

    class FakeExtractor:
        def extract(self, text, kind="free", min_confidence=None):
            assert kind == "cv"
            i = text.index("heftruck")
            return Extraction("nl", [ExtractedCompetence("SK-H", "SK-H", None, "Heftruck besturen", "skill", 0.9,
                                                         [Span(i, i + 8, "heftruck")])], [])

    class BrokenExtractor:
        def extract(self, text, **kw):
            raise FileNotFoundError("geen index")

    data = {"id": "C1", "cv_text": "2015-2023 magazijnier, heftruck", "competences": [{"id": "SK-L", "source": "cv"}]}
    p, errors = portfolio_from_input(data, Resolver(taxonomy()), FakeExtractor())
    assert not errors
    got = {c.competence_id: c for c in p.competences}
    ev = got["SK-H"].evidence[0]
    assert ev.source == "extracted" and data["cv_text"][ev.start:ev.end] == "heftruck"
    p2, errors = portfolio_from_input(data, Resolver(taxonomy()), BrokenExtractor())
    assert not errors and [c.competence_id for c in p2.competences] == ["SK-L"]
    assert "geen index" in p2.extra["cv_text_note"]


@pytest.mark.slow
def test_synthetic_generation_is_deterministic_labelled_and_valid(tmp_path, real_taxonomy):
    from matcher.geo import province_of
    from eval.synthetic import generate

    store, tax = real_taxonomy
    a = generate(tax, store, tmp_path / "a", vacancies=300, portfolios=60, seed=5)
    b = generate(tax, store, tmp_path / "b", vacancies=300, portfolios=60, seed=5)
    for k in ("vacancies", "portfolios"):
        assert Path(a.files[k]).read_bytes() == Path(b.files[k]).read_bytes()
    vac = [json.loads(l) for l in Path(a.files["vacancies"]).read_text(encoding="utf-8").splitlines()]
    assert all(v["synthetic"] and v["id"].startswith("SYN-V-") and "SYNTHETISCHE" in v["text"] for v in vac)
    assert {province_of(v["location"]["postcode"])[0] for v in vac} >= {
        "Brussel", "Antwerpen", "Vlaams-Brabant", "Limburg", "Oost-Vlaanderen", "West-Vlaanderen"}
    assert any(tax.shortage_of(v["occupation_codes"][0]) for v in vac)
    for v in vac[:50]:   # the offsets point at the competence wording in the text
        for c in v["competences"]:
            for e in c["evidence"]:
                assert v["text"][e["start"]:e["end"]] == e["text"]
    labels = {tax.label(c["id"]).lower() for v in vac for c in v["competences"]}
    said = {e["text"].lower() for v in vac for c in v["competences"] for e in c["evidence"]}
    assert len(said - labels) > 50        # varied wording, not only the taxonomy labels
    repo = SqliteVacancyRepository(tmp_path / "app.sqlite")
    resolver = Resolver(tax)
    rv = import_jsonl(a.files["vacancies"], "vacancies", repo, resolver)
    rp = import_jsonl(a.files["portfolios"], "portfolios", repo, resolver)
    assert (rv.accepted, rp.accepted, rv.rejected, rp.rejected) == (300, 60, [], [])
    assert all(p.personal.get("name") for p in repo.iter_portfolios())
