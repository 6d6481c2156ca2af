"""One place that opens the store, the active indexes and the encoder, for CLI, API and eval."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from indexer.model.encoder import Encoder, load_encoder
from indexer.label_index import IndexSet
from indexer.settings import Settings, get_settings
from indexer.taxonomy.store import TaxonomyStore

from matcher.search.taxonomy_search import TaxonomySearch

if TYPE_CHECKING:  # pragma: no cover
    from matcher.extraction.extractor import CompetenceExtractor
    from matcher.search.normalise import OccupationNormaliser
    from indexer.storage.repository import VacancyRepository
    from matcher.matching.engine import MatchEngine
    from matcher.matching.near import MatchTaxonomy
    from indexer.storage.vacancy_index import VacancyIndex


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
        return TaxonomySearch(self.store, self.indexes, self.encoder, self.normaliser)

    @cached_property
    def extractor(self) -> "CompetenceExtractor":
        from matcher.extraction.extractor import CompetenceExtractor

        return CompetenceExtractor(self)

    @cached_property
    def normaliser(self) -> "OccupationNormaliser":
        from matcher.search.normalise import OccupationNormaliser

        return OccupationNormaliser(self)

    # --- matching (issue 4): vacancies/portfolios store, taxonomy view, engine -------------
    @cached_property
    def vacancies(self) -> "VacancyRepository":
        """The application store (vacancies, portfolios, exposure): ``var/store/app.sqlite``."""
        from indexer.storage.repository import open_repository

        return open_repository(self.settings)

    @cached_property
    def match_taxonomy(self) -> "MatchTaxonomy":
        from matcher.matching.near import MatchTaxonomy

        return MatchTaxonomy.from_store(self.store, self.settings.data_dir)

    @cached_property
    def matcher(self) -> "MatchEngine":
        from matcher.matching.engine import engine_from_services

        return engine_from_services(self)

    @cached_property
    def vacancy_index(self) -> "VacancyIndex":
        """The durable FAISS vacancy index, caught up with the store (see indexer/vacancy_index.py)."""
        from indexer.storage.vacancy_index import open_for

        return open_for(self.settings, self.vacancies)
