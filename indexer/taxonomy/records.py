"""Plain dataclasses for the taxonomy: what the loaders produce and the store keeps.

Identifiers are the source's own: Competent codes (``OP-202``, ``SK-4793``, ``KN-10``,
``SO-3``) and ESCO URIs. ``source`` says which vocabulary an item comes from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Source = Literal["competent", "esco"]
CompetenceKind = Literal["knowledge", "skill", "soft_skill"]
Importance = Literal["essential", "optional"]
MappingRelation = Literal["exactMatch", "closeMatch", "narrowMatch", "broadMatch"]

MAPPING_RELATIONS: tuple[str, ...] = ("exactMatch", "closeMatch", "narrowMatch", "broadMatch")
LANGS: tuple[str, ...] = ("nl", "en", "fr")


@dataclass
class Occupation:
    """A Competent or ESCO occupation with its labels per language."""

    id: str
    source: Source
    code: str
    labels: dict[str, str] = field(default_factory=dict)
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    isco_group: str = ""

    def label(self, lang: str = "nl") -> str:
        for candidate in (lang, "nl", "en", "fr"):
            if self.labels.get(candidate):
                return self.labels[candidate]
        return self.id


@dataclass
class Competence:
    """A Competent competence (knowledge, skill, soft skill) or an ESCO skill."""

    id: str
    source: Source
    kind: CompetenceKind
    labels: dict[str, str] = field(default_factory=dict)
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    reuse_level: str = ""

    def label(self, lang: str = "nl") -> str:
        for candidate in (lang, "nl", "en", "fr"):
            if self.labels.get(candidate):
                return self.labels[candidate]
        return self.id


@dataclass(frozen=True)
class Mapping:
    """A crosswalk pair; ``relation`` is read from ESCO's side (see the SOURCE.md)."""

    competent_code: str
    esco_uri: str
    relation: str


@dataclass(frozen=True)
class OccupationSkill:
    occupation_uri: str
    skill_uri: str
    importance: Importance


@dataclass(frozen=True)
class ShortageEntry:
    """One line of the knelpuntberoepen list and how (or whether) it was linked to Competent.

    ``competent_code`` is set only for a verified match; ``candidate`` keeps the unverified
    fuzzy suggestion of the source for the report, and is never used for ranking.
    """

    title: str
    sector_group: str
    on_decree_list: bool
    year: int
    competent_code: str | None
    match: str
    candidate: str = ""


@dataclass
class ProfileItem:
    """One competence in a Competent occupation profile, with where it came from."""

    occupation_code: str
    competence_id: str
    importance: Importance
    weight: float
    provenance: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Taxonomy:
    """Everything the loaders read from the data directory, before it goes to the store."""

    occupations: dict[str, Occupation]
    competences: dict[str, Competence]
    occupation_map: list[Mapping]
    competence_map: list[Mapping]
    occupation_skills: list[OccupationSkill]
    shortage: list[ShortageEntry]
    versions: dict[str, str]
    checksums: dict[str, str]
