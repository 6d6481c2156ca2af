"""Loaders, profile derivation, the store and bad input files, on the hand-written miniature."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from indexer.taxonomy.sources import INPUTS, load_taxonomy
from indexer.taxonomy.sources.common import DataError, clean_title, normalise_title, split_labels
from indexer.taxonomy.sources.competent import (
    load_competent_competences,
    load_competent_occupations,
    load_occupation_map,
)
from indexer.taxonomy.sources.esco import load_esco_occupations, load_esco_relations, load_esco_skills
from indexer.taxonomy.sources.shortage import load_shortage
from indexer.taxonomy.profiles import derive_profiles
from indexer.taxonomy.store import TaxonomyStore, build_store, ensure_store, store_is_current

E = "http://data.europa.eu/esco/occupation/"
S = "http://data.europa.eu/esco/skill/"


def test_esco_occupations_have_dutch_and_english_labels(mini_data_dir: Path) -> None:
    occ = load_esco_occupations(mini_data_dir)
    lorry = occ[E + "t-lorry"]
    assert lorry.labels == {"en": "lorry driver", "nl": "vrachtwagenchauffeur"}
    assert lorry.alt_labels["nl"] == ["chauffeur zware vrachtwagens", "truckchauffeur"]
    assert lorry.alt_labels["en"] == ["truck driver", "HGV driver"]
    assert lorry.isco_group == "8332" and lorry.code == "8332.1"
    assert lorry.descriptions["nl"].startswith("Vrachtwagenchauffeurs")


def test_esco_skills_kind_and_partial_dutch(mini_data_dir: Path) -> None:
    skills = load_esco_skills(mini_data_dir)
    assert skills[S + "t-anatomy"].kind == "knowledge"
    assert skills[S + "t-forklift"].kind == "skill"
    assert skills[S + "t-teamwork"].kind == "soft_skill"  # transversal skill/competence
    assert skills[S + "t-pick"].alt_labels["nl"] == ["orderpicken", "bestellingen verzamelen"]
    assert "nl" not in skills[S + "t-medication"].labels  # no Dutch label in the partial file
    assert skills[S + "t-medication"].label("nl") == "administer medication"  # falls back to English


def test_relations_and_competent(mini_data_dir: Path) -> None:
    rel = load_esco_relations(mini_data_dir)
    assert len(rel) == 18 and {r.importance for r in rel} == {"essential", "optional"}
    occ = load_competent_occupations(mini_data_dir)
    assert occ["OP-202"].labels == {"nl": "Verpleegkundige", "fr": "Infirmier"}  # (h/f/x) removed
    comp = load_competent_competences(mini_data_dir)
    assert comp["SO-9"].kind == "soft_skill" and comp["KN-2"].kind == "knowledge"
    mapping = load_occupation_map(mini_data_dir)
    assert {m.relation for m in mapping} == {"exactMatch", "closeMatch", "narrowMatch", "broadMatch"}


def test_shortage_only_through_verified_matches(mini_data_dir: Path) -> None:
    entries = {e.title: e for e in load_shortage(mini_data_dir, load_competent_occupations(mini_data_dir))}
    assert entries["Verpleegkundige"].competent_code == "OP-202"
    assert entries["Vrachtwagenbestuurder"].on_decree_list
    # normalised title equality verifies "Audioloog-audicien" == "Audioloog audicien"
    assert entries["Audioloog-audicien"].competent_code == "OP-610"
    assert entries["Audioloog-audicien"].match == "normalised_title"
    # the source's unverified fuzzy candidate is reported, never used
    assert entries["Dakwerker"].competent_code is None
    assert entries["Dakwerker"].candidate == "OP-999|Bankwerker"


def test_title_helpers() -> None:
    assert clean_title("Infirmier (h/f/x)") == "Infirmier"
    assert normalise_title("Audioloog-Audicien (m/v/x)") == "audioloog audicien"
    assert split_labels("a\nb\n\na") == ["a", "b"]
    assert split_labels("x | y") == ["x", "y"]


def test_profiles_derivation_rules(mini_data_dir: Path) -> None:
    tax = load_taxonomy(mini_data_dir)
    profiles = derive_profiles(tax)
    nurse = {i.competence_id: i for i in profiles["OP-202"]}
    # mapped ESCO skills become Competent competences; unmapped ESCO skills stay under their URI
    assert nurse["SK-1"].importance == "essential" and nurse["KN-2"].importance == "essential"
    assert nurse[S + "t-medication"].importance == "essential"
    assert nurse["SO-9"].importance == "optional"
    prov = nurse["SK-1"].provenance[0]
    assert prov == {"esco_occupation": E + "t-nurse", "occupation_mapping": "exactMatch",
                    "esco_skill": S + "t-patient-care", "esco_relation": "essential",
                    "competence_mapping": "closeMatch"}
    # OP-400 = warehouse (exact, weight 1) + forklift (narrow, weight 1): a skill essential in
    # one of two equally weighted occupations reaches the 50 % share and is essential
    warehouse = {i.competence_id: i for i in profiles["OP-400"]}
    assert warehouse["SK-6"].importance == "essential"
    assert warehouse["SK-5"].importance == "essential"  # essential for forklift, optional for warehouse
    assert warehouse[S + "t-reachtruck"].importance == "optional"
    # OP-600 = cook (exact 1) + baker (broad 0.5) + a retired URI (skipped)
    cook = {i.competence_id: i for i in profiles["OP-600"]}
    assert cook["SK-7"].importance == "essential" and cook["KN-8"].weight == 1.0
    assert cook[S + "t-bake"].importance == "optional"  # 0.5 of 1.5 < 50 %
    assert all(p["esco_occupation"] != E + "t-retired" for i in cook.values() for p in i.provenance)
    assert profiles["OP-610"] == []  # no ESCO mapping, empty profile


def test_store_round_trip(mini_data_dir: Path, tmp_path: Path) -> None:
    tax = load_taxonomy(mini_data_dir)
    path = build_store(tax, derive_profiles(tax), tmp_path / "s.sqlite")
    store = TaxonomyStore(path)
    assert store.counts()["occupations"] == 12
    assert store.shortage_info("OP-202").title == "Verpleegkundige"
    # ESCO occupations inherit the flag through the crosswalk
    assert store.shortage_info(E + "t-lorry").via == "OP-528"
    assert store.shortage_info("OP-600") is None
    assert store.profile("OP-202")[0].importance == "essential"
    assert store.competent_for_esco(E + "t-forklift") == [("OP-388", "closeMatch"), ("OP-400", "narrowMatch")]
    assert ("t-lorry" in store.occupation(E + "t-lorry").id)
    meta = store.meta()
    assert meta["schema_version"] == "1" and "knelpuntberoepen" in meta["versions"]
    assert not list(tmp_path.glob("*.tmp-*"))


def test_store_is_rebuilt_only_when_inputs_change(mini_settings_factory) -> None:
    settings = mini_settings_factory()
    assert ensure_store(settings, progress=False) is True
    assert store_is_current(settings.store_path, settings.data_dir)
    assert ensure_store(settings, progress=False) is False
    path = settings.data_dir / INPUTS["competent_occupations"].path
    path.write_text(path.read_text() + "OP-700,u,Bakker,Boulanger\n")
    assert not store_is_current(settings.store_path, settings.data_dir)
    assert ensure_store(settings, progress=False) is True


@pytest.fixture()
def mini_settings_factory(mini_data_dir: Path, tmp_path: Path):
    import dataclasses

    from indexer.settings import Settings

    def make():
        return dataclasses.replace(Settings.from_env(), data_dir=mini_data_dir, var_dir=tmp_path / "var")

    return make


# ------------------------------------------------------------------ bad input files


def _rewrite(path: Path, text: str) -> None:
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def _read(path: Path) -> str:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8")


REQUIRED = [k for k, spec in INPUTS.items() if spec.required]


@pytest.mark.parametrize("key", REQUIRED)
def test_missing_file_names_it(mini_data_dir: Path, key: str) -> None:
    (mini_data_dir / INPUTS[key].path).unlink()
    with pytest.raises(DataError) as err:
        load_taxonomy(mini_data_dir)
    assert INPUTS[key].path in str(err.value) and "ontbreekt" in str(err.value)


@pytest.mark.parametrize("key", REQUIRED)
def test_missing_column_names_file_and_column(mini_data_dir: Path, key: str) -> None:
    path = mini_data_dir / INPUTS[key].path
    text = _read(path)
    column = INPUTS[key].columns[0]
    header, rest = text.split("\n", 1)
    _rewrite(path, header.replace(column, column + "_x", 1) + "\n" + rest)
    with pytest.raises(DataError) as err:
        load_taxonomy(mini_data_dir)
    assert str(path) in str(err.value) and "regel 1" in str(err.value) and column in str(err.value)


@pytest.mark.parametrize("key", REQUIRED)
def test_ragged_row_names_line(mini_data_dir: Path, key: str) -> None:
    path = mini_data_dir / INPUTS[key].path
    text = _read(path).rstrip("\n") + "\nonly,two\n"
    _rewrite(path, text)
    with pytest.raises(DataError) as err:
        load_taxonomy(mini_data_dir)
    assert str(path) in str(err.value) and "velden" in str(err.value)


@pytest.mark.parametrize("key", ["esco_occupations_en", "competent_competences", "competent_occupation_map", "esco_relations"])
def test_bad_values_name_line(mini_data_dir: Path, key: str) -> None:
    path = mini_data_dir / INPUTS[key].path
    lines = _read(path).splitlines()
    header = lines[0].split(",")
    bad = {"esco_occupations_en": ("conceptUri", "not-a-uri"), "competent_competences": ("competent_type", "hobby"),
           "competent_occupation_map": ("mapping_relation", "sameAs"), "esco_relations": ("relationType", "maybe")}[key]
    import csv
    import io

    rows = list(csv.reader(io.StringIO(_read(path))))
    rows[1][header.index(bad[0])] = bad[1]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    _rewrite(path, out.getvalue())
    with pytest.raises(DataError) as err:
        load_taxonomy(mini_data_dir)
    assert "regel 2" in str(err.value) and bad[1] in str(err.value)


def test_not_gzip_and_empty_files(mini_data_dir: Path) -> None:
    path = mini_data_dir / INPUTS["esco_skills_en"].path
    path.write_bytes(b"this is not gzip")
    with pytest.raises(DataError, match="gzip"):
        load_taxonomy(mini_data_dir)
    path = mini_data_dir / INPUTS["competent_occupations"].path
    write_empty = path.write_text("")
    del write_empty
    with pytest.raises(DataError):
        load_competent_occupations(mini_data_dir)


def test_unknown_codes_in_mapping(mini_data_dir: Path) -> None:
    path = mini_data_dir / INPUTS["competent_occupation_map"].path
    path.write_text(path.read_text() + f"OP-12345,{E}t-cook,5120.1,kok,exactMatch\n")
    with pytest.raises(DataError, match="OP-12345"):
        load_taxonomy(mini_data_dir)


def test_failed_store_build_leaves_previous_store(mini_data_dir: Path, tmp_path: Path, monkeypatch) -> None:
    tax = load_taxonomy(mini_data_dir)
    target = tmp_path / "s.sqlite"
    build_store(tax, derive_profiles(tax), target)
    before = target.read_bytes()

    def boom(*_a, **_k):
        raise RuntimeError("interrupted")

    monkeypatch.setattr("indexer.taxonomy.store.json.dumps", boom)
    with pytest.raises(RuntimeError):
        build_store(tax, derive_profiles(tax), target)
    assert target.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp-*"))
