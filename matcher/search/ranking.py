"""Hybrid ranking of a fixed candidate list: dense (e5 + FAISS), lexical (char n-grams), fused.

Used by the occupation normaliser and by the benchmark commands (which rank a benchmark's own
corpus). Pieces:

* :class:`EmbeddingCache` — passage/query vectors for texts, reusing the active label index's
  vectors for texts it already holds (same model and prefixes) and a disk cache under
  ``var/cache/emb/`` keyed by model and text checksum; only new texts are encoded.
* :class:`HybridRanker` — scores every candidate for a batch of queries as
  ``dense + LEXICAL_WEIGHT * lexical`` (both cosines), optionally through the trained query
  adapter, and optionally pooled over *groups* (several candidate texts naming one concept:
  a candidate then also scores with the best text of its concept, see ``group_weight``).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.model.encoder import Encoder
from indexer.retrieval import Retrieval
from matcher.text.lexical import CharNgramIndex, normalise, simple_normalise

log = logging.getLogger(__name__)

#: Weight of the lexical cosine in the fused score (dense cosine has weight 1). One global
#: choice, set on the taxonomy (altLabel -> concept), not on a benchmark; see eval/RESULTS.md.
LEXICAL_WEIGHT = 0.3
#: A candidate's score = max(own, GROUP_WEIGHT * best of its concept) when groups are given.
GROUP_WEIGHT = 1.0


#: Query batches smaller than this are encoded without being written to the disk cache.
SMALL_BATCH = 64


class EmbeddingCache:
    """Vectors for many texts, computed once per model."""

    def __init__(self, retrieval: Retrieval, *, use_index: bool = True):
        self.settings = retrieval.settings
        self._encoder = retrieval.encoder
        self._indexes = retrieval.indexes
        self.use_index = use_index
        self._index_map: dict[str, tuple[object, int]] | None = None
        self._model_id: str | None = None
        self._stores: dict[str, tuple[dict[str, int], np.ndarray]] = {}

    @property
    def encoder(self) -> Encoder:
        return self._encoder.get()

    def model_id(self) -> str:
        if self._model_id is None:
            from indexer.model.fingerprint import model_fingerprint

            self._model_id = model_fingerprint(self.settings.model)
        return self._model_id

    def _index_vectors(self) -> dict[str, tuple[object, int]]:
        """label text -> (faiss index, row) from the active label index, if it was built by this model."""
        if self._index_map is not None:
            return self._index_map
        self._index_map = {}
        if not self.use_index:
            return self._index_map
        try:
            idx = self._indexes.get()
        except FileNotFoundError:
            return self._index_map
        if idx.manifest.get("model") != self.model_id() or list(idx.manifest.get("prefixes", [])) != [
                self.settings.query_prefix, self.settings.passage_prefix]:
            log.info("active index was built by another model; not reusing its vectors")
            return self._index_map
        for li in (idx.occupations, idx.competences):
            for row, ref in enumerate(li.refs):
                self._index_map.setdefault(ref.label, (li.index, row))
        return self._index_map

    def passages(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._vectors(list(texts), "passage", progress)

    def queries(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        return self._vectors(list(texts), "query", progress)

    def _store_path(self, side: str) -> Path:
        prefix = self.settings.passage_prefix if side == "passage" else self.settings.query_prefix
        key = hashlib.sha256(f"{self.model_id()}|{side}|{prefix}".encode()).hexdigest()[:16]
        return self.settings.var_dir / "cache" / "emb" / f"{side}-{key}"

    def _load_store(self, side: str) -> tuple[dict[str, int], np.ndarray]:
        if side in self._stores:
            return self._stores[side]
        base = self._store_path(side)
        texts: dict[str, int] = {}
        vecs = np.zeros((0, 0), dtype=np.float32)
        try:
            if (base / "vectors.npy").exists() and (base / "texts.json").exists():
                vecs = np.load(base / "vectors.npy")
                order = json.loads((base / "texts.json").read_text(encoding="utf-8"))
                if len(order) == len(vecs):
                    texts = {t: i for i, t in enumerate(order)}
                else:
                    vecs = np.zeros((0, 0), dtype=np.float32)
        except (OSError, ValueError):  # a broken cache is rebuilt
            texts, vecs = {}, np.zeros((0, 0), dtype=np.float32)
        self._stores[side] = (texts, vecs)
        return texts, vecs

    def _save_store(self, side: str, texts: dict[str, int], vecs: np.ndarray) -> None:
        base = self._store_path(side)
        base.mkdir(parents=True, exist_ok=True)
        order = sorted(texts, key=texts.get)
        tmp_v, tmp_t = base / "vectors.tmp.npy", base / "texts.tmp.json"
        np.save(tmp_v, vecs)
        tmp_t.write_text(json.dumps(order, ensure_ascii=False), encoding="utf-8")
        tmp_v.replace(base / "vectors.npy")
        tmp_t.replace(base / "texts.json")

    def add(self, side: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Seed the cache with known vectors (e.g. from a label index built by this model)."""
        known, vecs = self._load_store(side)
        new = [i for i, t in enumerate(texts) if t not in known]
        if not new:
            return
        if vecs.size == 0:
            vecs = np.zeros((0, vectors.shape[1]), dtype=np.float32)
        for i in new:
            known[texts[i]] = len(known)
        vecs = np.vstack([vecs, vectors[new].astype(np.float32)])
        self._stores[side] = (known, vecs)
        self._save_store(side, known, vecs)

    def _vectors(self, texts: list[str], side: str, progress: bool) -> np.ndarray:
        """Vectors per text: the persistent cache, then the label index, then the encoder."""
        known, vecs = self._load_store(side)
        uniq = [t for t in dict.fromkeys(texts) if t not in known]
        if uniq and side == "passage":
            imap = self._index_vectors()
            from_index = [t for t in uniq if t in imap]
            if from_index:
                got = np.stack([imap[t][0].reconstruct(int(imap[t][1])) for t in from_index])
                self.add(side, from_index, got)
                known, vecs = self._load_store(side)
                uniq = [t for t in uniq if t not in known]
        if uniq and len(uniq) < SMALL_BATCH and side == "query":
            # a few ad-hoc queries (API, CLI): encode, don't grow the cache on disk
            fresh = dict(zip(uniq, self.encoder.encode_queries(uniq)))
            return np.stack([fresh[t] if t in fresh else vecs[known[t]] for t in texts])
        if uniq:
            enc = self.encoder
            fn = enc.encode_passages if side == "passage" else enc.encode_queries
            out = np.zeros((len(uniq), enc.dim), dtype=np.float32)
            step = 2048
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=len(uniq), desc=f"encode {side}s", unit="text")
            for a in range(0, len(uniq), step):
                chunk = uniq[a:a + step]
                out[a:a + len(chunk)] = fn(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            if bar is not None:
                bar.close()
            self.add(side, uniq, out)
            known, vecs = self._load_store(side)
        return vecs[[known[t] for t in texts]]


class HybridRanker:
    """Rank candidate texts for queries.

    ``mode``: "dense", "lexical" or "hybrid". ``groups``: optional concept id per candidate;
    ``extra``: optional additional (text, group) pairs (e.g. the concept's other labels from the
    taxonomy) that are scored too but only count through their group. ``lexical_cache``: a
    folder that keeps the lexical index between starts (:meth:`CharNgramIndex.cached`).
    """

    def __init__(self, texts: Sequence[str], *, cache: EmbeddingCache | None, lang: str = "nl",
                 mode: str = "hybrid", groups: Sequence[str] | None = None,
                 extra: Sequence[tuple[str, str]] = (), adapter=None, lexical_weight: float = LEXICAL_WEIGHT,
                 text_langs: Sequence[str] | None = None, progress: bool = False,
                 lexical_cache: Path | None = None):
        if mode not in ("dense", "lexical", "hybrid"):
            raise ValueError(mode)
        self.mode = mode
        self.lang = lang
        self.texts = list(texts)
        self.n = len(self.texts)
        self.groups = list(groups) if groups is not None else None
        self.adapter = adapter
        self.lexical_weight = lexical_weight
        all_texts = self.texts + [t for t, _ in extra]
        self.all_groups = None
        if self.groups is not None:
            self.all_groups = self.groups + [g for _, g in extra]
            gids = {g: i for i, g in enumerate(dict.fromkeys(self.all_groups))}
            self.gid = np.array([gids[g] for g in self.all_groups], dtype=np.int64)
            self.n_groups = len(gids)
        self.cache = cache
        self.vectors = None
        if mode in ("dense", "hybrid"):
            assert cache is not None
            self.vectors = cache.passages(all_texts, progress=progress)
            if adapter is not None and hasattr(adapter, "apply_passages"):
                self.vectors = adapter.apply_passages(self.vectors)
        self.lex = None
        if mode in ("lexical", "hybrid"):
            langs = list(text_langs or []) + [lang] * (len(all_texts) - len(text_langs or []))
            self.lex = CharNgramIndex.cached(all_texts, langs, self._norm, lexical_cache)

    def _norm(self, text: str, lang: str | None = None) -> str:
        try:
            return normalise(text, lang or self.lang)
        except Exception:  # pragma: no cover
            return simple_normalise(text)

    def score_matrix(self, queries: Sequence[str], qvecs: np.ndarray | None = None) -> np.ndarray:
        """``(n_queries, n_candidates)`` fused scores (pooled over groups when given)."""
        total = self._raw(queries, qvecs)
        if self.groups is not None:
            best = np.full((total.shape[0], self.n_groups), -1e9, dtype=np.float32)
            _group_max(total, self.gid, best)
            own = total[:, :self.n]
            pooled = best[:, self.gid[:self.n]]
            return np.maximum(own, GROUP_WEIGHT * pooled)
        return total[:, :self.n]

    def components(self, query: str, indices: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Dense and lexical cosines of one query against some candidates (for calibration)."""
        idx = np.asarray(list(indices), dtype=np.int64)
        dense = np.zeros(len(idx), dtype=np.float32)
        lex = np.zeros(len(idx), dtype=np.float32)
        if self.vectors is not None:
            q = self.cache.queries([query])
            if self.adapter is not None:
                q = self.adapter.apply_queries(q)
            dense = (q @ self.vectors[idx].T)[0]
        if self.lex is not None:
            qv = self.lex.vectorizer.transform([f" {self._norm(query)} "])
            lex = np.asarray((qv @ self.lex.matrix[idx].T).todense(), dtype=np.float32)[0]
        return dense, lex

    def _rank_diverse(self, queries, qvecs, k, batch) -> list[list[tuple[int, float]]]:
        """Concepts ranked by their best text; the list takes one text per concept first.

        Every text of a concept names the same thing, so the top of the list shows distinct
        concepts (best text of each) before a second text of any of them.
        """
        if not hasattr(self, "_member_idx"):
            self._member_idx = _members(self.gid, self.n)
        out: list[list[tuple[int, float]]] = []
        for a in range(0, len(queries), batch):
            own, best = self.group_scores(queries[a:a + batch], None if qvecs is None else qvecs[a:a + batch])
            for q in range(own.shape[0]):
                row = best[q]
                kk = min(k, len(row))
                top = np.argpartition(-row, kth=kk - 1)[:kk]
                top = top[np.argsort(-row[top], kind="stable")]
                lists = []
                for g in top:
                    mem = self._member_idx.get(int(g))
                    if mem is None:
                        continue
                    lists.append((float(row[g]), mem[np.argsort(-own[q, mem], kind="stable")]))
                ranked: list[tuple[int, float]] = []
                depth = 0
                while len(ranked) < k and lists:
                    alive = False
                    for score, mem in lists:
                        if depth < len(mem):
                            alive = True
                            ranked.append((int(mem[depth]), score))
                            if len(ranked) >= k:
                                break
                    if not alive:
                        break
                    depth += 1
                out.append(ranked)
        return out

    def group_scores(self, queries: Sequence[str], qvecs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(own, per_group)``: each candidate's own fused score and each group's best score."""
        g, self.groups = self.groups, None
        try:
            total = self._raw(queries, qvecs)
        finally:
            self.groups = g
        best = np.full((total.shape[0], self.n_groups), -1e9, dtype=np.float32)
        _group_max(total, self.gid, best)
        return total[:, :self.n], best

    def _raw(self, queries, qvecs) -> np.ndarray:
        """Dense (adapted) + weighted lexical scores against every candidate text and extra label."""
        total = None
        if self.vectors is not None:
            if qvecs is None:
                qvecs = self.cache.queries(list(queries))
            if self.adapter is not None:
                qvecs = self.adapter.apply_queries(qvecs)
            total = qvecs @ self.vectors.T
        if self.lex is not None:
            lex = self.lex.scores([self._norm(q) for q in queries])
            total = lex if total is None else total + self.lexical_weight * lex
        assert total is not None
        return total

    def rank(self, queries: Sequence[str], k: int = 100, batch: int = 128, progress: bool = False,
             qvecs: np.ndarray | None = None, diversify: bool = True) -> list[list[tuple[int, float]]]:
        out: list[list[tuple[int, float]]] = []
        if self.vectors is not None and qvecs is None and len(queries):
            qvecs = self.cache.queries(list(queries), progress=progress)
        k = min(k, self.n)
        if self.groups is not None and diversify:
            return self._rank_diverse(queries, qvecs, k, batch)
        for a in range(0, len(queries), batch):
            sims = self.score_matrix(queries[a:a + batch], None if qvecs is None else qvecs[a:a + batch])
            idx = np.argpartition(-sims, kth=k - 1, axis=1)[:, :k]
            part = np.take_along_axis(sims, idx, axis=1)
            order = np.argsort(-part, axis=1, kind="stable")
            for row_i, row_s in zip(np.take_along_axis(idx, order, 1), np.take_along_axis(part, order, 1)):
                out.append([(int(i), float(s)) for i, s in zip(row_i, row_s)])
        return out


def _members(gid: np.ndarray, n: int) -> dict[int, np.ndarray]:
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(int(gid[i]), []).append(i)
    return {g: np.array(v, dtype=np.int64) for g, v in out.items()}


def _group_max(scores: np.ndarray, gid: np.ndarray, out: np.ndarray) -> None:
    """out[q, g] = max over candidates c with gid[c] == g of scores[q, c] (vectorised by sort)."""
    order = np.argsort(gid, kind="stable")
    sorted_g = gid[order]
    starts = np.flatnonzero(np.r_[True, sorted_g[1:] != sorted_g[:-1]])
    red = np.maximum.reduceat(scores[:, order], starts, axis=1)
    out[:, sorted_g[starts]] = red
