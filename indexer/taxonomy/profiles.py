"""Derive a competence profile for every Competent occupation.

The Competent 2.0 crosswalks hold the two vocabularies and their links to ESCO, but not the
occupation -> competence profiles themselves. We approximate each profile through ESCO::

    Competent OP --(occupation map)--> ESCO occupations --(essential/optional relations)-->
    ESCO skills --(competence map)--> Competent competences

Rules (documented in the README):

* Each mapped ESCO occupation votes with a weight by mapping relation: exact, close and narrow
  (ESCO is a specialisation of the Competent occupation) count 1, broad (ESCO is wider) 0.5.
* An ESCO skill is *essential* for the Competent occupation when the occupations that hold
  it as essential carry at least half of the total weight; otherwise *optional*. Its weight
  is (essential votes + 0.5 x optional votes) / total votes, in 0..1.
* The skill becomes every Competent competence mapped to it (any mapping relation); a
  competence reached through several skills keeps the strongest importance and weight.
* ESCO skills with no Competent equivalent stay in the profile under their ESCO URI.
* Every item carries its provenance: which ESCO occupation, with which relations, through
  which ESCO skill and competence mapping.
"""
from __future__ import annotations

from collections import defaultdict

from indexer.taxonomy.records import ProfileItem, Taxonomy

RELATION_WEIGHT = {"exactMatch": 1.0, "closeMatch": 1.0, "narrowMatch": 1.0, "broadMatch": 0.5}
ESSENTIAL_SHARE = 0.5
#: At most this many provenance entries are kept per item (the strongest first).
MAX_PROVENANCE = 12


def derive_profiles(tax: Taxonomy) -> dict[str, list[ProfileItem]]:
    """Return ``{competent occupation code: [ProfileItem, ...]}`` sorted by weight."""
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
        for skill_uri in set(votes_ess) | set(votes_opt):
            ess, opt = votes_ess.get(skill_uri, 0.0), votes_opt.get(skill_uri, 0.0)
            importance = "essential" if ess >= ESSENTIAL_SHARE * total else "optional"
            weight = round((ess + 0.5 * opt) / total, 4) if total else 0.0
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
        profiles[code] = sorted(
            items.values(), key=lambda i: (i.importance != "essential", -i.weight, i.competence_id)
        )
    return profiles
