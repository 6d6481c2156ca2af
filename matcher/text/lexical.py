"""Lexical matching for Dutch, English and French labels and text.

* :func:`tokenize` — spaCy's rule-based tokeniser (``spacy.blank``) with the lemma lookup
  tables of ``spacy-lookups-data``; every token keeps its character offsets, its lower-cased,
  accent-free form and its lemma ("heftrucks" -> "heftruck", "vaardigheden" -> "vaardigheid").
* :func:`normalise` — the lemma string of a text, the key for exact and fuzzy comparison.
* :class:`CharNgramIndex` — TF-IDF over character n-grams of the normalised text (3–5 grams
  within words), cosine-ranked with a sparse product. Character n-grams make Dutch compounds
  meet their parts ("heftruckchauffeur" ~ "chauffeur heftruck").
* :class:`PhraseMatcher` — finds label token sequences (lemmatised) in a text, for exact spans.
* :func:`fuzzy_rerank` — rapidfuzz token ratios for a short candidate list.

>>> normalise("Vaardigheden in heftrucks", "nl")
'vaardigheid in heftruck'
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from indexer.cache_files import load_pickle, save_pickle

LANGS = ("nl", "en", "fr")
_lock = threading.Lock()
log = logging.getLogger(__name__)


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=4)
def _nlp(lang: str):
    import spacy

    return spacy.blank(lang if lang in LANGS else "nl")


@lru_cache(maxsize=4)
def _lemma_table(lang: str) -> "_TableView":
    """The spaCy lemma lookup table of ``lang`` (empty when spacy-lookups-data is missing)."""
    with _lock:
        try:
            from spacy.lookups import load_lookups

            return _TableView(load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup"))
        except Exception:  # pragma: no cover - spacy-lookups-data missing
            return _TableView(None)


class _TableView:
    """String lookups in a spaCy table, memoised (the same words come back often)."""

    def __init__(self, table):
        self._table = table
        self._memo: dict[str, str | None] = {}

    def get(self, key: str, default=None):
        if key in self._memo:
            value = self._memo[key]
        else:
            value = self._table.get(key) if self._table is not None else None
            if isinstance(value, (list, tuple)):  # some tables list several lemmas
                value = value[0] if value else None
            if len(self._memo) < 500_000:
                self._memo[key] = value
        return default if value is None else value


@dataclass(frozen=True)
class Tok:
    start: int
    end: int
    text: str
    norm: str     # lower case, accents stripped
    lemma: str    # lemma (lower case, accents stripped), or norm when unknown


_WORDLIKE = re.compile(r"\w", re.U)


_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")


def tokenize(text: str, lang: str = "nl", *, split_slashes: bool = False) -> list[Tok]:
    """Word tokens (punctuation dropped) with offsets, normal form and lemma.

    ``split_slashes`` cuts a word at a slash between letters ("loodgieter/installateur",
    "laden/lossen"), as a person writing a CV means two words; labels are tokenised without it,
    so the label indexes do not change."""
    table = _lemma_table(lang if lang in LANGS else "nl")
    toks: list[Tok] = []
    for t in _nlp(lang)(text):
        if not _WORDLIKE.search(t.text):
            continue
        pieces = [(0, t.text)]
        if split_slashes and "/" in t.text:
            pieces, at = [], 0
            for part in _SLASH.split(t.text):
                pieces.append((at, part))
                at += len(part) + 1
        for offset, word in pieces:
            low = word.lower()
            lemma = table.get(low) or low
            start = t.idx + offset
            toks.append(Tok(start, start + len(word), word, strip_accents(low), strip_accents(lemma.lower())))
    return toks


def normalise(text: str, lang: str = "nl") -> str:
    """Lemmatised, lower-case, accent-free text with single spaces."""
    return " ".join(t.lemma for t in tokenize(text, lang))


def simple_normalise(text: str) -> str:
    """Cheap normal form without spaCy: lower case, no accents, words only."""
    return " ".join(re.findall(r"\w+", strip_accents(text.lower())))


# Words that carry no content in a label or a query (kept small on purpose).
STOPWORDS = set(
    "de het een en van in op voor met aan te bij of als door over om tot uit naar zijn is je jij u uw wij we "
    "the a an and of in on for with to at by or as from is are be your you our we "
    "le la les un une et de des du en au aux pour avec par ou sur est sont vous votre nous notre d l".split()
)


# --------------------------------------------------------------- char n-grams
def _cache_key(texts: Sequence[str], langs: Sequence[str]) -> str:
    """What a cached n-gram index depends on: the texts and languages, this module's code (the
    normal form, the n-gram settings) and the packages that tokenise, lemmatise and fit."""
    from importlib.metadata import version

    h = hashlib.sha256(Path(__file__).read_bytes())
    for pkg in ("spacy", "spacy-lookups-data", "scikit-learn"):
        h.update(f"|{pkg}={version(pkg)}".encode())
    for t, l in zip(texts, langs, strict=True):
        h.update(f"\x00{l}\x01{t}".encode())
    return h.hexdigest()[:20]


class CharNgramIndex:
    """Character n-gram TF-IDF over a list of texts; cosine search with a sparse product.

    >>> idx = CharNgramIndex(["heftruckchauffeur", "verpleegkundige", "boekhouder"])
    >>> int(idx.search(["chauffeur heftruck"], k=1)[1][0][0])
    0
    """

    def __init__(self, texts: Sequence[str], *, ngram_range: tuple[int, int] = (3, 5), min_df: int = 1):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, min_df=min_df, sublinear_tf=True,
            lowercase=False, dtype=np.float32,
        )
        self.matrix = self.vectorizer.fit_transform([f" {t} " for t in texts]).tocsr()
        self.matrix_t = self.matrix.T.tocsr()

    @classmethod
    def cached(cls, texts: Sequence[str], langs: Sequence[str], norm: Callable[[str, str], str],
               cache_dir: Path | None) -> "CharNgramIndex":
        """The index over ``norm(text, lang)``, kept in ``cache_dir`` under a key of the raw texts,
        their languages and the code and packages that normalise them: lemmatising the ~95k
        occupation labels and fitting the n-grams took ~25 s of every service start. Without
        ``cache_dir`` (or when the file cannot be read or written) it is simply built."""
        path = Path(cache_dir) / f"ngrams-{_cache_key(texts, langs)}.pkl" if cache_dir is not None else None
        parts = load_pickle(path) if path is not None else None
        if isinstance(parts, tuple) and len(parts) == 3:
            idx = cls.__new__(cls)
            idx.vectorizer, idx.matrix, idx.matrix_t = parts
            return idx
        idx = cls([norm(t, l) for t, l in zip(texts, langs)])
        if path is not None:
            try:
                save_pickle(path, (idx.vectorizer, idx.matrix, idx.matrix_t))
            except OSError as exc:
                log.warning("lexicale cache niet geschreven (%s)", exc)
        return idx

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """Dense ``(n_queries, n_texts)`` cosine matrix (use for small query batches)."""
        q = self.vectorizer.transform([f" {t} " for t in queries])
        return np.asarray((q @ self.matrix_t).todense(), dtype=np.float32)

    def search(self, queries: Sequence[str], k: int = 10, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, ids)`` of the top ``k`` texts per query, best first."""
        k = max(1, min(k, len(self)))
        all_s = np.zeros((len(queries), k), dtype=np.float32)
        all_i = np.zeros((len(queries), k), dtype=np.int64)
        for a in range(0, len(queries), batch):
            sims = self.scores(queries[a:a + batch])
            idx = np.argpartition(-sims, kth=k - 1, axis=1)[:, :k]
            part = np.take_along_axis(sims, idx, axis=1)
            order = np.argsort(-part, axis=1)
            all_i[a:a + len(sims)] = np.take_along_axis(idx, order, axis=1)
            all_s[a:a + len(sims)] = np.take_along_axis(part, order, axis=1)
        return all_s, all_i


# ------------------------------------------------------------------ phrases
class PhraseMatcher:
    """Exact (lemmatised) occurrences of label token sequences in a text.

    >>> pm = PhraseMatcher()
    >>> pm.add("heftruck besturen", "SK-1", "nl")
    >>> [(m.start, m.end, m.key) for m in pm.find("Je kan heftrucks besturen.", "nl")]
    [(7, 25, 'SK-1')]
    """

    @dataclass(frozen=True)
    class Match:
        start: int
        end: int
        key: str
        tokens: int

    def __init__(self, max_tokens: int = 6):
        self.max_tokens = max_tokens
        self.phrases: dict[tuple[str, ...], set[str]] = {}

    def add(self, label: str, key: str, lang: str = "nl") -> None:
        lemmas = tuple(t.lemma for t in tokenize(label, lang))
        if not lemmas or len(lemmas) > self.max_tokens:
            return
        if len(lemmas) == 1 and (len(lemmas[0]) < 3 or lemmas[0] in STOPWORDS):
            return
        self.phrases.setdefault(lemmas, set()).add(key)

    def find_tokens(self, toks: Sequence[Tok]) -> list["PhraseMatcher.Match"]:
        out: list[PhraseMatcher.Match] = []
        lemmas = [t.lemma for t in toks]
        for i in range(len(toks)):
            for n in range(min(self.max_tokens, len(toks) - i), 0, -1):
                keys = self.phrases.get(tuple(lemmas[i:i + n]))
                if keys:
                    for key in sorted(keys):
                        out.append(PhraseMatcher.Match(toks[i].start, toks[i + n - 1].end, key, n))
        return out

    def find(self, text: str, lang: str = "nl") -> list["PhraseMatcher.Match"]:
        return self.find_tokens(tokenize(text, lang))


# ------------------------------------------------------------------- fuzzy
def fuzzy_rerank(query: str, candidates: Iterable[str]) -> list[float]:
    """rapidfuzz similarity in 0..1 (mean of token-set and partial ratios) per candidate."""
    from rapidfuzz import fuzz

    q = simple_normalise(query)
    out = []
    for c in candidates:
        c = simple_normalise(c)
        out.append((fuzz.token_set_ratio(q, c) + fuzz.ratio(q, c)) / 200.0)
    return out
