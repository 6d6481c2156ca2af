"""Profile similarity: does what the person can do, taken as a whole, resemble what the vacancy asks? (additive)

Coverage counts asked competences one by one; it cannot see that "bestellingen verzamelen" and
"orderpicking" are the same work when the near table does not link them, and it rewards a
vacancy that asks three things the person happens to have among fifty they do not. This factor
compares the two **bags** at once: the cosine of the person's and the vacancy's competence
vectors, built exactly as the durable vacancy index builds them
(:class:`~indexer.storage.vacancy_index.CompetenceVectors`: a vacancy's bag weighs essential
1.0, optional 0.35, times the profile weight; a person's weighs each held competence 1.0).

The vectors are stored quantised to int8 (per-vector scale) and multiplied as float32: every
partial sum is an integer below 2^24, so the dot product is exact whatever the summation order,
and a pair scores bitwise the same from the person's side and from the vacancy's side. Someone
without competences scores 0 here.

**Off by default (weight 0).** A cosine of bags is *diluted* by every extra competence: a person
with more, or with one mis-extracted item, resembles every vacancy less. The proxy-fairness eval
(``cmatch eval proxy``) showed exactly that: newcomers' "vluchteling … inburgering" sentence
yields one wrong competence ("migratiemethoden"), and at weight 0.1 their top-10 selection ratio
fell to 0.05 with this factor as the cause, although it gained +0.02 nDCG@10 on the relevance
benchmark. The factor stays for retrieval (the durable index's dense candidates), for the
explanation and as an option; a non-diluting form (per asked competence the best match among
the person's, i.e. dense soft coverage) is the next step.
"""
from __future__ import annotations

import numpy as np

from matcher.matching.factors.base import Factor, FactorOutput, Option, PairDetail, PairFeatures, Pairs

_LEVELS = 127.0


def quantised(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as integer-valued float32 in [-127, 127] and their scale (``row ≈ q × scale``)."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    peak = np.abs(vectors).max(axis=1) if vectors.size else np.zeros(len(vectors), np.float32)
    scale = (peak / _LEVELS).astype(np.float32)
    q = np.rint(vectors / np.where(scale > 0, scale, 1.0)[:, None]).astype(np.float32)
    return q, scale


class Similarity(Factor):
    name = "similarity"
    label = "profielgelijkenis"
    kind = "additive"
    order = 15
    options = (Option("similarity_weight", 0.0, float,
                      "Gewicht van de gelijkenis tussen je competenties als geheel en die van de vacature.",
                      ge=0, le=1, api=True),)

    def encode_vacancies(self, items, ctx) -> dict:
        q, scale = quantised(np.stack([ctx.vectors.vacancy(v) for v in items]) if items
                             else np.zeros((0, ctx.vectors.dim), np.float32))
        return {"q": q, "scale": scale}

    def encode_portfolios(self, items, ctx) -> dict:
        q, scale = quantised(np.stack([ctx.vectors.portfolio(p) for p in items]) if items
                             else np.zeros((0, ctx.vectors.dim), np.float32))
        return {"q": q, "scale": scale}

    def features(self, pairs: Pairs) -> dict:
        vq, pq = pairs.v("q"), pairs.p("q")
        vs, ps = pairs.v("scale"), pairs.p("scale")
        if pairs.single_portfolio:
            dots = vq @ pq.reshape(-1)
        else:
            dots = pq @ vq.reshape(-1)
        sim = dots.astype(np.float64) * (np.asarray(vs, np.float64) * np.asarray(ps, np.float64))
        return {"similarity": pairs.full(np.clip(sim, 0.0, 1.0), float)}

    def compute(self, f: PairFeatures, opts) -> FactorOutput:
        return FactorOutput(f.similarity, opts.similarity_weight * f.similarity, weight=opts.similarity_weight)

    def explain(self, f, i, out, opts, pair: PairDetail) -> dict:
        s = float(f.similarity[i])
        if s <= 0:
            return {"text": "geen competenties om te vergelijken: telt niet mee"}
        word = "sterk" if s >= 0.6 else "deels" if s >= 0.35 else "weinig"
        text = f"wat je kan lijkt als geheel {word} op wat de vacature vraagt (gelijkenis {s:.2f})".replace(".", ",")
        if not opts.similarity_weight:
            text += "; telt niet mee in de score (gewicht 0)"
        return {"text": text}
