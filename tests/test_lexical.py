"""Lexical layer: spaCy tokens with offsets and lemmas, char n-grams, phrases, clauses."""
from __future__ import annotations

from matcher.text.clauses import split_clauses, split_parts, split_sentences
from matcher.text.lexical import CharNgramIndex, PhraseMatcher, fuzzy_rerank, normalise, tokenize


def test_tokens_keep_offsets_and_lemmas() -> None:
    text = "Je bestuurt heftrucks en verzamelt orders."
    toks = tokenize(text, "nl")
    for t in toks:
        assert text[t.start:t.end] == t.text
    lemmas = {t.text: t.lemma for t in toks}
    assert lemmas["heftrucks"] == "heftruck"
    assert "." not in [t.text for t in toks]


def test_normalise_three_languages() -> None:
    assert normalise("Vaardigheden", "nl") == "vaardigheid"
    assert normalise("Driving trucks", "en") == "drive truck"
    assert normalise("Préparer des commandes", "fr").startswith("preparer")


def test_cached_char_ngrams_are_reused_and_keyed_on_the_texts(tmp_path) -> None:
    """The second start loads the index instead of lemmatising again; other texts or languages get
    their own file; a damaged file is rebuilt, never fatal."""
    texts, langs = ["heftruckchauffeur", "verpleegkundige", "Chef-kok"], ["nl", "nl", "fr"]
    calls: list[str] = []

    def norm(text: str, lang: str) -> str:
        calls.append(text)
        return normalise(text, lang)

    first = CharNgramIndex.cached(texts, langs, norm, tmp_path)
    assert len(calls) == 3 and len(list(tmp_path.glob("ngrams-*.pkl"))) == 1
    again = CharNgramIndex.cached(texts, langs, norm, tmp_path)
    assert len(calls) == 3                                  # loaded, not normalised again
    query = [normalise("chauffeur heftruck")]
    assert (again.scores(query) == first.scores(query)).all()
    CharNgramIndex.cached(texts, ["nl", "nl", "nl"], norm, tmp_path)
    assert len(calls) == 6 and len(list(tmp_path.glob("ngrams-*.pkl"))) == 2
    for f in tmp_path.glob("ngrams-*.pkl"):
        f.write_bytes(b"kapot")
    rebuilt = CharNgramIndex.cached(texts, langs, norm, tmp_path)
    assert len(calls) == 9 and (rebuilt.scores(query) == first.scores(query)).all()
    assert not list(tmp_path.glob(".*tmp*"))                # written to a temporary name and renamed


def test_char_ngrams_join_dutch_compounds() -> None:
    idx = CharNgramIndex([normalise(t) for t in ["heftruckchauffeur", "vrachtwagenbestuurder", "kok"]])
    scores, ids = idx.search([normalise("chauffeur van een heftruck")], k=3)
    assert ids[0][0] == 0
    assert scores[0][0] > scores[0][1]


def test_phrase_matcher_finds_lemmatised_label_with_span() -> None:
    pm = PhraseMatcher()
    pm.add("orders verzamelen", "SK-6", "nl")
    pm.add("Préparer des commandes", "SK-6", "fr")
    text = "Wij zoeken iemand die orders verzamelt."
    # "verzamelt" lemmatises to "verzamelen"
    hits = pm.find(text, "nl")
    assert [(text[h.start:h.end], h.key) for h in hits] == [("orders verzamelt", "SK-6")]
    fr = "Vous savez préparer des commandes."
    assert [fr[h.start:h.end] for h in pm.find(fr, "fr")] == ["préparer des commandes"]


def test_fuzzy_rerank_prefers_close_strings() -> None:
    a, b = fuzzy_rerank("heftruck chauffeur", ["Heftruckchauffeur", "Kok"])
    assert a > b


def test_sentences_and_clause_parts_have_exact_offsets() -> None:
    text = "Profiel:\n- Je kan plannen, organiseren en rapporteren.\n- Rijbewijs B is vereist. Je bent flexibel."
    sents = split_sentences(text)
    assert [text[s:e] for s, e in sents] == [
        "Profiel", "Je kan plannen, organiseren en rapporteren", "Rijbewijs B is vereist", "Je bent flexibel"]
    s, e = sents[1]
    assert [text[a:b] for a, b in split_parts(text, s, e)] == ["Je kan plannen", "organiseren", "rapporteren"]
    for c in split_clauses(text):
        assert text[c.start:c.end] == c.text


def test_very_long_line_is_windowed() -> None:
    text = "woord " * 400
    assert all(e - s <= 400 for s, e in split_sentences(text))
