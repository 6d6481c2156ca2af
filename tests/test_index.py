"""Label indexes: build, skip when unchanged, atomic switch, interrupted rebuild, search."""
from __future__ import annotations

import json

import pytest

from indexer.model.encoder import load_encoder
from indexer.label_index import ACTIVE_FILE, IndexSet, LabelIndex, active_folder, build_indexes
from indexer.model.fingerprint import model_fingerprint
from indexer.taxonomy.store import TaxonomyStore

pytestmark = pytest.mark.slow


def test_manifest_and_counts(mini_services) -> None:
    idx = mini_services.indexes
    m = idx.manifest
    assert m["dimension"] == 384 and m["version"] == idx.version
    assert m["counts"]["occupations_items"] == 12
    assert m["counts"]["occupations"] == len(idx.occupations.refs)
    assert "esco-v1.1.1/en/occupations_en.csv.gz" in m["input_checksums"]
    assert m["model"].startswith("multilingual-e5-small@sha256:")
    # every label of the store is indexed, mapped back to its item
    store_labels = {(r[0], r[2]) for r in mini_services.store.labels("occupations")}
    assert {(r.item_id, r.label) for r in idx.occupations.refs} == store_labels


def test_unchanged_inputs_are_not_rebuilt(mini_services) -> None:
    s = mini_services.settings
    version, built = build_indexes(mini_services.store, mini_services.encoder, s.index_dir,
                                   model_id=model_fingerprint(s.model), progress=False)
    assert built is False and version == mini_services.indexes.version


def test_interrupted_rebuild_keeps_previous_index(mini_services, monkeypatch) -> None:
    s = mini_services.settings
    before = active_folder(s.index_dir)
    original = LabelIndex.save

    def failing_save(self, folder, kind):
        if kind == "competences":
            raise KeyboardInterrupt("simulated kill during the build")
        return original(self, folder, kind)

    monkeypatch.setattr(LabelIndex, "save", failing_save)
    with pytest.raises(KeyboardInterrupt):
        build_indexes(mini_services.store, mini_services.encoder, s.index_dir,
                      model_id="another-model", progress=False)
    assert active_folder(s.index_dir) == before
    assert not [p for p in s.index_dir.iterdir() if p.name.startswith(".tmp-")]
    loaded = IndexSet.load_active(s.index_dir)
    assert loaded.version == before.name and loaded.occupations.index.ntotal > 0


def test_new_model_gets_new_version_and_atomic_switch(mini_services, tmp_path) -> None:
    s = mini_services.settings
    store = TaxonomyStore(s.store_path)
    version, built = build_indexes(store, mini_services.encoder, tmp_path, model_id="m1", progress=False)
    version2, built2 = build_indexes(store, mini_services.encoder, tmp_path, model_id="m2", progress=False)
    assert built and built2 and version != version2
    assert (tmp_path / ACTIVE_FILE).read_text().strip() == version2
    assert json.loads((tmp_path / version2 / "manifest.json").read_text())["model"] == "m2"


def test_occupation_search_finds_both_sources_and_flags_shortage(mini_services) -> None:
    hits = mini_services.search.occupations("verpleegkundige", top=1)
    assert {h.source for h in hits} == {"competent", "esco"}
    assert {h.id for h in hits} == {"OP-202", "http://data.europa.eu/esco/occupation/t-nurse"}
    assert all(h.is_shortage for h in hits)
    lorry = mini_services.search.occupations("chauffeur zware vrachtwagens", top=2)
    assert lorry[0].id in ("OP-528", "http://data.europa.eu/esco/occupation/t-lorry")


def test_occupation_search_in_french_and_english(mini_services) -> None:
    assert mini_services.search.occupations("conducteur de camion", top=1, sources=("competent",))[0].id == "OP-528"
    assert mini_services.search.occupations("truck driver", top=1, sources=("esco",))[0].id.endswith("t-lorry")


def test_competence_search_links_crosswalk(mini_services) -> None:
    hits = mini_services.search.competences("heftruck rijden", top=1)
    ids = {h.id for h in hits}
    assert "SK-5" in ids
    sk5 = next(h for h in hits if h.id == "SK-5")
    assert sk5.links and sk5.links[0]["id"].endswith("t-forklift")


def test_encoder_matches_index_vectors(mini_settings) -> None:
    enc = load_encoder(mini_settings)
    v = enc.encode_passages(["verpleegkundige"])
    assert v.shape == (1, 384) and abs(float((v ** 2).sum()) - 1.0) < 1e-4


def test_hnsw_graph_round_trip_and_agrees_with_exact_search(mini_services, tmp_path) -> None:
    """The approximate graph is stored in place of the flat file, vectors once, same neighbours."""
    exact = mini_services.indexes.competences
    with_ann = exact.with_ann()
    with_ann.save(tmp_path, "competences")
    loaded = LabelIndex.load(tmp_path, "competences")
    assert loaded.ann is not None and loaded.index.ntotal == exact.index.ntotal == len(loaded.refs)
    q = mini_services.encoder.encode_queries(["heftruck rijden", "klanten te woord staan", "lassen"])
    es, ei = exact.search_labels(q, 5)
    as_, ai = loaded.search_labels(q, 5, approximate=True)
    assert (ai[:, 0] == ei[:, 0]).all() and abs(as_ - es).max() < 1e-5
    # without approximate=True the exact (flat) storage answers
    xs, xi = loaded.search_labels(q, 5)
    assert (xi == ei).all()


def test_existing_index_gets_its_graph_added_once(mini_services, tmp_path) -> None:
    from indexer.label_index import ensure_ann

    s = mini_services.settings
    store = TaxonomyStore(s.store_path)
    version, _ = build_indexes(store, mini_services.encoder, tmp_path, model_id="m-ann", progress=False)
    folder = tmp_path / version
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["ann"] == {}          # the miniature is below the size that gets a graph
    del manifest["ann"]                   # as written before graphs existed
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert ensure_ann(folder, ann_min_labels=0) is True
    assert LabelIndex.load(folder, "competences").ann is not None
    assert json.loads((folder / "manifest.json").read_text())["ann"]["competences"]["type"] == "HNSWFlat"
    assert ensure_ann(folder, ann_min_labels=0) is False
