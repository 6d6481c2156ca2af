"""The confidence of an extracted competence.

Two fits, the second built on the first:

* **label identity** (:class:`LabelCalibration` inside :class:`Calibration`): a logistic on the dense
  and lexical scores of one hit; ``cmatch model train`` fits it on the adapter's held-out taxonomy
  pairs and writes ``var/model/calibration.json`` (:func:`indexer.model.adapter.calibration_path`).
* **end to end** (:func:`fit_end_to_end`): P(this competence is right for this text) from the
  evidence of one extracted concept (:data:`EVIDENCE`: the label-identity confidence, dense cosine,
  rank and closeness to the part's best dense hit, lexical/soft-skill/dense/own-profile sources,
  number of spans, an English-only label in a text of another language, knowledge item, in an
  own occupation's profile and in its core), fitted on the gold dev split with a held cut by
  ``cmatch eval extract-calibrate`` and by the build's last step
  (:func:`cmatch.pipeline.ensure_end_to_end`), written to :func:`end_to_end_path`
  (``CMATCH_EXTRACT_CALIBRATION``, default ``var/model/calibration-end-to-end.json``). It applies
  to documents (:data:`END_TO_END_MIN_SENTENCES`): a one-sentence input keeps the label-identity
  confidence, which did better there (TECH/HOUSE, see eval/RESULTS.md). Without the file the
  label-identity confidence applies everywhere.

Which items are returned at all does not depend on the end-to-end fit: the candidate set is every
concept with a label-identity confidence ≥ :data:`DEFAULT_MIN_CONFIDENCE`; the fit decides the
confidence shown and held vs suggestion.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer.model.adapter import Adapter
from indexer.settings import Settings
from matcher.text.lexical import CharNgramIndex, simple_normalise

log = logging.getLogger(__name__)

#: Evidence of one extracted concept, in the order of the end-to-end weights.
EVIDENCE = ("base", "dense", "top", "close", "lex_multi", "lex_single", "soft", "agree", "dense_only",
            "n_spans", "foreign_label", "knowledge", "profile_hit", "profile", "core")
#: The end-to-end fit decides for documents of at least this many sentences; a one-sentence
#: input keeps the label-identity confidence (its evidence has one span and no occupation, and
#: the document fit held almost nothing back on TECH/HOUSE dev sentences, see eval/RESULTS.md).
END_TO_END_MIN_SENTENCES = 2
#: Candidates below this label-identity confidence are not returned at all (the candidate set
#: does not depend on the end-to-end fit, so neither do the portfolios a CV feeds the matcher).
DEFAULT_MIN_CONFIDENCE = 0.1


def new_evidence() -> dict[str, float]:
    return dict.fromkeys(EVIDENCE, 0.0)


def end_to_end_path(settings: Settings) -> Path:
    """Where the end-to-end calibration is read (and written by ``cmatch eval extract-calibrate``)."""
    return settings.extract_calibration or settings.var_dir / "model" / "calibration-end-to-end.json"


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def features(evidence: dict[str, float]) -> list[float]:
    """The regression inputs: the base confidence as a logit, the span count as log(1 + n)."""
    out = []
    for name in EVIDENCE:
        v = float(evidence.get(name, 0.0))
        out.append(_logit(v) if name == "base" else math.log1p(v) if name == "n_spans" else v)
    return out


@dataclass
class Calibration:
    """Label identity: ``sigmoid(a * dense + b * lexical + c)`` per hit (``cmatch model train``);
    optionally an end-to-end logistic over the concept's evidence (``weights``) with its own cuts."""

    a: float = 30.0
    b: float = 3.0
    c: float = -26.0
    #: confidence at or above which an item is "held"; below it is a suggestion ("klopt dit?")
    held_cut: float = 0.5
    #: the same for the end-to-end confidence (chosen with the fit)
    end_to_end_cut: float = 0.5
    #: below this label-identity confidence an item is not returned
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    #: end-to-end weights per :data:`EVIDENCE` name (empty: the label-identity confidence is final)
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0

    def __call__(self, dense: float, lexical: float) -> float:
        return _sigmoid(self.a * dense + self.b * lexical + self.c)

    def applies_to(self, n_sentences: int | None) -> bool:
        """Whether the end-to-end fit decides for a text of this many sentences (``None``: any)."""
        return bool(self.weights) and (n_sentences is None or n_sentences >= END_TO_END_MIN_SENTENCES)

    def confidence(self, evidence: dict[str, float], n_sentences: int | None = None) -> float:
        """The final confidence of one extracted concept in a text of ``n_sentences`` sentences."""
        if not self.applies_to(n_sentences):
            return float(evidence.get("base", 0.0))
        x = features(evidence)
        return _sigmoid(self.bias + sum(self.weights.get(n, 0.0) * v for n, v in zip(EVIDENCE, x)))

    def cut(self, n_sentences: int | None = None) -> float:
        """The held cut for the confidence :meth:`confidence` gives a text of this many sentences."""
        return self.end_to_end_cut if self.applies_to(n_sentences) else self.held_cut

    @classmethod
    def load(cls, path: Path, end_to_end: Path | None = None) -> "Calibration":
        cal = cls()
        if path.exists():
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
                cal = cls(float(d["a"]), float(d["b"]), float(d["c"]), float(d.get("held_cut", cls.held_cut)))
            except Exception:  # a broken file falls back to defaults
                log.warning("calibration file %s unreadable; using defaults", path)
        if end_to_end is not None and end_to_end.exists():
            try:
                d = json.loads(end_to_end.read_text(encoding="utf-8"))
                if d.get("weights") is None:   # the build found nothing to fit on (see "skipped")
                    return cal
                cal.weights = {n: float(d["weights"][n]) for n in EVIDENCE if n in d["weights"]}
                cal.bias = float(d["bias"])
                cal.end_to_end_cut = float(d["held_cut"])
            except Exception:
                log.warning("end-to-end calibration %s unreadable; using the label-identity confidence", end_to_end)
                cal.weights, cal.bias = {}, 0.0
        return cal


def fit_end_to_end(evidence: list[dict[str, float]], right: list[bool], *, c: float = 1.0) -> dict:
    """Logistic fit of P(right for this text) on the evidence of extracted concepts: ``weights``
    and ``bias`` of :class:`Calibration` (the cuts are chosen by the caller on the same data)."""
    from sklearn.linear_model import LogisticRegression

    X = np.array([features(e) for e in evidence])
    y = np.array([int(r) for r in right])
    if len(set(y.tolist())) < 2:
        raise ValueError("de kalibratie heeft zowel juiste als foute voorbeelden nodig")
    lr = LogisticRegression(C=c, max_iter=2000).fit(X, y)
    return {"weights": {n: round(float(w), 4) for n, w in zip(EVIDENCE, lr.coef_[0])},
            "bias": round(float(lr.intercept_[0]), 4), "n": int(len(y)), "positives": int(y.sum())}


def choose_cut(points: list[tuple[float, float, float]], *, min_precision: float) -> float:
    """The lowest cut whose precision reaches ``min_precision`` (points: cut, precision, recall);
    when none does, the cut with the best F0.5 (precision first)."""
    ok = [p for p in points if p[1] >= min_precision]
    if ok:
        return max(ok, key=lambda p: (p[2], p[1]))[0]
    def f05(p):
        return 1.25 * p[1] * p[2] / (0.25 * p[1] + p[2]) if p[1] + p[2] else 0.0
    return max(points, key=f05)[0]


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
