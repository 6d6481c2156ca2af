"""The e5 convention shared by the encoders that add prefixes themselves: a query and a passage
differ only by the prefix put before the text (``query: `` / ``passage: ``)."""
from __future__ import annotations

from typing import Sequence

import numpy as np


class PrefixedEncoding:
    """``encode_queries`` / ``encode_passages`` over one ``_encode(texts, prefix, show_progress)``."""

    query_prefix: str
    passage_prefix: str

    def _encode(self, texts: Sequence[str], prefix: str, show_progress: bool) -> np.ndarray:
        raise NotImplementedError

    def encode_queries(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.query_prefix, show_progress)

    def encode_passages(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prefix, show_progress)
