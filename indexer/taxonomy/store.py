"""The taxonomy store: one SQLite file, built into a temporary file and renamed into place,
and rebuilt only when the input files change (:func:`ensure_store`).

Schema (also in the README):

========================  ==============================================================
table                     holds
========================  ==============================================================
meta                      key/value: schema version, profile version, taxonomy versions, input checksums
occupations               Competent OP codes and ESCO occupation URIs, labels nl/en/fr,
                          description, ISCO group, shortage flag + sector + decree flag
occupation_labels         every preferred and alternative label per language
competences               Competent SK/KN/SO codes and ESCO skill URIs, kind, labels
competence_labels         every preferred and alternative label per language
occupation_map            Competent OP <-> ESCO occupation, with SKOS relation
competence_map            Competent competence <-> ESCO skill, with SKOS relation
esco_occupation_skills    ESCO essential/optional occupation-skill relations
profile_items             derived Competent occupation profiles: importance, vote share, salience,
                          core flag and the reason per item (see indexer.taxonomy.profiles)
shortage                  the knelpuntberoepen list, with how each title was linked
========================  ==============================================================
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from indexer.settings import Settings
from indexer.taxonomy.profiles import PROFILE_VERSION, derive_profiles
from indexer.taxonomy.records import Competence, Occupation, ProfileItem, Taxonomy
from indexer.taxonomy.sources import input_checksums, load_taxonomy

SCHEMA_VERSION = "1"
#: Relations by which an ESCO occupation stands for (is a label of) a Competent occupation.
OCCUPATION_STANDS_FOR = ("exactMatch", "closeMatch", "narrowMatch")
#: table -> (record class, the columns only that kind has); the rest of a row is shared
_CONCEPT_TABLES: dict[str, tuple[type, tuple[str, ...]]] = {
    "occupations": (Occupation, ("code", "isco_group")), "competences": (Competence, ("kind", "reuse_level"))}

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE occupations (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, code TEXT NOT NULL, isco_group TEXT NOT NULL,
    label_nl TEXT, label_en TEXT, label_fr TEXT, description_nl TEXT, description_en TEXT,
    is_shortage INTEGER NOT NULL DEFAULT 0, shortage_title TEXT, shortage_sector TEXT,
    shortage_decree INTEGER NOT NULL DEFAULT 0, shortage_via TEXT
);
CREATE TABLE occupation_labels (
    occupation_id TEXT NOT NULL REFERENCES occupations(id), lang TEXT NOT NULL,
    label TEXT NOT NULL, kind TEXT NOT NULL
);
CREATE TABLE competences (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, reuse_level TEXT NOT NULL,
    label_nl TEXT, label_en TEXT, label_fr TEXT, description_nl TEXT, description_en TEXT
);
CREATE TABLE competence_labels (
    competence_id TEXT NOT NULL REFERENCES competences(id), lang TEXT NOT NULL,
    label TEXT NOT NULL, kind TEXT NOT NULL
);
CREATE TABLE occupation_map (competent_code TEXT NOT NULL, esco_uri TEXT NOT NULL, relation TEXT NOT NULL);
CREATE TABLE competence_map (competent_code TEXT NOT NULL, esco_uri TEXT NOT NULL, relation TEXT NOT NULL);
CREATE TABLE esco_occupation_skills (occupation_uri TEXT NOT NULL, skill_uri TEXT NOT NULL, importance TEXT NOT NULL);
CREATE TABLE profile_items (
    occupation_code TEXT NOT NULL, competence_id TEXT NOT NULL, importance TEXT NOT NULL,
    weight REAL NOT NULL, provenance TEXT NOT NULL, salience REAL NOT NULL DEFAULT 0,
    core INTEGER NOT NULL DEFAULT 0, reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (occupation_code, competence_id)
);
CREATE TABLE shortage (
    title TEXT NOT NULL, sector_group TEXT NOT NULL, on_decree_list INTEGER NOT NULL, year INTEGER NOT NULL,
    competent_code TEXT, match TEXT NOT NULL, candidate TEXT NOT NULL
);
CREATE INDEX ix_occ_labels ON occupation_labels(occupation_id);
CREATE INDEX ix_comp_labels ON competence_labels(competence_id);
CREATE INDEX ix_occmap_code ON occupation_map(competent_code);
CREATE INDEX ix_occmap_uri ON occupation_map(esco_uri);
CREATE INDEX ix_compmap_code ON competence_map(competent_code);
CREATE INDEX ix_compmap_uri ON competence_map(esco_uri);
CREATE INDEX ix_eos_occ ON esco_occupation_skills(occupation_uri);
CREATE INDEX ix_eos_skill ON esco_occupation_skills(skill_uri);
CREATE INDEX ix_profile_comp ON profile_items(competence_id);
"""


@dataclass(frozen=True)
class ShortageInfo:
    """Why an occupation counts as a knelpuntberoep: the VDAB title, sector and link."""

    title: str
    sector_group: str
    on_decree_list: bool
    via: str  # the Competent code it was linked through


def _labels_rows(item_id: str, labels: dict[str, str], alts: dict[str, list[str]]) -> Iterator[tuple[str, str, str, str]]:
    for lang, label in labels.items():
        if label:
            yield item_id, lang, label, "preferred"
    for lang, values in alts.items():
        for label in values:
            if label and label != labels.get(lang):
                yield item_id, lang, label, "alternative"


def build_store(tax: Taxonomy, profiles: dict[str, list[ProfileItem]], path: Path) -> Path:
    """Write the whole store to ``path.tmp`` and atomically rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    con = sqlite3.connect(tmp)
    try:
        con.executescript(SCHEMA)
        shortage_by_code = {e.competent_code: e for e in tax.shortage if e.competent_code}
        shortage_esco: dict[str, tuple[str, object]] = {}
        for m in tax.occupation_map:
            if m.competent_code in shortage_by_code and m.relation in ("exactMatch", "closeMatch", "narrowMatch"):
                shortage_esco.setdefault(m.esco_uri, (m.competent_code, shortage_by_code[m.competent_code]))

        def occ_row(o: Occupation) -> tuple:
            entry, via = None, None
            if o.id in shortage_by_code:
                entry, via = shortage_by_code[o.id], o.id
            elif o.id in shortage_esco:
                via, entry = shortage_esco[o.id]
            return (
                o.id, o.source, o.code, o.isco_group, o.labels.get("nl"), o.labels.get("en"), o.labels.get("fr"),
                o.descriptions.get("nl"), o.descriptions.get("en"),
                int(entry is not None), getattr(entry, "title", None), getattr(entry, "sector_group", None),
                int(bool(getattr(entry, "on_decree_list", False))), via,
            )

        con.executemany("INSERT INTO occupations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (occ_row(o) for o in tax.occupations.values()))
        con.executemany("INSERT INTO occupation_labels VALUES (?,?,?,?)",
                        (r for o in tax.occupations.values() for r in _labels_rows(o.id, o.labels, o.alt_labels)))
        con.executemany(
            "INSERT INTO competences VALUES (?,?,?,?,?,?,?,?,?)",
            ((c.id, c.source, c.kind, c.reuse_level, c.labels.get("nl"), c.labels.get("en"), c.labels.get("fr"),
              c.descriptions.get("nl"), c.descriptions.get("en")) for c in tax.competences.values()),
        )
        con.executemany("INSERT INTO competence_labels VALUES (?,?,?,?)",
                        (r for c in tax.competences.values() for r in _labels_rows(c.id, c.labels, c.alt_labels)))
        con.executemany("INSERT INTO occupation_map VALUES (?,?,?)",
                        ((m.competent_code, m.esco_uri, m.relation) for m in tax.occupation_map))
        con.executemany("INSERT INTO competence_map VALUES (?,?,?)",
                        ((m.competent_code, m.esco_uri, m.relation) for m in tax.competence_map))
        con.executemany("INSERT INTO esco_occupation_skills VALUES (?,?,?)",
                        ((r.occupation_uri, r.skill_uri, r.importance) for r in tax.occupation_skills))
        con.executemany(
            "INSERT INTO profile_items VALUES (?,?,?,?,?,?,?,?)",
            ((i.occupation_code, i.competence_id, i.importance, i.weight, json.dumps(i.provenance, ensure_ascii=False),
              i.salience, int(i.core), i.reason)
             for items in profiles.values() for i in items),
        )
        con.executemany("INSERT INTO shortage VALUES (?,?,?,?,?,?,?)",
                        ((e.title, e.sector_group, int(e.on_decree_list), e.year, e.competent_code, e.match, e.candidate)
                         for e in tax.shortage))
        meta = {
            "schema_version": SCHEMA_VERSION,
            "profile_version": PROFILE_VERSION,
            "versions": json.dumps(tax.versions),
            "input_checksums": json.dumps(tax.checksums, sort_keys=True),
        }
        con.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
        con.commit()
        con.close()
        os.replace(tmp, path)
    finally:
        con.close()
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            if leftover.exists():
                leftover.unlink()
    return path


class TaxonomyStore:
    """Read access to the taxonomy store; safe to share between threads (one connection each)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"Taxonomie-opslag niet gevonden: {self.path}. Voer eerst 'cmatch index build' uit.")
        self._local = threading.local()

    @property
    def con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            con.row_factory = sqlite3.Row
            self._local.con = con
        return con

    # ------------------------------------------------------------------ meta
    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.con.execute("SELECT key, value FROM meta")}

    def counts(self) -> dict[str, int]:
        tables = ["occupations", "occupation_labels", "competences", "competence_labels", "occupation_map",
                  "competence_map", "esco_occupation_skills", "profile_items", "shortage"]
        return {t: self.con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    # ------------------------------------------------- occupations and competences alike
    def _concept(self, table: str, row: sqlite3.Row):
        """An ``occupations`` / ``competences`` row as its record: the shared columns (id, source,
        labels nl/en/fr, descriptions nl/en) plus the ones only that kind has."""
        record, own = _CONCEPT_TABLES[table]
        return record(id=row["id"], source=row["source"], **{c: row[c] for c in own},
                      labels={k: row[f"label_{k}"] for k in ("nl", "en", "fr") if row[f"label_{k}"]},
                      descriptions={k: row[f"description_{k}"] for k in ("nl", "en") if row[f"description_{k}"]})

    def _by_id(self, table: str, item_id: str):
        row = self.con.execute(f"SELECT * FROM {table} WHERE id = ?", (item_id,)).fetchone()
        return self._concept(table, row) if row else None

    def _all(self, table: str, source: str | None) -> list:
        sql, args = f"SELECT * FROM {table}", ()
        if source:
            sql, args = sql + " WHERE source = ?", (source,)
        return [self._concept(table, r) for r in self.con.execute(sql + " ORDER BY id", args)]

    def labels(self, table: Literal["occupations", "competences"]) -> Iterator[tuple[str, str, str, str]]:
        """(item id, lang, label, kind) for every preferred and alternative label of the
        occupations or competences, in a stable order (the order they were loaded in)."""
        item = {"occupations": "occupation", "competences": "competence"}[table]
        yield from self.con.execute(f"SELECT {item}_id, lang, label, kind FROM {item}_labels ORDER BY rowid")

    # ----------------------------------------------------------- occupations
    def occupation(self, occupation_id: str) -> Occupation | None:
        return self._by_id("occupations", occupation_id)

    def occupations(self, source: str | None = None) -> list[Occupation]:
        return self._all("occupations", source)

    def shortage_info(self, occupation_id: str) -> ShortageInfo | None:
        row = self.con.execute(
            "SELECT is_shortage, shortage_title, shortage_sector, shortage_decree, shortage_via FROM occupations WHERE id = ?",
            (occupation_id,)).fetchone()
        if not row or not row["is_shortage"]:
            return None
        return ShortageInfo(row["shortage_title"], row["shortage_sector"], bool(row["shortage_decree"]), row["shortage_via"])

    def esco_for_competent(self, code: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute(
            "SELECT esco_uri, relation FROM occupation_map WHERE competent_code = ? ORDER BY esco_uri", (code,))]

    def competent_occupation_of_esco(self) -> dict[str, str]:
        """ESCO occupation URI -> the Competent occupation it stands for: the first Competent code
        (in code order) mapping to it by :data:`OCCUPATION_STANDS_FOR` (a broader ESCO occupation
        does not stand for the Competent one)."""
        out: dict[str, str] = {}
        for code, uri, rel in self.con.execute(
                "SELECT competent_code, esco_uri, relation FROM occupation_map ORDER BY competent_code"):
            if rel in OCCUPATION_STANDS_FOR:
                out.setdefault(uri, code)
        return out

    def competent_for_esco(self, uri: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute(
            "SELECT competent_code, relation FROM occupation_map WHERE esco_uri = ? ORDER BY competent_code", (uri,))]

    # ------------------------------------------------------------ competences
    def competence(self, competence_id: str) -> Competence | None:
        return self._by_id("competences", competence_id)

    def competences(self, source: str | None = None) -> list[Competence]:
        return self._all("competences", source)

    def competent_for_skill(self, uri: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute(
            "SELECT competent_code, relation FROM competence_map WHERE esco_uri = ? ORDER BY competent_code", (uri,))]

    def esco_for_competence(self, code: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute(
            "SELECT esco_uri, relation FROM competence_map WHERE competent_code = ? ORDER BY esco_uri", (code,))]

    # --------------------------------------------------------------- profiles
    def profile(self, occupation_code: str) -> list[ProfileItem]:
        rows = self.con.execute(
            "SELECT * FROM profile_items WHERE occupation_code = ? "
            "ORDER BY core DESC, salience DESC, competence_id", (occupation_code,))
        return [ProfileItem(r["occupation_code"], r["competence_id"], r["importance"], r["weight"],
                            json.loads(r["provenance"]), r["salience"], bool(r["core"]), r["reason"]) for r in rows]

    def esco_skills(self, occupation_uri: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.con.execute(
            "SELECT skill_uri, importance FROM esco_occupation_skills WHERE occupation_uri = ? "
            "ORDER BY importance, skill_uri", (occupation_uri,))]

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.close()
            self._local.con = None


def store_is_current(path: Path, data_dir: Path) -> bool:
    """True when the store exists and was built from exactly these input files, by these profile rules
    (``profile_version``: a change rebuilds the store only; label indexes hash the inputs and schema)."""
    if not path.exists():
        return False
    try:
        meta = TaxonomyStore(path).meta()
    except Exception:  # a corrupt or foreign file is rebuilt
        return False
    return (meta.get("schema_version") == SCHEMA_VERSION and meta.get("profile_version") == PROFILE_VERSION
            and json.loads(meta.get("input_checksums", "{}")) == input_checksums(data_dir))


def ensure_store(settings: Settings, *, force: bool = False, progress: bool = True) -> bool:
    """Build the taxonomy store if missing or stale; return whether it was built."""
    if not force and store_is_current(settings.store_path, settings.data_dir):
        return False
    tax = load_taxonomy(settings.data_dir, progress=progress)
    build_store(tax, derive_profiles(tax), settings.store_path)
    return True
