"""Competent occupations as weighted competence profiles, and how similar two occupations are.

Built once per engine (and kept in its snapshot): the affinity factor reads the similarity of a
vacancy's occupation to the person's preferred ones; orientation ranks the occupations.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from indexer.domain import class_weight
from matcher.matching.near import MatchTaxonomy, Vocab, sparse_rows


class OccupationSpace:
    """Competent occupations and the cosine similarity of their profiles (affinity)."""

    def __init__(self, tax: MatchTaxonomy, vocab: Vocab):
        self.codes = sorted(tax.profiles)
        self.index = {c: i for i, c in enumerate(self.codes)}
        rows = []
        for code in self.codes:
            row: dict[int, float] = {}
            for e in tax.profiles[code]:
                row[vocab.add(e.competence_id)] = class_weight(e.importance) * max(e.weight, 0.05)
            rows.append(row)
        self.tax = tax
        self.profile_matrix = sparse_rows(rows, len(vocab))  # (n_occ, n_comp) at build time
        if len(self.codes):
            m = self.profile_matrix
            norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            mn = sp.diags(1.0 / norms) @ m
            sim = (mn @ mn.T).toarray()
            np.fill_diagonal(sim, 1.0)
            self.sim = np.clip(sim, 0.0, 1.0)
        else:
            self.sim = np.zeros((0, 0))

    def __getstate__(self):
        state = dict(self.__dict__)
        state["tax"] = None  # re-attached by the engine after loading a snapshot
        return state

    def idx(self, code: str) -> int:
        return self.index.get(self.tax.competent_occupation(code), -1)

    def first_idx(self, codes: list[str]) -> int:
        for c in codes:
            i = self.idx(c)
            if i >= 0:
                return i
        return -1
