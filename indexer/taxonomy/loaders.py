"""Read the taxonomy files of the data directory into :mod:`indexer.taxonomy.records` dataclasses.

Each input file is declared once in :data:`INPUTS` (relative path, required columns, what it
is), so a missing or malformed file stops the build with one message that names the file, the
line and what was expected. Files are read with :mod:`csv` rather than pandas so line
numbers are exact and nothing is silently coerced.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.taxonomy.records import (
    MAPPING_RELATIONS,
    Competence,
    Mapping,
    Occupation,
    OccupationSkill,
    ShortageEntry,
    Taxonomy,
)

csv.field_size_limit(10_000_000)

ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"


class DataError(Exception):
    """A data file is missing or malformed; the message is meant for the person building."""


@dataclass(frozen=True)
class InputFile:
    key: str
    path: str
    columns: tuple[str, ...]
    what: str
    required: bool = True


INPUTS: dict[str, InputFile] = {
    f.key: f
    for f in [
        InputFile("esco_occupations_en", "esco-v1.1.1/en/occupations_en.csv.gz",
                  ("conceptUri", "iscoGroup", "preferredLabel", "altLabels", "description", "code"),
                  "ESCO v1.1.1 occupations, English CSV export"),
        InputFile("esco_occupations_nl", "esco-v1.1.1/nl/occupations_nl.csv.gz",
                  ("conceptUri", "preferredLabel", "altLabels", "description"),
                  "ESCO v1.1.1 occupations, Dutch CSV export"),
        InputFile("esco_skills_en", "esco-v1.1.1/en/skills_en.csv.gz",
                  ("conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "description"),
                  "ESCO v1.1.1 skills, English CSV export"),
        InputFile("esco_skills_nl", "esco-v1.1.1/derived/skills_nl_partial.csv.gz",
                  ("conceptUri", "preferredLabel_nl", "altLabels_nl", "description_nl"),
                  "Dutch ESCO skill labels (partial; or a full skills_nl export in the same columns)"),
        InputFile("esco_relations", "esco-v1.1.1/relations/occupationSkillRelations.csv.gz",
                  ("occupationUri", "relationType", "skillUri"),
                  "ESCO v1.1.1 occupation-skill relations"),
        InputFile("competent_occupations", "competent-esco-crosswalks/competent_occupations.csv",
                  ("competent_code", "label_nl", "label_fr"),
                  "Competent 2.0 occupations (from the ESCO-BE NOC mapping table)"),
        InputFile("competent_occupation_map", "competent-esco-crosswalks/competent_occupation_esco_map.csv",
                  ("competent_code", "esco_occupation_uri", "mapping_relation"),
                  "Competent occupation to ESCO occupation mapping"),
        InputFile("competent_competences", "competent-esco-crosswalks/competent_competences.csv",
                  ("competent_code", "competent_type", "label_nl", "label_fr"),
                  "Competent 2.0 competences (from the ESCO-VDAB competence mapping table)"),
        InputFile("competent_competence_map", "competent-esco-crosswalks/competent_competence_esco_map.csv.gz",
                  ("competent_code", "esco_skill_uri", "mapping_relation"),
                  "Competent competence to ESCO skill mapping"),
        InputFile("rome_map", "competent-esco-crosswalks/fr_rome_appellation_esco_map.csv.gz",
                  ("rome_appellation_label_fr", "esco_occupation_uri", "esco_preferredLabel_fr_v1.0.9",
                   "mapping_relation"),
                  "ROME appellation to ESCO mapping (French occupation labels)", required=False),
        InputFile("shortage", "knelpuntberoepen-vlaanderen/knelpuntberoepen_2026.csv",
                  ("year", "title_nl", "sector_group_nl", "on_ministerial_decree_2025_list",
                   "competent_code_v3_8", "competent_match", "fuzzy_candidate_unverified"),
                  "VDAB knelpuntberoepen list"),
    ]
}


def input_path(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / INPUTS[key].path


def file_checksum(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_checksums(data_dir: Path) -> dict[str, str]:
    """sha256 of every present input file; the index and store manifests record these."""
    out: dict[str, str] = {}
    for key, spec in INPUTS.items():
        path = input_path(data_dir, key)
        if path.exists():
            out[spec.path] = file_checksum(path)
        elif spec.required:
            raise _missing(data_dir, spec)
    return out


def _missing(data_dir: Path, spec: InputFile) -> DataError:
    return DataError(
        f"Bestand ontbreekt: {Path(data_dir) / spec.path}\n"
        f"Verwacht: {spec.what}, met kolommen {', '.join(spec.columns)}.\n"
        f"Zet de officiële download op die plaats in de datamap (CMATCH_DATA={data_dir}); zie README."
    )


def read_rows(data_dir: Path, key: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` for an input file, checking its header first."""
    spec = INPUTS[key]
    path = Path(data_dir) / spec.path
    if not path.exists():
        if spec.required:
            raise _missing(data_dir, spec)
        return
    try:
        raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
        with raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            reader = csv.reader(text)
            try:
                header = next(reader)
            except StopIteration:
                raise DataError(f"{path}: het bestand is leeg; verwacht een kopregel met {', '.join(spec.columns)}.")
            header = [h.lstrip("\ufeff").strip() for h in header]
            absent = [c for c in spec.columns if c not in header]
            if absent:
                raise DataError(
                    f"{path}, regel 1: kolom(men) {', '.join(absent)} ontbreken in de kopregel.\n"
                    f"Verwacht: {spec.what}, met kolommen {', '.join(spec.columns)}; gevonden: {', '.join(header)}."
                )
            while True:
                line = reader.line_num + 1  # first physical line of the record (fields may span lines)
                try:
                    row = next(reader)
                except StopIteration:
                    break
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(header):
                    raise DataError(
                        f"{path}, regel {line}: {len(row)} velden in plaats van {len(header)} "
                        f"(kolommen: {', '.join(header)})."
                    )
                yield line, dict(zip(header, row))
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError, csv.Error) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path}: kan het bestand niet lezen als {'gzip-' if path.suffix == '.gz' else ''}CSV in UTF-8 ({exc}).") from exc


def _require(path_key: str, data_dir: Path, line: int, value: str, what: str, pattern: str | None = None) -> str:
    value = value.strip()
    if not value or (pattern and not re.match(pattern, value)):
        raise DataError(
            f"{Path(data_dir) / INPUTS[path_key].path}, regel {line}: ongeldige waarde {value!r} voor {what}."
        )
    return value


def split_labels(value: str) -> list[str]:
    """ESCO exports separate altLabels with newlines; the derived Dutch file with ' | '."""
    parts = re.split(r"\n|\s\|\s", value or "")
    seen: dict[str, None] = {}
    for p in parts:
        p = p.strip()
        if p:
            seen.setdefault(p, None)
    return list(seen)


_GENDER_SUFFIX = re.compile(r"\s*\((?:h/f/x|h/f|m/v/x|m/v|m/f/x|f/h/x)\)\s*$", re.I)


def clean_title(value: str) -> str:
    """Drop the ``(h/f/x)`` style suffix that Competent puts on French titles."""
    return _GENDER_SUFFIX.sub("", value).strip()


def normalise_title(value: str) -> str:
    """Key for comparing occupation titles: lower case, no accents, punctuation or suffixes."""
    value = clean_title(value).lower()
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = re.sub(r"[^a-z0-9]+", " ", value)
    return value.strip()


# --------------------------------------------------------------------------- ESCO


def load_esco_occupations(data_dir: Path) -> dict[str, Occupation]:
    occupations: dict[str, Occupation] = {}
    for line, row in read_rows(data_dir, "esco_occupations_en"):
        uri = _require("esco_occupations_en", data_dir, line, row["conceptUri"], "conceptUri", re.escape(ESCO_OCCUPATION_PREFIX))
        occupations[uri] = Occupation(
            id=uri, source="esco", code=row["code"].strip(), isco_group=row["iscoGroup"].strip(),
            labels={"en": row["preferredLabel"].strip()},
            alt_labels={"en": split_labels(row["altLabels"])},
            descriptions={"en": row["description"].strip()},
        )
    for line, row in read_rows(data_dir, "esco_occupations_nl"):
        uri = _require("esco_occupations_nl", data_dir, line, row["conceptUri"], "conceptUri", re.escape(ESCO_OCCUPATION_PREFIX))
        occ = occupations.get(uri)
        if occ is None:
            continue  # a Dutch row for an occupation the English export lacks: ignore
        occ.labels["nl"] = row["preferredLabel"].strip()
        occ.alt_labels["nl"] = split_labels(row["altLabels"])
        if row["description"].strip():
            occ.descriptions["nl"] = row["description"].strip()
    for line, row in read_rows(data_dir, "rome_map"):
        occ = occupations.get(row["esco_occupation_uri"].strip())
        if occ is None:
            continue
        if row["esco_preferredLabel_fr_v1.0.9"].strip():
            occ.labels.setdefault("fr", row["esco_preferredLabel_fr_v1.0.9"].strip())
        # ROME appellations that are as specific as, or more specific than, the ESCO occupation
        if row["mapping_relation"].strip() in ("exactMatch", "closeMatch", "broadMatch"):
            label = row["rome_appellation_label_fr"].strip()
            alts = occ.alt_labels.setdefault("fr", [])
            if label and label not in alts:
                alts.append(label)
    return occupations


def _esco_kind(skill_type: str, reuse_level: str) -> str:
    if skill_type.strip() == "knowledge":
        return "knowledge"
    if reuse_level.strip() == "transversal":
        return "soft_skill"
    return "skill"


def load_esco_skills(data_dir: Path) -> dict[str, Competence]:
    skills: dict[str, Competence] = {}
    for line, row in read_rows(data_dir, "esco_skills_en"):
        uri = _require("esco_skills_en", data_dir, line, row["conceptUri"], "conceptUri", re.escape(ESCO_SKILL_PREFIX))
        skills[uri] = Competence(
            id=uri, source="esco", kind=_esco_kind(row["skillType"], row["reuseLevel"]),  # type: ignore[arg-type]
            labels={"en": row["preferredLabel"].strip()},
            alt_labels={"en": split_labels(row["altLabels"])},
            descriptions={"en": row["description"].strip()},
            reuse_level=row["reuseLevel"].strip(),
        )
    for line, row in read_rows(data_dir, "esco_skills_nl"):
        skill = skills.get(row["conceptUri"].strip())
        if skill is None or not row["preferredLabel_nl"].strip():
            continue
        skill.labels["nl"] = row["preferredLabel_nl"].strip()
        alts = split_labels(row["altLabels_nl"])
        if alts:
            skill.alt_labels["nl"] = alts
        if row["description_nl"].strip():
            skill.descriptions["nl"] = row["description_nl"].strip()
    return skills


def load_esco_relations(data_dir: Path) -> list[OccupationSkill]:
    out: list[OccupationSkill] = []
    for line, row in read_rows(data_dir, "esco_relations"):
        rel = row["relationType"].strip()
        if rel not in ("essential", "optional"):
            raise DataError(
                f"{input_path(data_dir, 'esco_relations')}, regel {line}: relationType {rel!r}; verwacht essential of optional."
            )
        out.append(OccupationSkill(row["occupationUri"].strip(), row["skillUri"].strip(), rel))  # type: ignore[arg-type]
    return out


# ---------------------------------------------------------------------- Competent


def load_competent_occupations(data_dir: Path) -> dict[str, Occupation]:
    out: dict[str, Occupation] = {}
    for line, row in read_rows(data_dir, "competent_occupations"):
        code = _require("competent_occupations", data_dir, line, row["competent_code"], "competent_code (OP-…)", r"OP-\d+$")
        labels = {"nl": row["label_nl"].strip()}
        if row["label_fr"].strip():
            labels["fr"] = clean_title(row["label_fr"])
        if not labels["nl"]:
            raise DataError(f"{input_path(data_dir, 'competent_occupations')}, regel {line}: label_nl is leeg voor {code}.")
        out[code] = Occupation(id=code, source="competent", code=code, labels=labels)
    return out


_KIND = {"knowledge": "knowledge", "skill": "skill", "soft_skill": "soft_skill"}


def load_competent_competences(data_dir: Path) -> dict[str, Competence]:
    out: dict[str, Competence] = {}
    for line, row in read_rows(data_dir, "competent_competences"):
        code = _require("competent_competences", data_dir, line, row["competent_code"], "competent_code (SK-/KN-/SO-…)", r"(SK|KN|SO)-\d+$")
        kind = _KIND.get(row["competent_type"].strip())
        if kind is None:
            raise DataError(
                f"{input_path(data_dir, 'competent_competences')}, regel {line}: competent_type "
                f"{row['competent_type']!r}; verwacht knowledge, skill of soft_skill."
            )
        labels = {"nl": row["label_nl"].strip()}
        if row["label_fr"].strip():
            labels["fr"] = row["label_fr"].strip()
        out[code] = Competence(id=code, source="competent", kind=kind, labels=labels)  # type: ignore[arg-type]
    return out


def _load_mapping(data_dir: Path, key: str, uri_column: str, uri_prefix: str) -> list[Mapping]:
    out: list[Mapping] = []
    for line, row in read_rows(data_dir, key):
        code = _require(key, data_dir, line, row["competent_code"], "competent_code", r"(OP|SK|KN|SO)-\d+$")
        uri = _require(key, data_dir, line, row[uri_column], uri_column, re.escape(uri_prefix))
        rel = row["mapping_relation"].strip()
        if rel not in MAPPING_RELATIONS:
            raise DataError(
                f"{input_path(data_dir, key)}, regel {line}: mapping_relation {rel!r}; verwacht een van {', '.join(MAPPING_RELATIONS)}."
            )
        out.append(Mapping(code, uri, rel))
    return out


def load_occupation_map(data_dir: Path) -> list[Mapping]:
    return _load_mapping(data_dir, "competent_occupation_map", "esco_occupation_uri", ESCO_OCCUPATION_PREFIX)


def load_competence_map(data_dir: Path) -> list[Mapping]:
    return _load_mapping(data_dir, "competent_competence_map", "esco_skill_uri", ESCO_SKILL_PREFIX)


# ------------------------------------------------------------------ knelpuntberoepen


def load_shortage(data_dir: Path, competent: dict[str, Occupation]) -> list[ShortageEntry]:
    """Link each knelpuntberoep title to a Competent occupation, but only through a verified match.

    Verified: the source's own exact / before-the-colon title match (with the code present in
    the Competent vocabulary), or our normalised title equality (case, accents, hyphens,
    ``(m/v/x)`` ignored). The source's fuzzy candidates are kept for the report only.
    """
    by_title: dict[str, str] = {}
    for code, occ in competent.items():
        by_title.setdefault(normalise_title(occ.labels["nl"]), code)
    out: list[ShortageEntry] = []
    for line, row in read_rows(data_dir, "shortage"):
        title = _require("shortage", data_dir, line, row["title_nl"], "title_nl")
        match = row["competent_match"].strip()
        code = row["competent_code_v3_8"].strip() or None
        if match in ("exact", "prefix_before_colon") and code in competent:
            verified = match
        else:
            code = by_title.get(normalise_title(title)) or by_title.get(normalise_title(title.split(":")[0]))
            verified = "normalised_title" if code else "none"
        try:
            year = int(row["year"].strip())
        except ValueError:
            raise DataError(f"{input_path(data_dir, 'shortage')}, regel {line}: jaar {row['year']!r} is geen getal.")
        out.append(ShortageEntry(
            title=title, sector_group=row["sector_group_nl"].strip(),
            on_decree_list=row["on_ministerial_decree_2025_list"].strip().lower() == "true",
            year=year, competent_code=code, match=verified,
            candidate="" if code else row["fuzzy_candidate_unverified"].strip(),
        ))
    return out


# --------------------------------------------------------------------------- all


def load_taxonomy(data_dir: Path, progress: bool = False) -> Taxonomy:
    """Read and cross-check every input; raises :class:`DataError` on the first problem."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataError(f"Datamap niet gevonden: {data_dir}. Zet CMATCH_DATA op de map met de ESCO- en Competent-bestanden (zie README).")
    steps = [
        "ESCO-beroepen", "ESCO-vaardigheden", "ESCO-relaties", "Competent-beroepen",
        "Competent-competenties", "koppeltabellen", "knelpuntberoepen",
    ]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(steps), desc="Taxonomie laden", unit="stap")

    def step(name: str) -> None:
        if bar is not None:
            bar.set_postfix_str(name)
            bar.update(1)

    esco_occ = load_esco_occupations(data_dir); step(steps[0])
    esco_skills = load_esco_skills(data_dir); step(steps[1])
    relations = load_esco_relations(data_dir); step(steps[2])
    comp_occ = load_competent_occupations(data_dir); step(steps[3])
    comp_comp = load_competent_competences(data_dir); step(steps[4])
    occ_map = load_occupation_map(data_dir)
    comp_map = load_competence_map(data_dir); step(steps[5])
    shortage = load_shortage(data_dir, comp_occ); step(steps[6])
    if bar is not None:
        bar.close()

    unknown = [m.competent_code for m in occ_map if m.competent_code not in comp_occ]
    if unknown:
        raise DataError(
            f"{input_path(data_dir, 'competent_occupation_map')}: {len(unknown)} Competent-codes staan niet in "
            f"{INPUTS['competent_occupations'].path} (bv. {unknown[0]})."
        )
    unknown = [m.competent_code for m in comp_map if m.competent_code not in comp_comp]
    if unknown:
        raise DataError(
            f"{input_path(data_dir, 'competent_competence_map')}: {len(unknown)} Competent-codes staan niet in "
            f"{INPUTS['competent_competences'].path} (bv. {unknown[0]})."
        )
    occupations = {**esco_occ, **comp_occ}
    competences = {**esco_skills, **comp_comp}
    years = {str(e.year) for e in shortage}
    return Taxonomy(
        occupations=occupations, competences=competences,
        occupation_map=occ_map, competence_map=comp_map,
        occupation_skills=relations, shortage=shortage,
        versions={
            "esco": "v1.1.1", "competent": "2.0 (release 3.8)",
            "knelpuntberoepen": ",".join(sorted(years)),
        },
        checksums=input_checksums(data_dir),
    )
