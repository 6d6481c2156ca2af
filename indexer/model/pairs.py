"""Training pairs from the taxonomy, and the loss that both the adapter and the fine-tune use.

Each pair is (a text -> the concept it names), sampled with a fixed seed (:data:`SEED`):

1. ESCO occupation alternative labels (nl, en, fr) -> the occupation's preferred labels (nl, en);
2. Competent occupation titles (nl, fr) -> the mapped ESCO occupation (exact/close match);
3. Competent competence labels (nl, fr) -> the mapped ESCO skill (exact/close match);
4. ESCO skill alternative labels (en, nl) -> the skill's preferred label;
5. the first sentence of ESCO occupation descriptions (nl) -> the occupation.

They read **only the taxonomy store**, never a benchmark file.
"""
from __future__ import annotations

import random
import re

#: Seed of the pair sample; the adapter and the fine-tune draw the same pairs (and held-out share).
SEED = 13

_FIRST_SENTENCE = re.compile(r"^(.{20,200}?[.!?])(?:\s|$)")


def build_pairs(store, rng: random.Random, max_pairs: int) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(query text, positive label text, concept id) pairs from the store, with counts per source."""
    con = store.con
    occ_pref: dict[str, dict[str, str]] = {}
    for oid, nl, en in con.execute("SELECT id, label_nl, label_en FROM occupations WHERE source='esco'"):
        occ_pref[oid] = {k: v for k, v in (("nl", nl), ("en", en)) if v}
    skill_pref: dict[str, dict[str, str]] = {}
    for sid, nl, en in con.execute("SELECT id, label_nl, label_en FROM competences WHERE source='esco'"):
        skill_pref[sid] = {k: v for k, v in (("nl", nl), ("en", en)) if v}

    sources: dict[str, list[tuple[str, str, str]]] = {k: [] for k in
                                                       ("occ_alt", "competent_occ", "competent_comp", "skill_alt", "occ_desc")}

    def targets(pref: dict[str, str], lang: str) -> list[str]:
        # same-language preferred label, plus the Dutch / English one (cross-lingual signal)
        return [pref[l] for l in dict.fromkeys([lang, "nl", "en"]) if l in pref]

    for oid, lang, label, kind in con.execute(
            "SELECT occupation_id, lang, label, kind FROM occupation_labels WHERE occupation_id LIKE 'http%'"):
        if kind == "alternative" and oid in occ_pref:
            for t in targets(occ_pref[oid], lang):
                if t != label:
                    sources["occ_alt"].append((label, t, oid))
    # every Competent label of a code mapped (exact/close) to ESCO -> that ESCO item's preferred labels
    for key, mapping, labels, label_of, pref in (
            ("competent_occ", "occupation_map", "occupation_labels", "occupation_id", occ_pref),
            ("competent_comp", "competence_map", "competence_labels", "competence_id", skill_pref)):
        for code, uri, rel in con.execute(f"SELECT competent_code, esco_uri, relation FROM {mapping}"):
            if rel not in ("exactMatch", "closeMatch") or uri not in pref:
                continue
            for (lab,) in con.execute(f"SELECT label FROM {labels} WHERE {label_of} = ?", (code,)):
                for t in targets(pref[uri], "nl"):
                    sources[key].append((lab, t, uri))
    for sid, lang, label, kind in con.execute(
            "SELECT competence_id, lang, label, kind FROM competence_labels WHERE competence_id LIKE 'http%'"):
        if kind == "alternative" and sid in skill_pref:
            t = skill_pref[sid].get(lang) or skill_pref[sid].get("en")
            if t and t != label:
                sources["skill_alt"].append((label, t, sid))
    for oid, desc in con.execute("SELECT id, description_nl FROM occupations WHERE source='esco' AND description_nl IS NOT NULL"):
        m = _FIRST_SENTENCE.match(desc.strip())
        if m and oid in occ_pref and "nl" in occ_pref[oid]:
            sources["occ_desc"].append((m.group(1), occ_pref[oid]["nl"], oid))

    # fixed shares of the budget; Dutch occupation wording gets the largest share
    shares = {"occ_alt": 0.40, "competent_occ": 0.08, "competent_comp": 0.20, "skill_alt": 0.24, "occ_desc": 0.08}
    pairs: list[tuple[str, str, str]] = []
    counts: dict[str, int] = {}
    for name, items in sources.items():
        items = sorted(set(items))
        rng.shuffle(items)
        take = items[: int(shares[name] * max_pairs)]
        counts[name] = len(take)
        pairs.extend(take)
    rng.shuffle(pairs)
    return pairs, counts


def mnrl_loss(q, p, concept, scale: float):
    """In-batch multiple-negatives ranking loss (sentence-transformers' MNRL): row i's positive is
    ``p[i]``, the other rows are negatives except those naming the same concept (masked).
    ``q``, ``p``: normalised ``(n, d)`` tensors; ``concept``: ``(n,)`` integer tensor."""
    import torch

    same = (concept[:, None] == concept[None, :]) & ~torch.eye(len(concept), dtype=torch.bool)
    logits = (scale * (q @ p.T)).masked_fill(same, -1e4)
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(concept)))
