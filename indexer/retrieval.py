"""What text retrieval reads: the taxonomy store, the settings, the encoder and the label indexes.

Extraction, normalisation and the embedding cache all need these four together; the encoder
and the indexes are :class:`~indexer.lazy.Lazy` so nothing loads before the first query.
"""
from __future__ import annotations

from dataclasses import dataclass

from indexer.label_index import IndexSet
from indexer.lazy import Lazy
from indexer.model.encoder import Encoder
from indexer.settings import Settings
from indexer.taxonomy.store import TaxonomyStore


@dataclass(frozen=True)
class Retrieval:
    store: TaxonomyStore
    settings: Settings
    encoder: Lazy[Encoder]
    indexes: Lazy[IndexSet]
