"""The pipeline behind :class:`matcher.extraction.extractor.CompetenceExtractor`.

Steps, per text:

1. language (:func:`matcher.text.cues.detect_language`), sentences and clause parts with offsets
   (:mod:`matcher.text.clauses`);
2. headings set the section (profile / nice to have / offer); offer sections, company blurbs,
   diversity statements and application instructions are skipped; requirement levels come
   from cues in the sentence or the section;
3. diplomas, certificates, licences and languages are taken out first
   (:func:`matcher.text.cues.find_requirements`) and their spans are not matched again;
4. negated stretches ("geen ervaring met …") are masked;
5. each remaining clause part is matched two ways: **lexically** (lemmatised label phrases
   found in the text, :class:`matcher.text.lexical.PhraseMatcher`) and **densely** (the part, with
   filler such as "je hebt ervaring met" removed, encoded by e5 and searched in the
   competence label index, optionally through the trained adapter). A part is also compared
   with the labels of the **person's own occupations** (titles the CV names as its own, a
   vacancy's title): the best competence of those profiles within :data:`PROFILE_MARGIN` of the
   part's best hit is a candidate too ("aanmaningen versturen" in a bookkeeper's CV may be
   *Betalingsverzoeken versturen*), and every candidate records whether it is in such a profile
   (and in its core), which the end-to-end calibration weighs;
6. both signals are fused into one calibrated confidence (logistic on the dense cosine and the
   lexical evidence; parameters from ``var/model/calibration.json`` when ``cmatch model train``
   produced it, else defaults) and aggregated per concept: Competent code when the concept
   maps to Competent, else the ESCO URI. That label-identity confidence decides which concepts
   are returned; for a text of two or more sentences the end-to-end fit
   (:mod:`matcher.extraction.calibration`) then gives the confidence shown and held vs suggestion.
"""
from __future__ import annotations

import hashlib
import logging
import pickle
import re
import threading
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from indexer.retrieval import Retrieval

from matcher.extraction.calibration import Calibration, end_to_end_path, new_evidence
from matcher.text import context, cues
from matcher.text.clauses import split_parts, split_sentences
from matcher.extraction.occupations import OWN, VERSION as TITLES_VERSION, WISHED, occupation_titles
from matcher.extraction.results import (ExtractedCompetence, ExtractedOccupation, ExtractedRequirement, Extraction,
                                        Span)
from matcher.text.lexical import PhraseMatcher, STOPWORDS, tokenize

log = logging.getLogger(__name__)

#: Dense hits considered per clause part, and competences kept per part.
DENSE_LABELS_PER_PART = 40
MAX_PER_PART = 3
#: Dense hits of a part must be within this cosine of the part's best hit (5 hits within 0.05 raise
#: the candidates' gold coverage 0.43 -> 0.55 but not the recall at the held cut, see eval/RESULTS.md).
DENSE_MARGIN = 0.02
#: A clause part mostly covered by an attitude phrase ("werk graag in een team") gets no dense search.
SOFT_PART_COVER = 0.4
#: A soft-skill cue scores like a lexical label hit of this cosine.
SOFT_SKILL_DENSE = 0.90
#: A competence of the person's own occupation profiles is a candidate for a part when its cosine is
#: within this of the part's best hit (at most PROFILE_PER_PART per part).
PROFILE_MARGIN = 0.05
PROFILE_PER_PART = 1
RELATION_RANK = {"exactMatch": 0, "closeMatch": 1, "narrowMatch": 2, "broadMatch": 3}

# Leading filler that says "you know/have" but names no competence.
_FILLER = re.compile(
    r"^(?:(?:je|jij|u|wij|we|you|vous|ik|i|hij|zij|she|he)\s+)?"
    r"(?:hebt|heeft|heb|bezit|beschikt over|beschik over|have|has|possess|avez|possédez|disposez d[e']|"
    r"kan|kunt|can|are able to|able to|pouvez|bent|is|ben|are|am|êtes|suis)?\s*"
    r"(?:(?:al\s+)?(?:een\s+)?(?:goede|grondige|sterke|ruime|brede|degelijke|praktische|aantoonbare|relevante|enige|"
    r"good|strong|solid|excellent|proven|relevant|some|extensive|thorough|bonne|solide|excellente|"
    r"\d+\+?\s*(?:jaar|jaren|years?|ans?)\s*(?:of\s+)?)\s*)*"
    r"(?:ervaring|kennis|inzicht|expertise|vaardigheid|vaardigheden|noties|experience|knowledge|understanding|skills?|"
    r"expérience|connaissances?|maîtrise|notions)?\s*"
    r"(?:met|van|in|op het vlak van|rond|with|of|in|en|de|du|des|dans)?\s+",
    re.I,
)


def strip_filler(text: str, start: int, end: int) -> tuple[int, int]:
    """Move ``start`` past filler like "je hebt ervaring met" (never to an empty span)."""
    m = _FILLER.match(text, start, end)
    if m and m.end() < end - 2:
        return m.end(), end
    return start, end


@dataclass
class Concept:
    id: str                  # output id: Competent code or ESCO URI
    competent_code: str | None
    esco_uri: str | None
    label: str
    kind: str
    label_en: str | None = None
    label_language: str = "nl"


class ExtractionEngine:
    def __init__(self, retrieval: Retrieval):
        self.retrieval = retrieval
        self.store = retrieval.store
        self.settings = retrieval.settings
        self._encoder = retrieval.encoder
        self._indexes = retrieval.indexes
        self._lock = threading.Lock()
        self._ready = False

    # ------------------------------------------------------------- resources
    def _load(self) -> None:
        with self._lock:
            if self._ready:
                return
            store = self.store
            con = store.con
            self.concepts: dict[str, Concept] = {}
            self.item_to_concept: dict[str, str] = {}
            comp_best: dict[str, tuple[int, str]] = {}   # competent code -> (rank, esco uri)
            equivalents: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
            for code, uri, rel in con.execute("SELECT competent_code, esco_uri, relation FROM competence_map"):
                r = RELATION_RANK.get(rel, 9)
                if r <= 1:
                    equivalents[uri][r].add(code)
                if code not in comp_best or (r, uri) < comp_best[code]:
                    comp_best[code] = (r, uri)
            # esco uri -> its Competent equivalent: the (first) exact match, else the only close match
            esco_equivalent = {uri: min(by[0]) if by[0] else next(iter(by[1]))
                               for uri, by in equivalents.items() if by[0] or len(by[1]) == 1}
            rows = con.execute("SELECT id, source, kind, label_nl, label_en, label_fr FROM competences").fetchall()
            english = {cid: en for cid, _s, _k, _nl, en, _fr in rows if en}
            for cid, source, kind, nl, en, fr in rows:
                if source == "competent":
                    uri = comp_best.get(cid, (9, None))[1]
                    self.concepts[cid] = Concept(cid, cid, uri, nl or en or fr or cid, kind,
                                                 en or english.get(uri), "nl" if nl else "en")
                    self.item_to_concept[cid] = cid
                else:
                    code = esco_equivalent.get(cid)
                    if code:   # exact (or the one close) Competent equivalent: report as that concept
                        self.item_to_concept[cid] = code
                    else:
                        self.concepts[cid] = Concept(cid, None, cid, nl or en or cid, kind, en, "nl" if nl else "en")
                        self.item_to_concept[cid] = cid
            # ESCO-only concept -> Competent codes it maps to by any relation: merged when both are found
            self.competent_twins: dict[str, set[str]] = defaultdict(set)
            for code, uri, _rel in con.execute("SELECT competent_code, esco_uri, relation FROM competence_map"):
                if uri in self.concepts:
                    self.competent_twins[uri].add(code)
            self.calibration = Calibration.load(self.settings.var_dir / "model" / "calibration.json",
                                                end_to_end_path(self.settings))
            # concepts that are a language (label "Frans", "English"): reported as requirements only
            language_names = cues.language_names()
            self.language_concepts = {cid for cid, c in self.concepts.items()
                                      if c.label.casefold().strip() in language_names
                                      or (c.label_en or "").casefold().strip() in language_names}
            self.phrases = self._cached_phrases(store, "phrases-v1", self._competence_phrases)
            self.titles = self._cached_phrases(store, f"occupation-titles-v{TITLES_VERSION}", occupation_titles)
            self.occupation_names = {o.id: o.label("nl") for o in store.occupations("competent")}
            self._items_of: dict[str, list[str]] = defaultdict(list)   # concept -> the items reported as it
            for item, cid in self.item_to_concept.items():
                self._items_of[cid].append(item)
            self._profiles: dict[str, dict[str, bool]] = {}
            self._ready = True

    @staticmethod
    def _competence_phrases(store) -> PhraseMatcher:
        pm = PhraseMatcher(max_tokens=6)
        for item_id, lang, label, _kind in store.labels("competences"):
            if lang in ("nl", "en", "fr"):
                pm.add(label, item_id, lang)
        # phrases that name very many concepts are not specific enough to count
        pm.phrases = {k: v for k, v in pm.phrases.items() if len(v) <= 3 and not (len(k) == 1 and len(k[0]) < 4)}
        return pm

    def _cached_phrases(self, store, name: str, build):
        """A phrase matcher built once per store (lemmatising ~100k labels takes a while) and pickled."""
        meta = store.meta()
        key = hashlib.sha256((meta.get("input_checksums", "") + name).encode()).hexdigest()[:16]
        cache = self.settings.var_dir / "cache" / f"{name.rsplit('-', 1)[0]}-{key}.pkl"
        if cache.exists():
            try:
                with open(cache, "rb") as fh:
                    return pickle.load(fh)
            except Exception:
                pass
        pm = build(store)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(pm, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
        return pm

    def warm(self) -> None:
        self._load()
        self._indexes.get()
        self._encoder.get().encode_queries(["opwarmen"])

    # --------------------------------------------------------------- extract
    def extract(self, text: str, *, kind: str = "free", min_confidence: float | None = None) -> Extraction:
        self._load()
        floor = 0.0 if min_confidence is None else float(min_confidence)
        lang = cues.detect_language(text)
        result = Extraction(text_language=lang)
        if not text.strip():
            return result
        units: list[tuple[int, int, str | None]] = []       # (start, end, requirement level)
        lexical_hits: list[tuple[int, int, str, str | None]] = []   # (start, end, item id, level)
        soft_hits: list[tuple[int, int, str, str | None]] = []
        section: str | None = None
        mentions: list[tuple[PhraseMatcher.Match, str]] = []
        vacancy_titles: set[str] = set()
        vacancy_title_seen = False
        sentences = split_sentences(text)
        n_sentences = len(sentences)
        held_cut = self.calibration.cut(n_sentences)
        for s, e in sentences:
            sentence = text[s:e]
            hk = cues.heading_kind(sentence)
            if hk is not None:
                section = None if hk == "other" else hk
                continue
            # company blurbs, benefits and instructions are a vacancy's noise; in a CV "sinds 2012" is experience
            if section in ("offer", "skip") or (kind != "cv" and cues.is_noise_sentence(sentence)):
                continue
            title_intro = cues.is_title_intro(sentence)
            no_competences = title_intro or section == "languages"
            toks = tokenize(sentence, lang, split_slashes=True)
            # negations, wishes, personal history and the employer's sector yield no competences or titles
            negations = cues.negated_ranges(text, s, e)
            negated = negations + context.excluded_ranges(text, s, e)
            titles_here: list[tuple[int, int]] = []
            if kind != "vacancy":
                here = self._occupations_in(text, s, e, toks, lang, negations, negated)
                mentions.extend(here)
                titles_here = [(m.start, m.end) for m, _ in here]
            elif title_intro or not vacancy_title_seen:   # the vacancy's own title: its first line or "wij zoeken …"
                vacancy_titles.update(m.key for m, _ in self._occupations_in(text, s, e, toks, lang, negations, []))
            vacancy_title_seen = True
            masked: list[tuple[int, int]] = []
            for r in cues.find_requirements(text, s, e, language_section=section == "languages"):
                r_level = cues.requirement_level_at(text, s, e, r.start, r.end, section) if kind == "vacancy" else None
                status = r_level or context.requirement_status(text, s, e, r.start, r.end)
                result.requirements.append(ExtractedRequirement(
                    r.category, r.value, Span(r.start, r.end, text[r.start:r.end]), r.level, r_level, status))
                masked.append((r.start, r.end))
            if no_competences:
                continue

            def level_at(a: int, b: int) -> str | None:
                return cues.requirement_level_at(text, s, e, a, b, section) if kind == "vacancy" else None

            soft_spans: list[tuple[int, int]] = []
            for code, ms, me in context.soft_skills(text, s, e):
                if not cues.overlaps((ms, me), negated, 0.5):
                    soft_hits.append((ms, me, code, level_at(ms, me)))
                    soft_spans.append((ms, me))
            for m in self.phrases.find_tokens(toks):
                ms, me = m.start + s, m.end + s
                if cues.overlaps((ms, me), negated + masked + soft_spans, 0.01):
                    continue
                lexical_hits.append((ms, me, m.key, level_at(ms, me)))
            parts = split_parts(text, s, e) or [(s, e)]
            # a negated or excluded stretch, a requirement and the person's job title are no
            # competence: what is left of a part around them is searched ("Ik wil graag
            # verpleegkundige worden maar …" gives no nursing skill; a "Zorgkundige" line gives none)
            cut = negated + masked + titles_here
            for ps, pe in parts:
                if (cues.overlaps((ps, pe), negated, 0.5) or cues.overlaps((ps, pe), masked, 0.6)
                        or cues.overlaps((ps, pe), soft_spans, SOFT_PART_COVER)):
                    continue
                for qs, qe in _pieces(ps, pe, cut):
                    qs, qe = strip_filler(text, qs, qe)
                    content = [t for t in tokenize(text[qs:qe], lang)
                               if t.lemma not in STOPWORDS and t.lemma not in cues.CUE_WORDS
                               and sum(ch.isalpha() for ch in t.lemma) >= 2]
                    if content:
                        units.append((qs, qe, level_at(qs, qe)))
        result.requirements = _dedupe_requirements(result.requirements)
        by_code: dict[tuple[str, str], list[Span]] = {}
        for m, status in mentions:
            by_code.setdefault((m.key, status), []).append(Span(m.start, m.end, text[m.start:m.end]))
        result.occupations = [ExtractedOccupation(code, self.occupation_names.get(code, code), spans, status)
                              for (code, status), spans in by_code.items()]

        own = vacancy_titles if kind == "vacancy" else {o.occupation_code for o in result.occupations
                                                        if o.status == OWN}
        profile = self._profile_of(own)
        found: dict[str, dict] = {}

        def add(item_id: str, conf: float, span: tuple[int, int], level: str | None, source: str,
                dense: float = 0.0, top: bool = False, close: float = 0.0) -> None:
            cid = self.item_to_concept.get(item_id)
            if cid is None or cid not in self.concepts or cid in self.language_concepts:
                return   # a language is a requirement (with its level), never a competence chip
            entry = found.setdefault(cid, {"conf": 0.0, "spans": set(), "levels": set(),
                                           "evidence": new_evidence()})
            entry["conf"] = max(entry["conf"], conf)
            entry["spans"].add(span)
            ev = entry["evidence"]
            ev[source] = 1.0
            ev["dense"] = max(ev["dense"], dense)
            ev["top"] = max(ev["top"], float(top))
            ev["close"] = max(ev["close"], close)
            if level:
                entry["levels"].add(level)

        for ms, me, code, level in soft_hits:
            add(code, self.calibration(SOFT_SKILL_DENSE, 1.0), (ms, me), level, "soft")
        # lexical phrase hits: confident on their own (exact label, lemmatised)
        lex_by_unit: dict[tuple[int, int], set[str]] = defaultdict(set)
        for ms, me, item_id, level in lexical_hits:
            ntoks = len(tokenize(text[ms:me], lang))
            add(item_id, self.calibration(0.90, 1.0 if ntoks > 1 else 0.6), (ms, me), level,
                "lex_multi" if ntoks > 1 else "lex_single")
            for us, ue, _ in units:
                if us <= ms and me <= ue:
                    lex_by_unit[(us, ue)].add(self.item_to_concept.get(item_id, item_id))

        if units and not self.settings.lexical_only:   # lexical stage: no model or label index yet
            vectors = self._encoder.get().encode_queries([text[a:b] for a, b, _ in units])
            vectors = self._adapt(vectors)
            index = self._indexes.get().competences
            scores, ids = index.search_labels(vectors, DENSE_LABELS_PER_PART, approximate=True)
            profile_rows, profile_concepts = self._profile_rows(index, profile)
            profile_sims = vectors @ index.label_vectors(profile_rows).T if profile_rows else None
            for u, ((us, ue, level), srow, irow) in enumerate(zip(units, scores, ids)):
                best: dict[str, float] = {}
                for sc, ix in zip(srow, irow):
                    if ix < 0:
                        continue
                    item = index.refs[ix].item_id
                    cid = self.item_to_concept.get(item)
                    if cid is None:
                        continue
                    if sc > best.get(cid, -1.0):
                        best[cid] = float(sc)
                ranked = sorted(best.items(), key=lambda kv: -kv[1])[:MAX_PER_PART]
                if ranked:
                    ranked = [(cid, sc) for cid, sc in ranked if sc >= ranked[0][1] - DENSE_MARGIN]
                for rank, (cid, sc) in enumerate(ranked):
                    lex = 1.0 if cid in lex_by_unit.get((us, ue), ()) else 0.0
                    add(cid, self.calibration(sc, lex), (us, ue), level, "agree" if lex else "dense_only",
                        dense=sc, top=rank == 0, close=1.0 - (ranked[0][1] - sc))
                if profile_sims is not None and ranked:
                    taken = {cid for cid, _ in ranked}
                    for cid, sc in _best_per_concept(profile_sims[u], profile_concepts, PROFILE_PER_PART, taken):
                        if sc >= ranked[0][1] - PROFILE_MARGIN:
                            lex = 1.0 if cid in lex_by_unit.get((us, ue), ()) else 0.0
                            add(cid, self.calibration(sc, lex), (us, ue), level, "profile_hit",
                                dense=sc, close=1.0 - (ranked[0][1] - sc))

        self._merge_twins(found)
        for cid, entry in found.items():
            c = self.concepts[cid]
            ev = entry["evidence"]
            ev.update(base=entry["conf"], n_spans=float(len(entry["spans"])),
                      foreign_label=float(c.label_language == "en" and lang != "en"),
                      knowledge=float(c.kind == "knowledge"),
                      profile=float(cid in profile), core=float(profile.get(cid, False)))
            if entry["conf"] < self.calibration.min_confidence:
                continue   # the candidate set: the label plausibly names the concept
            entry["conf"] = self.calibration.confidence(ev, n_sentences)
            if entry["conf"] < floor:
                continue
            requirement = None
            if kind == "vacancy":
                requirement = "required" if "required" in entry["levels"] or not entry["levels"] else "nice_to_have"
            spans = [Span(a, b, text[a:b]) for a, b in sorted(entry["spans"])]
            spans = _drop_nested(spans)
            result.competences.append(ExtractedCompetence(
                competence_id=c.id, competent_code=c.competent_code, esco_uri=c.esco_uri, label=c.label,
                kind=c.kind, confidence=round(float(entry["conf"]), 4), spans=spans, requirement=requirement,
                status="held" if entry["conf"] >= held_cut else "suggestion",
                label_en=c.label_en, label_language=c.label_language, evidence=dict(ev)))
        result.competences.sort(key=lambda c: (-c.confidence, c.spans[0].start if c.spans else 0))
        return result

    def _occupations_in(self, text: str, s: int, e: int, toks, lang: str, negations: list[tuple[int, int]],
                        excluded: list[tuple[int, int]]) -> list[tuple[PhraseMatcher.Match, str]]:
        """The occupation titles of one sentence ``text[s:e]`` (its tokens ``toks``) with their
        status: the person's own, or wished inside a job search; none in a negation, a study, an
        aspiration or employer phrase (``excluded``), for someone else or inside a name (see
        :mod:`matcher.extraction.occupations`)."""
        never = negations + context.study_ranges(text, s, e)
        searched = context.job_search_ranges(text, s, e)
        out = []
        for m in self.titles.find(toks, lang):
            a, b = m.start + s, m.end + s
            if cues.overlaps((a, b), never, 0.01) or context.names_someone_else(text, a) \
                    or context.inside_a_name(text, a, b):
                continue
            if cues.overlaps((a, b), searched, 0.01):
                status = WISHED
            elif cues.overlaps((a, b), excluded, 0.01):
                continue
            else:
                status = OWN
            out.append((PhraseMatcher.Match(a, b, m.key, m.tokens), status))
        return out

    def _profile_of(self, occupations: set[str]) -> dict[str, bool]:
        """Concepts in the profiles of these Competent occupations -> whether in a core."""
        out: dict[str, bool] = {}
        for code in sorted(occupations):
            if code not in self._profiles:   # built whole, then published: requests share the cache
                items: dict[str, bool] = {}
                for it in self.store.profile(code):
                    cid = self.item_to_concept.get(it.competence_id)
                    if cid in self.concepts and cid not in self.language_concepts:
                        items[cid] = items.get(cid, False) or it.core
                self._profiles[code] = items
            for cid, core in self._profiles[code].items():
                out[cid] = out.get(cid, False) or core
        return out

    def _profile_rows(self, index, profile: dict[str, bool]) -> tuple[list[int], list[str]]:
        """The label rows of the profile's concepts (a Competent code's and its ESCO twins'
        labels) and the concept of each row."""
        rows: list[int] = []
        concepts: list[str] = []
        for cid in sorted(profile):
            for item in self._items_of.get(cid, (cid,)):
                for row in index.rows_by_item.get(item, ()):
                    rows.append(row)
                    concepts.append(cid)
        return rows, concepts

    def _merge_twins(self, found: dict[str, dict]) -> None:
        """Near-duplicates become one item: an ESCO-only concept whose Competent twin was also
        found, and two concepts with the same (case-folded) label; the stronger one keeps the rest."""
        by_label: dict[str, str] = {}
        for cid in sorted(found, key=lambda c: -found[c]["conf"]):
            key = self.concepts[cid].label.casefold().strip()
            twin = next((t for t in self.competent_twins.get(cid, ()) if t in found and t != cid), None)
            keep = twin or by_label.get(key)
            if keep is None or keep not in found:
                by_label.setdefault(key, cid)
                continue
            gone = found.pop(cid)
            found[keep]["conf"] = max(found[keep]["conf"], gone["conf"])
            found[keep]["spans"] |= gone["spans"]
            found[keep]["levels"] |= gone["levels"]
            kept = found[keep]["evidence"]
            for name, value in gone["evidence"].items():
                kept[name] = max(kept[name], value)

    def _adapt(self, vectors: np.ndarray) -> np.ndarray:
        from indexer.model.adapter import load_adapter

        adapter = load_adapter(self.settings)
        return vectors if adapter is None else adapter.apply_queries(vectors)


def _pieces(start: int, end: int, cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` without the ranges in ``cut``: the pieces left, each of 3+ characters."""
    out, at = [], start
    for a, b in sorted(cut):
        if b <= at or a >= end:
            continue
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < end:
        out.append((at, end))
    return [(a, b) for a, b in out if b - a >= 3]


def _best_per_concept(sims: np.ndarray, concepts: list[str], k: int, skip: set[str]) -> list[tuple[str, float]]:
    """The ``k`` best concepts of one row of label similarities (a concept scores by its best label)."""
    best: dict[str, float] = {}
    for j in np.argsort(-sims):
        cid = concepts[j]
        if cid in skip or cid in best:
            continue
        best[cid] = float(sims[j])
        if len(best) >= k:
            break
    return list(best.items())


def _dedupe_requirements(reqs: list[ExtractedRequirement]) -> list[ExtractedRequirement]:
    """One entry per (category, value): the one with a stated level, else the first."""
    out: dict[tuple[str, str], ExtractedRequirement] = {}
    for r in reqs:
        key = (r.category, r.value)
        if key not in out or (out[key].level is None and r.level is not None):
            out[key] = r
    return sorted(out.values(), key=lambda r: r.span.start)


def _drop_nested(spans: list[Span]) -> list[Span]:
    """Keep the shortest spans: a span that contains another span of the list is dropped."""
    out = []
    for s in spans:
        if any((o.start >= s.start and o.end <= s.end) and (o.start, o.end) != (s.start, s.end) for o in spans):
            continue
        out.append(s)
    return out or spans
