"""The confidence of an extracted competence: a logistic calibration on dense and lexical scores.

``cmatch model train`` fits it on the adapter's held-out taxonomy pairs (never a benchmark) and
writes ``var/model/calibration.json`` (:func:`indexer.model.adapter.calibration_path`); without
that file the defaults below apply.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.model.adapter import Adapter
from matcher.text.lexical import CharNgramIndex, simple_normalise

log = logging.getLogger(__name__)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class Calibration:
    """confidence = sigmoid(a * dense + b * lexical + c); fitted by ``cmatch model train``."""

    a: float = 30.0
    b: float = 3.0
    c: float = -26.0
    #: confidence at or above which an item is "held"; below it is a suggestion ("klopt dit?")
    held_cut: float = 0.5

    def __call__(self, dense: float, lexical: float) -> float:
        return _sigmoid(self.a * dense + self.b * lexical + self.c)

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        if path.exists():
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
                return cls(float(d["a"]), float(d["b"]), float(d["c"]), float(d.get("held_cut", cls.held_cut)))
            except Exception:  # a broken file falls back to defaults
                log.warning("calibration file %s unreadable; using defaults", path)
        return cls()


def fit_calibration(Q: np.ndarray, adapter: Adapter, P_all: np.ndarray, target: np.ndarray,
                    queries: list[str], pos_texts: list[str]) -> dict:
    """Logistic fit of P(correct) on (dense cosine of the hit, lexical cosine of the hit).

    Examples: for each held-out query (vectors ``Q``, texts ``queries``), its top-3 dense hits
    among the positives (vectors ``P_all``, texts ``pos_texts``), labelled by whether the hit is
    the query's own concept label (``target``). Gives the a, b, c of :class:`Calibration`.
    """
    from sklearn.linear_model import LogisticRegression

    sims = adapter.apply_queries(Q) @ P_all.T
    top = np.argsort(-sims, axis=1)[:, :3]
    rows, ys = [], []
    for i, hits in enumerate(top):
        cand = [pos_texts[j] for j in hits]
        lex = CharNgramIndex([simple_normalise(c) for c in cand] + [simple_normalise(queries[i])])
        lex_s = lex.scores([simple_normalise(queries[i])])[0][:3]
        for r, j in enumerate(hits):
            rows.append([float(sims[i, j]), float(lex_s[r])])
            ys.append(int(j == target[i]))
    X, y = np.array(rows), np.array(ys)
    if len(set(ys)) < 2:
        return {"a": 30.0, "b": 3.0, "c": -26.0, "n": len(ys)}
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(X, y)
    return {"a": round(float(lr.coef_[0][0]), 4), "b": round(float(lr.coef_[0][1]), 4),
            "c": round(float(lr.intercept_[0]), 4), "n": int(len(ys)), "positives": int(y.sum())}
