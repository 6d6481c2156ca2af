"""One place that opens the store, the active indexes and the encoder, for CLI, API and eval."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from indexer.encoder import Encoder, load_encoder
from indexer.index import IndexSet
from indexer.settings import Settings, get_settings
from indexer.store import TaxonomyStore

from .taxonomy_search import TaxonomySearch

if TYPE_CHECKING:  # pragma: no cover
    from .extraction import CompetenceExtractor
    from .normalise import OccupationNormaliser


@dataclass
class Services:
    """Lazily opened shared resources; cheap to create, expensive parts load on first use."""

    settings: Settings

    @classmethod
    def from_env(cls) -> "Services":
        return cls(get_settings())

    @cached_property
    def store(self) -> TaxonomyStore:
        return TaxonomyStore(self.settings.store_path)

    @cached_property
    def indexes(self) -> IndexSet:
        return IndexSet.load_active(self.settings.index_dir)

    @cached_property
    def encoder(self) -> Encoder:
        return load_encoder(self.settings)

    @cached_property
    def search(self) -> TaxonomySearch:
        return TaxonomySearch(self.store, self.indexes, self.encoder)

    @cached_property
    def extractor(self) -> "CompetenceExtractor":
        from .extraction import CompetenceExtractor

        return CompetenceExtractor(self)

    @cached_property
    def normaliser(self) -> "OccupationNormaliser":
        from .normalise import OccupationNormaliser

        return OccupationNormaliser(self)
