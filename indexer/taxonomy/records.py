"""Plain dataclasses for the taxonomy: what the loaders produce and the store keeps.

Identifiers are the source's own: Competent codes (``OP-202``, ``SK-4793``, ``KN-10``,
``SO-3``) and ESCO URIs. ``source`` says which vocabulary an item comes from.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Literal

#: The scheme an item comes from: the :attr:`Scheme.name` of its source ("esco", "competent").
Source = str
CompetenceKind = Literal["knowledge", "skill", "soft_skill"]
Importance = Literal["essential", "optional"]
MappingRelation = Literal["exactMatch", "closeMatch", "narrowMatch", "broadMatch"]

MAPPING_RELATIONS: tuple[str, ...] = ("exactMatch", "closeMatch", "narrowMatch", "broadMatch")
LANGS: tuple[str, ...] = ("nl", "en", "fr")


@dataclass
class Concept:
    """What occupations and competences share: an id in a source, labels per language."""

    id: str
    source: Source
    _: KW_ONLY
    labels: dict[str, str] = field(default_factory=dict)
    alt_labels: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "nl") -> str:
        """The label in ``lang``, else in Dutch, English, French, else the id."""
        for candidate in (lang, "nl", "en", "fr"):
            if self.labels.get(candidate):
                return self.labels[candidate]
        return self.id


@dataclass
class Occupation(Concept):
    """A Competent or ESCO occupation."""

    code: str
    isco_group: str = ""


@dataclass
class Competence(Concept):
    """A Competent competence (knowledge, skill, soft skill) or an ESCO skill."""

    kind: CompetenceKind
    reuse_level: str = ""


@dataclass(frozen=True)
class Mapping:
    """A crosswalk pair between a national scheme's code and an ESCO URI; ``relation`` is read
    from ESCO's side (see the SOURCE.md)."""

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
    weight: float               # vote share of the mapped ESCO occupations, 0..1
    provenance: list[dict[str, str]] = field(default_factory=list)
    salience: float = 0.0       # how characteristic for this occupation, 0..1 (see profiles.py)
    core: bool = False          # one of the ~10-15 competences that define the occupation
    reason: str = ""            # Dutch: why this salience / why (not) in the core


@dataclass
class Taxonomy:
    """Everything the loaders read from the data directory, before it goes to the store.

    Starts empty; each :class:`Scheme` adds its part in turn.
    """

    occupations: dict[str, Occupation] = field(default_factory=dict)
    competences: dict[str, Competence] = field(default_factory=dict)
    occupation_map: list[Mapping] = field(default_factory=list)
    competence_map: list[Mapping] = field(default_factory=list)
    occupation_skills: list[OccupationSkill] = field(default_factory=list)
    shortage: list[ShortageEntry] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InputFile:
    """One file of the data directory: where it lies, the columns it must have, what it is."""

    key: str
    path: str
    columns: tuple[str, ...]
    what: str
    required: bool = True

    def at(self, data_dir: Path) -> Path:
        return Path(data_dir) / self.path


#: ``load(data_dir, taxonomy, step)`` adds a scheme's items to ``taxonomy`` (calling ``step``
#: with the name of each part it finished) and returns the version it read.
SchemeLoader = Callable[[Path, Taxonomy, Callable[[str], None]], str]


@dataclass(frozen=True)
class Scheme:
    """A taxonomy source: its input files and how it adds itself to the taxonomy.

    A new taxonomy is one module under :mod:`indexer.taxonomy.sources` that defines a
    ``SCHEME`` and is listed in :data:`indexer.taxonomy.sources.SCHEMES`.
    """

    name: str
    inputs: tuple[InputFile, ...]
    steps: tuple[str, ...]  # progress labels, one per ``step`` call
    load: SchemeLoader
