"""Occupation profiles with a core: salience, core flag and reason per item, a separate profile version."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from indexer.taxonomy.profiles import CORE_MAX, PROFILE_VERSION, derive_profiles
from indexer.taxonomy.records import Competence, Mapping, Occupation, OccupationSkill, Taxonomy
from indexer.taxonomy.sources import load_taxonomy
from indexer.taxonomy.store import SCHEMA_VERSION, TaxonomyStore, build_store, store_is_current
from matcher.drafting.suggest import suggest
from matcher.matching.near import MatchTaxonomy

E, S = "http://data.europa.eu/esco/occupation/", "http://data.europa.eu/esco/skill/"


def _tax() -> Taxonomy:
    """Two warehouse occupations and a care one. The forklift skill fans out to three Competent items,
    one of them a care item that the care occupation also holds (a crosswalk artefact)."""
    tax = Taxonomy()
    for code, label in (("OP-1", "Heftruckchauffeur"), ("OP-2", "Magazijnier"), ("OP-3", "Zorgkundige")):
        tax.occupations[code] = Occupation(code, "competent", code, labels={"nl": label})
    for uri, label, desc in (("fork", "heftruckchauffeur", "bedient heftrucks en stapelt goederen"),
                             ("ware", "magazijnier", "beheert de voorraad en stapelt goederen"),
                             ("care", "zorghulp", "helpt zorgvragers bij verzorging")):
        tax.occupations[E + uri] = Occupation(E + uri, "esco", uri, labels={"nl": label}, descriptions={"nl": desc})
    tax.occupation_map += [Mapping("OP-1", E + "fork", "exactMatch"), Mapping("OP-2", E + "ware", "exactMatch"),
                           Mapping("OP-3", E + "care", "exactMatch")]
    comps = {"SK-H": "Heftruck besturen", "SK-S": "Goederen stapelen", "SK-V": "Voorraad bijhouden",
             "SK-Z": "Zorgvragers tillen", "SK-Y": "Verzorging uitvoeren", "SK-T": "Teamwerk"}
    for cid, label in comps.items():
        tax.competences[cid] = Competence(cid, "competent", "skill", labels={"nl": label})
    for uri in ("forklift", "stack", "stock", "lift", "care", "team", "english-only"):
        tax.competences[S + uri] = Competence(S + uri, "esco", "skill", labels={"en": uri})
    tax.competence_map += [Mapping("SK-H", S + "forklift", "closeMatch"), Mapping("SK-S", S + "stack", "closeMatch"),
                           Mapping("SK-V", S + "stock", "exactMatch"), Mapping("SK-Z", S + "lift", "closeMatch"),
                           Mapping("SK-Y", S + "care", "closeMatch"), Mapping("SK-T", S + "team", "broadMatch")]
    rel = [("fork", "forklift"), ("fork", "stack"), ("fork", "lift"), ("fork", "team"), ("fork", "english-only"),
           ("ware", "stack"), ("ware", "stock"), ("ware", "forklift"), ("ware", "team"),
           ("care", "lift"), ("care", "care"), ("care", "team")]
    tax.occupation_skills += [OccupationSkill(E + o, S + s, "essential") for o, s in rel]
    return tax


def test_salience_reason_and_core() -> None:
    profiles = derive_profiles(_tax())
    fork = {i.competence_id: i for i in profiles["OP-1"]}
    # every item keeps its vote share, and gains a salience in 0..1 with a Dutch reason
    assert all(i.weight == 1.0 for i in fork.values())
    assert all(0.0 <= i.salience <= 1.0 and i.reason.startswith("aandeel") for i in fork.values())
    # the forklift item (held by the similar warehouse occupation, in the occupation's own words)
    # outweighs the care item that only the care occupation shares, and the transversal team item
    assert fork["SK-H"].salience > fork["SK-Z"].salience
    assert fork["SK-H"].salience > fork["SK-T"].salience
    # an item without a Dutch label is never core, and says why
    eng = fork[S + "english-only"]
    assert not eng.core and "geen Nederlands label" in eng.reason
    assert fork["SK-H"].core and "kern" in fork["SK-H"].reason
    # core first, then by salience
    order = profiles["OP-1"]
    assert [i.core for i in order] == sorted((i.core for i in order), reverse=True)
    assert all(sum(i.core for i in items) <= CORE_MAX for items in profiles.values())


def test_store_keeps_core_and_profile_version(mini_data_dir: Path, tmp_path: Path) -> None:
    tax = load_taxonomy(mini_data_dir)
    path = build_store(tax, derive_profiles(tax), tmp_path / "store" / "taxonomy.sqlite")
    store = TaxonomyStore(path)
    items = store.profile("OP-202")
    assert items and items[0].core and items[0].reason
    assert [i.salience for i in items if i.core] == sorted((i.salience for i in items if i.core), reverse=True)
    meta = store.meta()
    assert meta["profile_version"] == PROFILE_VERSION and meta["schema_version"] == SCHEMA_VERSION
    assert store_is_current(path, mini_data_dir)
    # an older profile derivation makes the store stale (but not the schema: label indexes stay valid)
    store.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = 'old' WHERE key = 'profile_version'")
    con.commit()
    con.close()
    assert not store_is_current(path, mini_data_dir)
    mt = MatchTaxonomy.from_store(TaxonomyStore(path))
    assert any(e.core for e in mt.profiles["OP-202"])


def test_suggestions_start_with_the_core(mini_data_dir: Path, tmp_path: Path) -> None:
    tax = load_taxonomy(mini_data_dir)
    store = TaxonomyStore(build_store(tax, derive_profiles(tax), tmp_path / "s.sqlite"))
    mt = MatchTaxonomy.from_store(store)
    res = suggest(mt, "OP-202")
    core = {e.competence_id for e in mt.profiles["OP-202"] if e.core}
    assert res.essential and {s.competence_id for s in res.essential} <= core
    assert not core & {s.competence_id for s in res.optional}
