"""ESCO v1.1.1: occupations, skills and their essential/optional relations (CSV exports).

English is the complete export; Dutch labels are added where present (the Dutch skill file is
partial). French occupation labels come from the ROME-to-ESCO mapping table.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from indexer.taxonomy.records import Competence, Occupation, OccupationSkill, Scheme, Taxonomy
from indexer.taxonomy.sources.common import declared_input, bad_value, read_rows, require, split_labels

ESCO_OCCUPATION_PREFIX = "http://data.europa.eu/esco/occupation/"
ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
VERSION = "v1.1.1"

OCCUPATIONS_EN = declared_input("esco_occupations_en")
OCCUPATIONS_NL = declared_input("esco_occupations_nl")
SKILLS_EN = declared_input("esco_skills_en")
SKILLS_NL = declared_input("esco_skills_nl")
RELATIONS = declared_input("esco_relations")
ROME_MAP = declared_input("rome_map")


def load_esco_occupations(data_dir: Path) -> dict[str, Occupation]:
    occupations: dict[str, Occupation] = {}
    for line, row in read_rows(data_dir, OCCUPATIONS_EN):
        uri = require(OCCUPATIONS_EN, data_dir, line, row["conceptUri"], "conceptUri", re.escape(ESCO_OCCUPATION_PREFIX))
        occupations[uri] = Occupation(
            id=uri, source="esco", code=row["code"].strip(), isco_group=row["iscoGroup"].strip(),
            labels={"en": row["preferredLabel"].strip()},
            alt_labels={"en": split_labels(row["altLabels"])},
            descriptions={"en": row["description"].strip()},
        )
    for line, row in read_rows(data_dir, OCCUPATIONS_NL):
        uri = require(OCCUPATIONS_NL, data_dir, line, row["conceptUri"], "conceptUri", re.escape(ESCO_OCCUPATION_PREFIX))
        occ = occupations.get(uri)
        if occ is None:
            continue  # a Dutch row for an occupation the English export lacks: ignore
        occ.labels["nl"] = row["preferredLabel"].strip()
        occ.alt_labels["nl"] = split_labels(row["altLabels"])
        if row["description"].strip():
            occ.descriptions["nl"] = row["description"].strip()
    for line, row in read_rows(data_dir, ROME_MAP):
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
    for line, row in read_rows(data_dir, SKILLS_EN):
        uri = require(SKILLS_EN, data_dir, line, row["conceptUri"], "conceptUri", re.escape(ESCO_SKILL_PREFIX))
        skills[uri] = Competence(
            id=uri, source="esco", kind=_esco_kind(row["skillType"], row["reuseLevel"]),  # type: ignore[arg-type]
            labels={"en": row["preferredLabel"].strip()},
            alt_labels={"en": split_labels(row["altLabels"])},
            descriptions={"en": row["description"].strip()},
            reuse_level=row["reuseLevel"].strip(),
        )
    for line, row in read_rows(data_dir, SKILLS_NL):
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
    for line, row in read_rows(data_dir, RELATIONS):
        rel = row["relationType"].strip()
        if rel not in ("essential", "optional"):
            raise bad_value(data_dir, RELATIONS, line, f"relationType {rel!r}; verwacht essential of optional.")
        out.append(OccupationSkill(row["occupationUri"].strip(), row["skillUri"].strip(), rel))  # type: ignore[arg-type]
    return out


def load(data_dir: Path, tax: Taxonomy, step: Callable[[str], None]) -> str:
    tax.occupations.update(load_esco_occupations(data_dir)); step(SCHEME.steps[0])
    tax.competences.update(load_esco_skills(data_dir)); step(SCHEME.steps[1])
    tax.occupation_skills.extend(load_esco_relations(data_dir)); step(SCHEME.steps[2])
    return VERSION


SCHEME = Scheme(
    name="esco", inputs=(OCCUPATIONS_EN, OCCUPATIONS_NL, SKILLS_EN, SKILLS_NL, RELATIONS, ROME_MAP),
    steps=("ESCO-beroepen", "ESCO-vaardigheden", "ESCO-relaties"), load=load)
