"""Competent 2.0 (release 3.8): the Flemish occupations and competences, and their ESCO crosswalks."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from indexer.taxonomy.records import (
    MAPPING_RELATIONS,
    Competence,
    InputFile,
    Mapping,
    Occupation,
    Scheme,
    Taxonomy,
)
from indexer.taxonomy.sources.common import DataError, declared_input, bad_value, clean_title, read_rows, require
from indexer.taxonomy.sources.esco import ESCO_OCCUPATION_PREFIX, ESCO_SKILL_PREFIX

VERSION = "2.0 (release 3.8)"

OCCUPATIONS = declared_input("competent_occupations")
OCCUPATION_MAP = declared_input("competent_occupation_map")
COMPETENCES = declared_input("competent_competences")
COMPETENCE_MAP = declared_input("competent_competence_map")

_KIND = {"knowledge": "knowledge", "skill": "skill", "soft_skill": "soft_skill"}


def load_competent_occupations(data_dir: Path) -> dict[str, Occupation]:
    out: dict[str, Occupation] = {}
    for line, row in read_rows(data_dir, OCCUPATIONS):
        code = require(OCCUPATIONS, data_dir, line, row["competent_code"], "competent_code (OP-…)", r"OP-\d+$")
        labels = {"nl": row["label_nl"].strip()}
        if row["label_fr"].strip():
            labels["fr"] = clean_title(row["label_fr"])
        if not labels["nl"]:
            raise bad_value(data_dir, OCCUPATIONS, line, f"label_nl is leeg voor {code}.")
        out[code] = Occupation(id=code, source="competent", code=code, labels=labels)
    return out


def load_competent_competences(data_dir: Path) -> dict[str, Competence]:
    out: dict[str, Competence] = {}
    for line, row in read_rows(data_dir, COMPETENCES):
        code = require(COMPETENCES, data_dir, line, row["competent_code"], "competent_code (SK-/KN-/SO-…)",
                       r"(SK|KN|SO)-\d+$")
        kind = _KIND.get(row["competent_type"].strip())
        if kind is None:
            raise bad_value(data_dir, COMPETENCES, line, f"competent_type {row['competent_type']!r}; "
                                                         "verwacht knowledge, skill of soft_skill.")
        labels = {"nl": row["label_nl"].strip()}
        if row["label_fr"].strip():
            labels["fr"] = row["label_fr"].strip()
        out[code] = Competence(id=code, source="competent", kind=kind, labels=labels)  # type: ignore[arg-type]
    return out


def _load_mapping(data_dir: Path, spec: InputFile, uri_column: str, uri_prefix: str) -> list[Mapping]:
    out: list[Mapping] = []
    for line, row in read_rows(data_dir, spec):
        code = require(spec, data_dir, line, row["competent_code"], "competent_code", r"(OP|SK|KN|SO)-\d+$")
        uri = require(spec, data_dir, line, row[uri_column], uri_column, re.escape(uri_prefix))
        rel = row["mapping_relation"].strip()
        if rel not in MAPPING_RELATIONS:
            raise bad_value(data_dir, spec, line,
                            f"mapping_relation {rel!r}; verwacht een van {', '.join(MAPPING_RELATIONS)}.")
        out.append(Mapping(code, uri, rel))
    return out


def load_occupation_map(data_dir: Path) -> list[Mapping]:
    return _load_mapping(data_dir, OCCUPATION_MAP, "esco_occupation_uri", ESCO_OCCUPATION_PREFIX)


def load_competence_map(data_dir: Path) -> list[Mapping]:
    return _load_mapping(data_dir, COMPETENCE_MAP, "esco_skill_uri", ESCO_SKILL_PREFIX)


def _check_codes(data_dir: Path, spec: InputFile, mappings: list[Mapping], vocabulary: InputFile,
                 known: dict) -> None:
    """Every Competent code of a crosswalk must be in the Competent vocabulary it maps."""
    unknown = [m.competent_code for m in mappings if m.competent_code not in known]
    if unknown:
        raise DataError(f"{spec.at(data_dir)}: {len(unknown)} Competent-codes staan niet in "
                        f"{vocabulary.path} (bv. {unknown[0]}).")


def load(data_dir: Path, tax: Taxonomy, step: Callable[[str], None]) -> str:
    occupations = load_competent_occupations(data_dir); step(SCHEME.steps[0])
    competences = load_competent_competences(data_dir); step(SCHEME.steps[1])
    occ_map = load_occupation_map(data_dir)
    comp_map = load_competence_map(data_dir); step(SCHEME.steps[2])
    _check_codes(data_dir, OCCUPATION_MAP, occ_map, OCCUPATIONS, occupations)
    _check_codes(data_dir, COMPETENCE_MAP, comp_map, COMPETENCES, competences)
    tax.occupations.update(occupations)
    tax.competences.update(competences)
    tax.occupation_map.extend(occ_map)
    tax.competence_map.extend(comp_map)
    return VERSION


SCHEME = Scheme(
    name="competent", inputs=(OCCUPATIONS, OCCUPATION_MAP, COMPETENCES, COMPETENCE_MAP),
    steps=("Competent-beroepen", "Competent-competenties", "koppeltabellen"), load=load)
