"""Records to columns, and columns to pair features: the engine's side of the factor interface.

A *side* holds every stored vacancy (or portfolio) as rows: the competence matrices the engine
itself uses for coverage and gap openings, and under ``columns[factor]`` whatever each factor
encodes for itself (:meth:`~matcher.matching.factors.base.Factor.encode_vacancies`). A query
encodes its one record the same way, so a stored and a queried record cannot be encoded
differently.

* vacancy competences: a sparse row over competence ids (weight 1.0 essential, 0.35 optional)
  and a 0/1 row of the essential ones;
* portfolio competences: a row of *credits* (own competences 1, near competences their near
  credit, see :func:`matcher.matching.scoring.expand`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from indexer.domain import Portfolio, Vacancy, class_weight
from matcher.matching.factors import EncodeContext, PairFeatures, Pairs, all_factors
from matcher.matching.near import NearTable, Vocab, sparse_rows
from matcher.matching.scoring import expand


@dataclass
class VacancySide:
    ids: list[str]
    weights: sp.csr_matrix      # (n, n_comp) class weights
    essential: sp.csr_matrix    # (n, n_comp) 1 for essential
    total: np.ndarray
    ess_total: np.ndarray
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)   # factor name -> its columns

    @property
    def n(self) -> int:
        return len(self.ids)

    def column(self, factor: str, name: str):
        return self.columns[factor][name]

    def pad(self, n_cols: int) -> None:
        self.weights, self.essential = pad_cols(self.weights, n_cols), pad_cols(self.essential, n_cols)


@dataclass
class PortfolioSide:
    ids: list[str]
    credits: sp.csr_matrix      # (n, n_comp) competence credits
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)

    def pad(self, n_cols: int) -> None:
        self.credits = pad_cols(self.credits, n_cols)


def pad_cols(m: sp.csr_matrix, n_cols: int) -> sp.csr_matrix:
    """The same matrix with more (empty) columns: competence ids met after it was built."""
    if m.shape[1] == n_cols:
        return m
    return sp.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_cols))


def spliced(side, drop: set[str], new):
    """``side`` without the rows whose id is in ``drop``, followed by the rows of ``new`` (a side of
    the same kind, encoded with the same context): an update that costs the changed rows only.
    ``side`` itself is not modified, so an engine still reading it is unaffected."""
    keep = np.fromiter((i for i, x in enumerate(side.ids) if x not in drop), dtype=np.int64)
    kept = _rowwise(lambda x: [x[i] for i in keep] if isinstance(x, list) else x[keep], side)
    return _rowwise(_stack_rows, kept, new)


def _rowwise(fn, side, other=None):
    """``fn`` applied to every row-indexed field of a side (ids, matrices, arrays, factor columns)."""
    def one(x, name, col=None):
        args = (x,) if other is None else (x, other.columns[name][col] if col else getattr(other, name))
        return fn(*args)

    out = {}
    for f in dataclasses.fields(side):
        x = getattr(side, f.name)
        out[f.name] = ({factor: {col: one(v, factor, col) for col, v in cols.items()} for factor, cols in x.items()}
                       if f.name == "columns" else one(x, f.name))
    return type(side)(**out)


def _stack_rows(a, b):
    """Rows of ``a`` then ``b``; matrices whose width grew since ``a`` was encoded (new
    competences, new languages) are widened with empty columns first."""
    if isinstance(a, list):
        return a + b
    if sp.issparse(a):
        n = max(a.shape[1], b.shape[1])
        return sp.vstack([pad_cols(a.tocsr(), n), pad_cols(b.tocsr(), n)], format="csr")
    if a.ndim == 2 and a.shape[1] != b.shape[1]:
        n = max(a.shape[1], b.shape[1])
        a, b = (np.pad(x, ((0, 0), (0, n - x.shape[1]))) for x in (a, b))
    return np.concatenate([a, b])


def encode_vacancies(items: list[Vacancy], ctx: EncodeContext, vocab: Vocab) -> VacancySide:
    columns = {f.name: f.encode_vacancies(items, ctx) for f in all_factors()}
    w_rows, e_rows = [], []
    for v in items:
        wr, er = {}, {}
        for c in v.competences:
            j = vocab.add(c.competence_id)
            wr[j] = max(wr.get(j, 0.0), class_weight(c.importance))
            if c.importance == "essential":
                er[j] = 1.0
        w_rows.append(wr)
        e_rows.append(er)
    weights, essential = sparse_rows(w_rows, len(vocab)), sparse_rows(e_rows, len(vocab))
    return VacancySide([v.id for v in items], weights, essential, np.asarray(weights.sum(axis=1)).ravel(),
                       np.asarray(essential.sum(axis=1)).ravel(), columns)


def encode_portfolios(items: list[Portfolio], ctx: EncodeContext, vocab: Vocab, near: NearTable) -> PortfolioSide:
    columns = {f.name: f.encode_portfolios(items, ctx) for f in all_factors()}
    rows = [{vocab.add(cid): cr.credit for cid, cr in expand(p, near).items()} for p in items]
    return PortfolioSide([p.id for p in items], sparse_rows(rows, len(vocab)), columns)


def pair_features(v: VacancySide, vrows: np.ndarray | slice, p: PortfolioSide, prows: np.ndarray | slice,
                  ctx: EncodeContext, coverage: np.ndarray, ess_cov: np.ndarray, exposure: np.ndarray) -> PairFeatures:
    """Pair features; one side has one row, the other ``n`` (numpy broadcasting)."""
    n = len(coverage)
    single = p.n == 1 or (isinstance(prows, np.ndarray) and len(prows) == 1)
    columns = {"coverage": coverage, "essential_coverage": ess_cov,
               "n_essential": np.broadcast_to(np.asarray(v.ess_total[vrows]), (n,)).copy(), "exposure": exposure}
    for f in all_factors():
        columns.update(f.features(Pairs(n, v.columns[f.name], vrows, p.columns[f.name], prows, single, ctx)))
    return PairFeatures(n, columns)
