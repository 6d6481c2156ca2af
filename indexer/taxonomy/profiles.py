"""Derive a competence profile for every Competent occupation, with a *core*.

The Competent 2.0 crosswalks hold the two vocabularies and their links to ESCO, but not the
occupation -> competence profiles themselves. We approximate each profile through ESCO::

    Competent OP --(occupation map)--> ESCO occupations --(essential/optional relations)-->
    ESCO skills --(competence map)--> Competent competences

Membership rules (documented in the README):

* Each mapped ESCO occupation votes with a weight by mapping relation: exact, close and narrow
  (ESCO is a specialisation of the Competent occupation) count 1, broad (ESCO is wider) 0.5.
* An ESCO skill is *essential* for the Competent occupation when the occupations that hold
  it as essential carry at least half of the total weight; otherwise *optional*. Its ``weight``
  (vote share) is (essential votes + 0.5 x optional votes) / total votes, in 0..1.
* The skill becomes every Competent competence mapped to it (any mapping relation); a
  competence reached through several skills keeps the strongest importance and weight.
* ESCO skills with no Competent equivalent stay in the profile under their ESCO URI.
* Every item carries its provenance: which ESCO occupation, with which relations, through
  which ESCO skill and competence mapping.

The union of narrow ESCO occupations and the one-to-many competence crosswalk make these
profiles long and noisy (a forklift driver "needs" radio communication for aviation, because
ESCO's *use radio equipment* maps to five Competent items). So each item also gets a
**salience** in 0..1, the product of four measured signals, each kept in the item's ``reason``:

* ``share`` — the vote share above (essential items count fully, optional ones half);
* ``link`` — how good the crosswalk link is: the competence mapping relation
  (:data:`LINK_QUALITY`) divided by the square root of how many Competent items the ESCO skill
  fans out to (an item reached directly, or under its ESCO URI, counts 1);
* ``cohesion`` — whether the *other* occupations that hold the item resemble this one: the
  mean profile similarity (cosine of ESCO-skill vectors, IDF-weighted) of the
  :data:`COHESION_TOP` most similar of those occupations to this one, smoothed towards a prior for rare items (:data:`COHESION_PRIOR`), relative to the
  best cohesion in the profile. Care-handling techniques, held by care occupations, get a low
  cohesion in the forklift profile;
* ``specific`` — inverse profile frequency: an item in half of all profiles (*De
  voorraadbehoefte bepalen*) says little about any one of them.

Items without a Dutch label weigh :data:`NO_DUTCH_FACTOR` as much and never enter the core.
The **core** is the highest-salience Dutch items, at most :data:`MAX_PER_SKILL` reached through
the same ESCO skill (near-duplicates: *Heftruck*, *Stapelen met een heftruck*, *Goederen laden
met een heftruck* ... all come from *heftrucks bedienen*), between :data:`CORE_MIN` and
:data:`CORE_MAX` items, cut where salience drops below :data:`CORE_RELATIVE` of the best.
Items whose normalised label repeats a better item's are never core either.

:data:`PROFILE_VERSION` is stored in the store's meta and checked by ``store_is_current``:
changing these rules rebuilds the store, not the label indexes (their version hashes only the
input checksums and the store's schema version).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
import scipy.sparse as sp

from indexer.taxonomy.records import ProfileItem, Taxonomy

PROFILE_VERSION = "2.1-core"  # 2.1: items built in sorted order (before, the hash seed changed ~1 % of them)
RELATION_WEIGHT = {"exactMatch": 1.0, "closeMatch": 1.0, "narrowMatch": 1.0, "broadMatch": 0.5}
ESSENTIAL_SHARE = 0.5
#: At most this many provenance entries are kept per item (the strongest first).
MAX_PROVENANCE = 12
#: Quality of a competence crosswalk link by relation (read from ESCO's side).
LINK_QUALITY = {"exactMatch": 1.0, "closeMatch": 0.9, "narrowMatch": 0.7, "broadMatch": 0.6, "": 1.0}
#: Cohesion of an item that no other occupation holds, and how many "virtual" occupations it weighs.
COHESION_PRIOR = 0.15
COHESION_PRIOR_N = 2.0
#: Cohesion looks at the most similar other holders only (an item may also sit in unrelated profiles).
COHESION_TOP = 5
NO_DUTCH_FACTOR = 0.5
CORE_MIN, CORE_MAX = 10, 15
CORE_RELATIVE = 0.25
MAX_PER_SKILL = 2
#: How strongly a one-to-many crosswalk link is discounted (fan-out ** -x; duplicates are also capped).
FANOUT_EXPONENT = 0.25
#: Specificity is (log(1 + N/df) / log(1 + N)) ** x: softened so rare noise does not dominate.
SPECIFICITY_EXPONENT = 0.5
#: An item whose words occur in the occupation's own labels or ESCO descriptions weighs up to 1 + this.
WORDING_BONUS = 2.0
STEM = 5


def _norm_label(text: str) -> str:
    return re.sub(r"[^a-z0-9à-ÿ]+", " ", (text or "").lower()).strip()


def derive_profiles(tax: Taxonomy) -> dict[str, list[ProfileItem]]:
    """Return ``{competent occupation code: [ProfileItem, ...]}``, core first, then by salience."""
    skills_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rel in tax.occupation_skills:
        skills_of[rel.occupation_uri].append((rel.skill_uri, rel.importance))
    competent_of_skill: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for m in tax.competence_map:
        if m.esco_uri in tax.competences:
            competent_of_skill[m.esco_uri].append((m.competent_code, m.relation))
    esco_of_op: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for m in tax.occupation_map:
        if m.esco_uri in tax.occupations:  # retired ESCO v1.0.3 URIs are skipped
            esco_of_op[m.competent_code].append((m.esco_uri, m.relation))

    profiles: dict[str, list[ProfileItem]] = {}
    skill_votes: dict[str, dict[str, float]] = {}
    for code, occ in tax.occupations.items():
        if occ.source != "competent":
            continue
        mapped = esco_of_op.get(code, [])
        total = sum(RELATION_WEIGHT[r] for _, r in mapped)
        votes_ess: dict[str, float] = defaultdict(float)
        votes_opt: dict[str, float] = defaultdict(float)
        prov: dict[str, list[dict[str, str]]] = defaultdict(list)
        for esco_uri, relation in mapped:
            w = RELATION_WEIGHT[relation]
            for skill_uri, importance in skills_of.get(esco_uri, []):
                (votes_ess if importance == "essential" else votes_opt)[skill_uri] += w
                prov[skill_uri].append({
                    "esco_occupation": esco_uri, "occupation_mapping": relation,
                    "esco_skill": skill_uri, "esco_relation": importance,
                })
        items: dict[str, ProfileItem] = {}
        shares: dict[str, float] = {}
        for skill_uri in sorted(set(votes_ess) | set(votes_opt)):   # sorted: the same store on every run
            ess, opt = votes_ess.get(skill_uri, 0.0), votes_opt.get(skill_uri, 0.0)
            importance = "essential" if ess >= ESSENTIAL_SHARE * total else "optional"
            weight = round((ess + 0.5 * opt) / total, 4) if total else 0.0
            shares[skill_uri] = weight
            evidence = sorted(prov[skill_uri], key=lambda p: p["esco_relation"] != "essential")
            targets = competent_of_skill.get(skill_uri) or [(skill_uri, "")]
            for comp_id, comp_rel in targets:
                entries = [dict(p, competence_mapping=comp_rel) if comp_rel else p for p in evidence]
                item = items.get(comp_id)
                if item is None:
                    items[comp_id] = ProfileItem(code, comp_id, importance, weight, entries[:MAX_PROVENANCE])
                    continue
                if importance == "essential":
                    item.importance = "essential"
                item.weight = max(item.weight, weight)
                room = MAX_PROVENANCE - len(item.provenance)
                if room > 0:
                    item.provenance.extend(entries[:room])
        profiles[code] = list(items.values())
        skill_votes[code] = shares
    _add_salience(tax, profiles, skill_votes, competent_of_skill)
    return profiles


def _occupation_similarity(codes: list[str], skill_votes: dict[str, dict[str, float]]) -> np.ndarray:
    """Cosine similarity of the occupations' ESCO-skill vote vectors, IDF-weighted."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, code in enumerate(codes):
        for uri, share in skill_votes.get(code, {}).items():
            rows.append(i)
            cols.append(vocab.setdefault(uri, len(vocab)))
            vals.append(share)
    if not vocab:
        return np.eye(len(codes))
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(codes), len(vocab)))
    df = np.asarray((m > 0).sum(axis=0)).ravel()
    m = m @ sp.diags(np.log((1 + len(codes)) / (1 + df)) + 1.0)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    m = sp.diags(1.0 / norms) @ m
    return (m @ m.T).toarray()


def _stems(text: str) -> set[str]:
    return {w[:STEM] for w in _norm_label(text).split() if len(w) >= 4}


def _occupation_words(tax: Taxonomy, profiles: dict[str, list[ProfileItem]]) -> dict[str, set[str]]:
    """Word stems of each Competent occupation's labels and of its mapped ESCO occupations' Dutch
    labels and descriptions: what the occupation itself talks about."""
    out: dict[str, set[str]] = {}
    esco_of: dict[str, list[str]] = defaultdict(list)
    for m in tax.occupation_map:
        if m.esco_uri in tax.occupations:
            esco_of[m.competent_code].append(m.esco_uri)
    for code in profiles:
        texts: list[str] = []
        for oid in [code, *esco_of.get(code, [])]:
            o = tax.occupations.get(oid)
            if o is not None:
                texts += [o.labels.get("nl", ""), o.descriptions.get("nl", ""), *o.alt_labels.get("nl", [])]
        out[code] = _stems(" ".join(texts))
    return out


def _overlap(label: str, words: set[str]) -> float:
    """Share of the label's content words (stems) that the occupation's own wording uses."""
    stems = _stems(label)
    return len(stems & words) / len(stems) if stems else 0.0


def _link(item: ProfileItem, fanout: dict[str, int]) -> tuple[float, str]:
    """Best crosswalk link quality of an item over its provenance, and the skill it came through."""
    best, via = 0.0, ""
    for p in item.provenance or [{}]:
        rel = p.get("competence_mapping", "")
        skill = p.get("esco_skill", item.competence_id)
        q = LINK_QUALITY.get(rel, 0.6) * max(1, fanout.get(skill, 1)) ** -FANOUT_EXPONENT
        q *= 1.0 if p.get("esco_relation", "essential") == "essential" else 0.8
        if q > best:
            best, via = q, skill
    return best, via


def _add_salience(tax: Taxonomy, profiles: dict[str, list[ProfileItem]], skill_votes: dict[str, dict[str, float]],
                  competent_of_skill: dict[str, list[tuple[str, str]]]) -> None:
    codes = sorted(profiles)
    index = {c: i for i, c in enumerate(codes)}
    sim = _occupation_similarity(codes, skill_votes)
    holders: dict[str, list[int]] = defaultdict(list)
    for code, items in profiles.items():
        for it in items:
            holders[it.competence_id].append(index[code])
    fanout = {uri: len(targets) for uri, targets in competent_of_skill.items()}
    words = _occupation_words(tax, profiles)
    n_occ = max(1, len(codes))
    for code, items in profiles.items():
        i = index[code]
        raw: list[tuple[ProfileItem, float, dict]] = []
        for it in items:
            others = [j for j in holders[it.competence_id] if j != i]
            near = np.sort(sim[i, others])[::-1] if others else np.zeros(0)
            prior = COHESION_PRIOR * COHESION_PRIOR_N
            cohesion = (float(near[:COHESION_TOP].sum()) + prior) / (min(len(near), COHESION_TOP) + COHESION_PRIOR_N)
            df = len(holders[it.competence_id])
            specific = (math.log(1 + n_occ / df) / math.log(1 + n_occ)) ** SPECIFICITY_EXPONENT
            link, via = _link(it, fanout)
            share = it.weight * (1.0 if it.importance == "essential" else 0.5)
            comp = tax.competences.get(it.competence_id)
            dutch = bool(comp and comp.labels.get("nl"))
            wording = _overlap(comp.label("nl") if comp else "", words[code])
            raw.append((it, cohesion, {"share": share, "link": link, "specific": specific, "dutch": dutch,
                                       "wording": wording,
                                       "via": via, "df": df, "label": comp.label("nl") if comp else it.competence_id}))
        top_cohesion = max((c for _, c, _ in raw), default=1.0) or 1.0
        for it, cohesion, s in raw:
            rel_cohesion = cohesion / top_cohesion
            value = (s["share"] * s["link"] * rel_cohesion * s["specific"] * (1.0 + WORDING_BONUS * s["wording"])
                     * (1.0 if s["dutch"] else NO_DUTCH_FACTOR))
            it.salience = value
            s["cohesion"] = rel_cohesion
            it.reason = (f"aandeel {s['share']:.2f} x koppeling {s['link']:.2f} x samenhang {rel_cohesion:.2f} "
                         f"x specificiteit {s['specific']:.2f} (in {s['df']} beroepsprofielen) "
                         f"x woorden van het beroep {1 + WORDING_BONUS * s['wording']:.2f}"
                         + ("" if s["dutch"] else " x 0.5 (geen Nederlands label)"))
        top = max((it.salience for it, _, _ in raw), default=0.0) or 1.0
        for it, _, _ in raw:
            it.salience = round(it.salience / top, 4)
        _mark_core({it.competence_id: s for it, _, s in raw}, items)
        profiles[code] = sorted(items, key=lambda it: (not it.core, -it.salience, it.competence_id))


def _mark_core(signals: dict[str, dict], items: list[ProfileItem]) -> None:
    """Mark the core (see the module docstring) and say in each reason why an item is (not) core."""
    per_skill: dict[str, int] = defaultdict(int)
    seen_labels: dict[str, str] = {}
    n_core = 0
    for it in sorted(items, key=lambda it: (-it.salience, it.competence_id)):
        s = signals[it.competence_id]
        label = _norm_label(s["label"])
        why = ""
        if label in seen_labels:
            why = f"zelfde label als {seen_labels[label]}"
        elif not s["dutch"]:
            why = "geen Nederlands label"
        elif per_skill[s["via"]] >= MAX_PER_SKILL:
            why = "bijna-dubbel: al twee kerncompetenties via dezelfde ESCO-vaardigheid"
        elif n_core >= CORE_MAX:
            why = f"buiten de {CORE_MAX} sterkste"
        elif n_core >= CORE_MIN and it.salience < CORE_RELATIVE:
            why = "minder kenmerkend dan de kern"
        seen_labels.setdefault(label, it.competence_id)
        if why:
            it.reason += f"; secundair: {why}"
            continue
        it.core = True
        per_skill[s["via"]] += 1
        n_core += 1
        it.reason += "; kern"
