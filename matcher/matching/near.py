"""What the matcher needs from the taxonomy, and the "near competence" table.

:class:`MatchTaxonomy` is a small in-memory view (labels, occupation profiles, knelpuntberoepen,
crosswalks, sectors) read once from :class:`~indexer.taxonomy.store.TaxonomyStore` — or written by hand in
unit tests.

:class:`NearTable` gives partial credit for a competence the person does not have literally but
has something close to. It is a sparse ``(n, n)`` matrix of credits in ``0..1`` between
competences, precomputed once, so near credit at query time is a sparse lookup:

* **crosswalk**: a Competent competence and an ESCO skill linked by the official mapping count
  as the same (``exactMatch`` 1.0, ``closeMatch`` 0.9) or as related (``narrowMatch`` /
  ``broadMatch`` 0.7);
* **embedding**: for every competence its ``k`` nearest competences by cosine of their label
  vectors (taken from the active label index, else encoded), turned into credit by
  ``NEAR_MAX_CREDIT * clip((cos - NEAR_LOW) / (NEAR_HIGH - NEAR_LOW), 0, 1)``. With
  multilingual-e5-small unrelated labels sit around cos 0.88–0.90 and paraphrases at 0.93–0.98
  ("heftruck besturen" ~ "reachtruck besturen": 0.967 -> credit 0.75), hence the defaults.

A near credit is always below an exact match (``NEAR_MAX_CREDIT`` < 1).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

CROSSWALK_CREDIT = {"exactMatch": 1.0, "closeMatch": 0.9, "narrowMatch": 0.7, "broadMatch": 0.7}
NEAR_LOW = 0.92
NEAR_HIGH = 0.97
NEAR_MAX_CREDIT = 0.8
NEAR_K = 8
NEAR_FORMAT = "1"


def credit_from_cosine(cos: np.ndarray | float) -> np.ndarray:
    x = (np.asarray(cos, dtype=np.float64) - NEAR_LOW) / (NEAR_HIGH - NEAR_LOW)
    return NEAR_MAX_CREDIT * np.clip(x, 0.0, 1.0)


@dataclass
class ProfileEntry:
    competence_id: str
    importance: str
    weight: float           # vote share (see indexer.taxonomy.profiles)
    salience: float = 0.0   # how characteristic for the occupation, 0..1
    core: bool = False      # one of the ~10-15 competences that define the occupation


@dataclass
class MatchTaxonomy:
    """Labels, profiles, shortage list, crosswalks and sectors, in memory."""

    competence_labels: dict[str, str]
    occupation_labels: dict[str, str]
    profiles: dict[str, list[ProfileEntry]]               # Competent occupation -> items
    shortage: dict[str, dict[str, object]] = field(default_factory=dict)  # occupation id -> info
    crosswalk: list[tuple[str, str, str]] = field(default_factory=list)  # (competent, esco, relation)
    occupation_to_competent: dict[str, str] = field(default_factory=dict)  # ESCO occupation -> OP code
    sectors: dict[str, str] = field(default_factory=dict)  # occupation id -> sector code (ISCO 2-digit)
    sector_labels: dict[str, str] = field(default_factory=dict)
    competence_alt_labels: dict[str, list[str]] = field(default_factory=dict)
    version: str = "handmade"

    def label(self, competence_id: str) -> str:
        return self.competence_labels.get(competence_id, competence_id)

    def occupation_label(self, occupation_id: str) -> str:
        return self.occupation_labels.get(occupation_id, occupation_id)

    def competent_occupation(self, code: str) -> str:
        """A Competent OP code for an OP code or a mapped ESCO occupation URI."""
        return code if code in self.profiles else self.occupation_to_competent.get(code, code)

    def shortage_of(self, occupation_id: str) -> dict[str, object] | None:
        return self.shortage.get(occupation_id) or self.shortage.get(self.competent_occupation(occupation_id))

    @classmethod
    def from_store(cls, store, data_dir: Path | None = None) -> "MatchTaxonomy":
        con = store.con
        labels: dict[str, str] = {}
        for cid, nl, en, fr in con.execute("SELECT id, label_nl, label_en, label_fr FROM competences"):
            labels[cid] = nl or en or fr or cid
        alts: dict[str, list[str]] = defaultdict(list)
        for cid, label in con.execute(
                "SELECT competence_id, label FROM competence_labels WHERE kind = 'alternative' AND lang = 'nl'"):
            alts[cid].append(label)
        occ_labels: dict[str, str] = {}
        shortage: dict[str, dict[str, object]] = {}
        isco: dict[str, str] = {}
        for row in con.execute("SELECT id, label_nl, label_en, is_shortage, shortage_title, shortage_sector, "
                               "shortage_decree, shortage_via, isco_group FROM occupations"):
            oid, nl, en, is_short, title, sector, decree, via, grp = row
            occ_labels[oid] = nl or en or oid
            if grp:
                isco[oid] = grp
            if is_short:
                shortage[oid] = {"title": title, "sector_group": sector, "on_decree_list": bool(decree), "via": via}
        profiles: dict[str, list[ProfileEntry]] = defaultdict(list)
        # a store from before profile version 2 has no salience/core: its vote share stands in, no core
        cols = {r[1] for r in con.execute("PRAGMA table_info(profile_items)")}
        sal, core = ("salience", "core") if "core" in cols else ("weight", "0")
        for code, cid, imp, w, sal, core in con.execute(
                f"SELECT occupation_code, competence_id, importance, weight, {sal}, {core} FROM profile_items "
                f"ORDER BY occupation_code, {core} DESC, {sal} DESC, competence_id"):
            profiles[code].append(ProfileEntry(cid, imp, float(w), float(sal), bool(core)))
        crosswalk = [tuple(r) for r in con.execute("SELECT competent_code, esco_uri, relation FROM competence_map")]
        occ_map = store.competent_occupation_of_esco()
        votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for code, uri in con.execute("SELECT competent_code, esco_uri FROM occupation_map ORDER BY competent_code"):
            grp = isco.get(uri, "")
            if len(grp) >= 2:
                votes[code][grp[:2]] += 1
        sectors = {code: max(v.items(), key=lambda kv: (kv[1], kv[0]))[0] for code, v in votes.items()}
        for uri, grp in isco.items():
            if len(grp) >= 2:
                sectors.setdefault(uri, grp[:2])
        sector_labels: dict[str, str] = {}
        if data_dir is not None:
            sector_labels = _isco_labels(Path(data_dir))
        meta = store.meta()
        version = hashlib.sha256((meta.get("input_checksums", "") + meta.get("schema_version", "")
                                  + meta.get("profile_version", "")).encode()).hexdigest()[:12]
        return cls(labels, occ_labels, dict(profiles), shortage, crosswalk, occ_map, sectors, sector_labels,
                   dict(alts), version)


def _isco_labels(data_dir: Path) -> dict[str, str]:
    """ISCO 2-digit group code -> Dutch label (the 'sector' of broader orientation)."""
    path = data_dir / "esco-v1.1.1" / "nl" / "ISCOGroups_nl.csv.gz"
    if not path.exists():
        return {}
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {r.code: r.preferredLabel for r in df.itertuples() if len(r.code) == 2}


class Vocab:
    """Competence id <-> column number; grows when an unknown id is added."""

    def __init__(self, ids: list[str] | None = None):
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        for i in ids or []:
            self.add(i)

    def add(self, cid: str) -> int:
        j = self.index.get(cid)
        if j is None:
            j = self.index[cid] = len(self.ids)
            self.ids.append(cid)
        return j

    def copy(self) -> "Vocab":
        out = Vocab()
        out.ids, out.index = list(self.ids), dict(self.index)
        return out

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class NearHit:
    credit: float
    source: str          # "crosswalk:<relation>" | "embedding"
    similarity: float | None = None


class NearTable:
    """Sparse near-competence credits; ``lookup(a)`` -> ``{b: NearHit}``.

    >>> t = NearTable.from_pairs([("SK-1", "SK-2", 0.75, "embedding", 0.967)])
    >>> t.lookup("SK-2")["SK-1"].credit
    0.75
    """

    def __init__(self, neighbours: dict[str, dict[str, NearHit]], source: str = "handmade"):
        self.neighbours = neighbours
        self.source = source

    @classmethod
    def from_pairs(cls, pairs, source: str = "handmade") -> "NearTable":
        nb: dict[str, dict[str, NearHit]] = defaultdict(dict)
        for a, b, credit, how, sim in pairs:
            for x, y in ((a, b), (b, a)):
                old = nb[x].get(y)
                if old is None or credit > old.credit:
                    nb[x][y] = NearHit(float(credit), how, sim)
        return cls(dict(nb), source)

    def lookup(self, competence_id: str) -> dict[str, NearHit]:
        return self.neighbours.get(competence_id, {})

    def __len__(self) -> int:
        return sum(len(v) for v in self.neighbours.values())

    # ---------------------------------------------------------------- build
    @classmethod
    def build(cls, tax: MatchTaxonomy, universe: list[str], *, vectors: np.ndarray | None,
              vector_ids: list[str] | None) -> "NearTable":
        pairs: list[tuple[str, str, float, str, float | None]] = []
        uni = set(universe)
        for code, uri, rel in tax.crosswalk:
            if code in uni or uri in uni:
                pairs.append((code, uri, CROSSWALK_CREDIT.get(rel, 0.7), f"crosswalk:{rel}", None))
        source = "crosswalk"
        if vectors is not None and vector_ids:
            import faiss

            x = np.ascontiguousarray(vectors, dtype=np.float32)
            index = faiss.IndexFlatIP(x.shape[1])
            index.add(x)
            sims, idx = index.search(x, NEAR_K + 1)
            credits = credit_from_cosine(sims)
            for i in range(len(vector_ids)):
                for s, j, c in zip(sims[i], idx[i], credits[i]):
                    if j < 0 or j == i or c < 0.05:
                        continue
                    pairs.append((vector_ids[i], vector_ids[j], round(float(c), 4), "embedding", round(float(s), 4)))
            source = "crosswalk+embedding"
        return cls.from_pairs(pairs, source)

    def save(self, path: Path, meta: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = [[a, b, h.credit, h.source, h.similarity] for a, nb in self.neighbours.items() for b, h in nb.items() if a < b]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"meta": meta, "source": self.source, "pairs": rows}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "NearTable":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_pairs([tuple(r) for r in data["pairs"]], data.get("source", "file"))


def label_vectors_from_index(indexes, ids: list[str], labels: dict[str, str]) -> tuple[np.ndarray, list[str]]:
    """One vector per competence from the active label index: its preferred label's vector
    (Dutch first), reconstructed from the flat FAISS index."""
    li = indexes.competences
    want = set(ids)
    best: dict[str, tuple[int, int]] = {}
    rank = {("preferred", "nl"): 0, ("preferred", "en"): 1, ("alternative", "nl"): 2, ("preferred", "fr"): 3}
    for pos, ref in enumerate(li.refs):
        if ref.item_id not in want:
            continue
        r = rank.get((ref.kind, ref.lang), 9)
        old = best.get(ref.item_id)
        if old is None or r < old[0]:
            best[ref.item_id] = (r, pos)
    order = [i for i in ids if i in best]
    positions = np.array([best[i][1] for i in order], dtype=np.int64)
    vecs = np.vstack([li.index.reconstruct(int(p)) for p in positions]) if len(positions) else np.zeros((0, li.dim), np.float32)
    return vecs.astype(np.float32), order


def near_cache_key(tax: MatchTaxonomy, universe: list[str], vector_source: str) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([NEAR_FORMAT, NEAR_LOW, NEAR_HIGH, NEAR_MAX_CREDIT, NEAR_K, tax.version, vector_source]).encode())
    for cid in sorted(universe):
        h.update(cid.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def load_or_build_near(tax: MatchTaxonomy, universe: list[str], *, cache_dir: Path | None, indexes=None,
                       encoder=None) -> NearTable:
    """The near table for this universe of competences, from cache when current.

    Vectors come from the active label index when there is one, else from ``encoder`` when
    given; without either only crosswalk credit is available (logged, and visible as
    ``NearTable.source``)."""
    vector_source = "none"
    if indexes is not None:
        vector_source = f"index:{indexes.version}"
    elif encoder is not None:
        vector_source = f"encoder:{getattr(encoder, 'name', 'encoder')}"
    key = near_cache_key(tax, universe, vector_source)
    path = Path(cache_dir) / f"near-{key}.json" if cache_dir else None
    if path is not None and path.exists():
        try:
            return NearTable.load(path)
        except Exception:  # corrupt cache: rebuild
            log.warning("near table cache %s unreadable; rebuilding", path)
    vectors, ids = None, None
    if indexes is not None:
        vectors, ids = label_vectors_from_index(indexes, universe, tax.competence_labels)
    elif encoder is not None:
        ids = list(universe)
        vectors = encoder.encode_passages([tax.label(i) for i in ids])
    else:
        log.warning("no label index or encoder: near-competence credit uses the crosswalks only")
    table = NearTable.build(tax, universe, vectors=vectors, vector_ids=ids)
    if path is not None:
        table.save(path, {"key": key, "vector_source": vector_source, "universe": len(universe)})
        old = sorted(Path(cache_dir).glob("near-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[3:]:
            stale.unlink(missing_ok=True)
    return table


def sparse_rows(rows: list[dict[int, float]], n_cols: int) -> sp.csr_matrix:
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for r in rows:
        items = sorted(r.items())
        indices.extend(k for k, _ in items)
        data.extend(v for _, v in items)
        indptr.append(len(indices))
    return sp.csr_matrix((np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64),
                          np.array(indptr, dtype=np.int64)), shape=(len(rows), n_cols))
