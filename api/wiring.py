"""The one place that wires the components together, for the API, the command line and eval.

Each component gets exactly what it needs through its constructor; nothing is handed a
catch-all. Expensive parts (the model, the label indexes, the match index) are built on first
use, so a command that only searches the store never loads the model:

>>> app = Components(Settings.from_env())                # doctest: +SKIP
>>> app.extractor.extract("Ik rij met een heftruck.", kind="cv").competences[0].label  # doctest: +SKIP
'Heftruck besturen'
"""
from __future__ import annotations

import logging
from functools import cached_property

from api.match_refresh import ServingMatcher
from indexer.label_index import IndexSet
from indexer.lazy import Lazy
from indexer.model.encoder import Encoder, load_encoder
from indexer.retrieval import Retrieval
from indexer.security.oidc import OidcVerifier
from indexer.settings import Settings, get_settings
from indexer.storage.factory import open_repository
from indexer.storage.protocol import VacancyRepository
from indexer.storage.vacancy_index import CompetenceVectors, VacancyIndex, open_for
from indexer.taxonomy.store import TaxonomyStore
from matcher.drafting import VacancyDrafting
from matcher.extraction import CompetenceExtractor
from matcher.ingest import Resolver
from matcher.matching.engine import MatchEngine
from matcher.matching.exposure import ExposureTracker
from matcher.matching.near import MatchTaxonomy, NearTable, load_or_build_near
from matcher.orientation import Orientation
from matcher.search.normalise import OccupationNormaliser
from matcher.search.suggest import CompetenceSuggest
from matcher.search.taxonomy_search import TaxonomySearch

log = logging.getLogger(__name__)


class Components:
    """The service's components over one :class:`Settings`; cheap to create, parts load on first use."""

    def __init__(self, settings: Settings, *, encoder: Lazy[Encoder] | None = None):
        """``encoder`` shares an already loaded model (tests, several components over one process)."""
        self.settings = settings
        self.encoder_handle: Lazy[Encoder] = encoder or Lazy(lambda: load_encoder(settings))
        self.indexes_handle: Lazy[IndexSet] = Lazy(lambda: IndexSet.load_active(settings.index_dir, settings.lexical_only))

    @classmethod
    def from_env(cls) -> "Components":
        return cls(get_settings())

    # ------------------------------------------------------------ taxonomy, model, indexes
    @cached_property
    def store(self) -> TaxonomyStore:
        return TaxonomyStore(self.settings.store_path)

    @cached_property
    def retrieval(self) -> Retrieval:
        return Retrieval(self.store, self.settings, self.encoder_handle, self.indexes_handle)

    @property
    def indexes(self) -> IndexSet:
        """The active label indexes (``FileNotFoundError`` before ``cmatch index build``)."""
        return self.indexes_handle.get()

    @property
    def encoder(self) -> Encoder:
        return self.encoder_handle.get()

    # ------------------------------------------------------------ search and text
    @cached_property
    def normaliser(self) -> OccupationNormaliser:
        return OccupationNormaliser(self.retrieval)

    @cached_property
    def search(self) -> TaxonomySearch:
        if self.settings.lexical_only:   # store only: occupation search through the lexical normaliser
            return TaxonomySearch(self.store, None, None, self.normaliser)
        return TaxonomySearch(self.store, self.indexes, self.encoder, self.normaliser)

    @cached_property
    def suggest(self) -> CompetenceSuggest:
        return CompetenceSuggest(self.match_taxonomy, self.store, Lazy(lambda: self.search))

    @cached_property
    def extractor(self) -> CompetenceExtractor:
        return CompetenceExtractor(self.retrieval)

    # ------------------------------------------------------------ records and matching
    @cached_property
    def oidc(self) -> OidcVerifier | None:
        """Verifier of OpenID Connect bearer tokens, when an issuer is configured."""
        s = self.settings
        return OidcVerifier(s.oidc_issuer, s.oidc_audience, s.oidc_jwks) if s.oidc_issuer else None

    @cached_property
    def vacancies(self) -> VacancyRepository:
        """The application store (vacancies, portfolios, exposure)."""
        return open_repository(self.settings)

    @cached_property
    def match_taxonomy(self) -> MatchTaxonomy:
        return MatchTaxonomy.from_store(self.store, self.settings.data_dir)

    @cached_property
    def resolver(self) -> Resolver:
        """Ids and exact labels of import records and API bodies against the taxonomy."""
        return Resolver(self.match_taxonomy)

    def near_table(self, universe: list[str]) -> NearTable:
        """Near credit from the active label index (cached in ``var/match``), else crosswalks only."""
        indexes = encoder = None
        try:
            indexes = self.indexes
        except (FileNotFoundError, RuntimeError, OSError) as exc:
            if self.settings.near_encode:
                encoder = self.encoder   # slow: encodes every competence label of the universe once
            else:
                log.warning("geen labelindex (%s): verwante competenties enkel via de crosswalks", exc)
        return load_or_build_near(self.match_taxonomy, universe, cache_dir=self.settings.var_dir / "match",
                                  indexes=indexes, encoder=encoder)

    @cached_property
    def matcher(self) -> MatchEngine:
        """The served engine (:mod:`api.match_refresh`): after a write a successor is made in the
        background from the previous one (re-encoding only the changed rows) while it answers
        (``settings.match_refresh``)."""
        exposure = ExposureTracker(self.vacancies)

        def make(repo, previous):
            return MatchEngine(self.match_taxonomy, repo, base=previous, near_loader=self.near_table,
                               exposure=exposure, cache_dir=self.settings.var_dir / "match",
                               pseudonym_salt=self.settings.pseudonym_salt, vectors=self.competence_vectors,
                               vector_index=lambda: self.vacancy_index)
        return ServingMatcher(self.vacancies, make, sync=self.settings.match_refresh == "sync")  # type: ignore[return-value]

    @cached_property
    def competence_vectors(self) -> CompetenceVectors:
        """One vector per competence (label index + hashed): the durable vacancy index and the
        engine's profile-similarity factor use the same ones. From the label indexes the service
        has loaded anyway (the lexical stage reads the active folder itself, as before)."""
        indexes = None
        if not self.settings.lexical_only:
            try:
                indexes = self.indexes
            except (FileNotFoundError, RuntimeError, OSError):
                pass   # auto() falls back to hashed vectors and says why
        return CompetenceVectors.auto(self.settings, indexes=indexes)

    @cached_property
    def vacancy_index(self) -> VacancyIndex:
        """The durable FAISS vacancy index, caught up with the store."""
        return open_for(self.settings, self.vacancies, vectors=self.competence_vectors)

    @cached_property
    def orientation(self) -> Orientation:
        return Orientation(self.matcher)

    @cached_property
    def drafting(self) -> VacancyDrafting:
        return VacancyDrafting(Lazy(lambda: self.match_taxonomy), Lazy(lambda: self.vacancies), Lazy(lambda: self.matcher),
                               Lazy(lambda: self.extractor), Lazy(lambda: self.normaliser), self.settings.index_dir)
