"""Rules on the surface of vacancy and CV text (Dutch, English, French).

* :func:`detect_language` — nl / en / fr from function words.
* :func:`requirement_level` — "required" / "nice_to_have" from cues such as "vereist", "must",
  "pluspunt", "is een troef", "bij voorkeur", "un atout".
* :func:`negated_ranges` — stretches of text under a negation ("geen ervaring met …",
  "no experience with …", "pas d'expérience en …"), which yield no competences.
* :func:`is_noise_sentence` — company blurbs, diversity statements and benefits (what we
  offer), which yield no competences.
* :func:`find_requirements` — diplomas, certificates, licences and language requirements, kept
  apart from competences.

All rules are plain regular expressions over lower-cased text; each match keeps its offsets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# ----------------------------------------------------------------- language
_FUNCTION_WORDS = {
    "nl": set("de het een en van in je jij wij we met voor op is zijn bent hebt heb ervaring kennis "
              "als of te bij naar ook die dat dit om aan uit kan goed jouw onze ons zoeken werk "
              "geen niet ik mijn heb".split()),
    "en": set("the a an and of in you we with for on is are have has experience knowledge as or to "
              "at from also that this can good your our us looking work no not i my skills".split()),
    "fr": set("le la les un une et de des du en vous nous avec pour sur est sont avez expérience "
              "connaissance comme ou à au aux dans aussi que qui cette peut bon votre notre je "
              "mon pas ne compétences travail".split()),
}
_WORD = re.compile(r"[a-zà-ÿ']+", re.I)


def detect_language(text: str) -> str:
    """'nl', 'en' or 'fr' (Dutch when undecided: the service is Flemish)."""
    counts = {k: 0 for k in _FUNCTION_WORDS}
    for w in _WORD.findall(text.lower()[:5000]):
        for part in w.split("'"):
            for lang, words in _FUNCTION_WORDS.items():
                if part in words:
                    counts[lang] += 1
    best = max(counts, key=lambda k: (counts[k], k == "nl"))
    return best if counts[best] > 0 else "nl"


# ------------------------------------------------------------ requirements
_NICE = re.compile(
    r"\b(?:pluspunt(?:en)?|een plus|is een troef|zijn een troef|troef|bij voorkeur|liefst|idealiter|"
    r"meegenomen|strekt tot aanbeveling|mooi meegenomen|wenselijk|gewenst|nice to have|"
    r"is a plus|are a plus|a plus|plus point|preferred|preferably|ideally|desirable|advantage|"
    r"un atout|est un atout|constitue un atout|de préférence|souhaité|souhaitée|souhaitable|serait un plus|"
    r"un plus|idéalement|apprécié|appréciée)\b", re.I)
_REQUIRED = re.compile(
    r"\b(?:vereist|vereisten|verplicht|noodzakelijk|onmisbaar|absoluut|moet|moeten|must|required|"
    r"requirements?|mandatory|essential|need to|needs to|you have|you are|je hebt|je beschikt|je bent|"
    r"u hebt|u beschikt|beschikt over|je kan|je kunt|wij verwachten|we verwachten|profiel|jouw profiel|"
    r"exigé|exigée|requis|requise|obligatoire|indispensable|vous avez|vous êtes|vous disposez|"
    r"votre profil|nous attendons)\b", re.I)


_SEGMENT = re.compile(r"[;]|,\s|\s(?:maar|but|mais|en|and|et)\s", re.I)
_CLAUSE = re.compile(r";")


def requirement_level_at(text: str, sent_start: int, sent_end: int, start: int, end: int,
                         section: str | None = None) -> str:
    """Requirement level of ``text[start:end]``: a cue in its own segment of the sentence
    (cut at ';', ', ', 'maar', 'en' …) wins; else a cue in its clause (the sentence cut at ';',
    so "vlot Nederlands; Frans is een troef" keeps Dutch required); else the section."""
    seg_s, seg_e = _segment_bounds(_SEGMENT, text, sent_start, sent_end, start, end)
    clause_s, clause_e = _segment_bounds(_CLAUSE, text, sent_start, sent_end, start, end)
    segment = text[seg_s:seg_e]
    if _NICE.search(segment):
        return "nice_to_have"
    if re.search(r"\b(?:vereist|verplicht|noodzakelijk|onmisbaar|must|required|mandatory|essential|exigé|exigée|"
                 r"requis|requise|obligatoire|indispensable)\b", segment, re.I):
        return "required"
    return requirement_level(text[clause_s:clause_e], section)


def _segment_bounds(separator: re.Pattern, text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """The stretch of ``text[lo:hi]`` between the separators around ``text[start:end]``."""
    for m in separator.finditer(text, lo, hi):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            return lo, m.start()
    return lo, hi


def requirement_level(sentence: str, section: str | None = None) -> str:
    """"nice_to_have" when a nice-to-have cue is present, else "required".

    ``section`` is the last heading seen ("nice" for headings like "Pluspunten"), which
    carries over to the bullets under it.
    """
    if _NICE.search(sentence):
        return "nice_to_have"
    if section == "nice" and not _REQUIRED.search(sentence):
        return "nice_to_have"
    return "required"


_HEADING_NICE = re.compile(r"^\s*(?:pluspunten|troeven|nice to have|bonus|atouts|een plus|a plus)\s*:?\s*$", re.I)
_HEADING_REQ = re.compile(
    r"^\s*(?:profiel|jouw profiel|vereisten|wat verwachten we|wie ben je|requirements|your profile|"
    r"qualifications|profil|votre profil|exigences|functie|taken|jouw taken|responsibilities|missions?)\s*:?\s*$", re.I)
_HEADING_OFFER = re.compile(
    r"^\s*(?:aanbod|ons aanbod|wat bieden we|wat wij bieden|wij bieden|we bieden|wat mag je verwachten|"
    r"over ons|over het bedrijf|wie zijn we|bedrijf|we offer|what we offer|benefits|about us|"
    r"our offer|offre|nous offrons|notre offre|avantages|qui sommes-nous)\s*:?\s*$", re.I)


def heading_kind(line: str) -> str | None:
    """'nice', 'required', 'offer' for a section heading line, else None."""
    if len(line) > 60:
        return None
    if _HEADING_NICE.match(line):
        return "nice"
    if _HEADING_OFFER.match(line):
        return "offer"
    if _HEADING_REQ.match(line):
        return "required"
    return None


# ---------------------------------------------------------------- negation
_NEG = re.compile(
    r"\b(?:geen|niet|zonder|nooit|no|not|without|never|non|none|aucune?|sans|pas de|pas d'|jamais|"
    r"n'ai pas|n'a pas|ne \w+ pas)\b", re.I)
# a negation reaches until a contrast word or the end of the clause
_NEG_STOP = re.compile(r"\b(?:maar|wel|echter|but|however|mais|toutefois|cependant)\b|[.;:!?\n]", re.I)
# expressions that look negative but are not ("niet alleen", "no problem", "geen probleem")
_NEG_FALSE = re.compile(
    r"\b(?:niet alleen|not only|non seulement|geen probleem|no problem|geen 9-tot-5|niet te onderschatten|"
    r"no later than|niet later dan|geen enkel probleem|not just)\b", re.I)


def negated_ranges(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character ranges (absolute offsets) that fall under a negation cue."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    false_starts = {m.start() for m in _NEG_FALSE.finditer(text, start, end)}
    for m in _NEG.finditer(text, start, end):
        if m.start() in false_starts:
            continue
        stop = _NEG_STOP.search(text, m.end(), end)
        out.append((m.start(), stop.start() if stop else end))
    return out


def overlaps(a: tuple[int, int], ranges: list[tuple[int, int]], min_fraction: float = 0.5) -> bool:
    s, e = a
    if e <= s:
        return False
    covered = sum(max(0, min(e, re_) - max(s, rs)) for rs, re_ in ranges)
    return covered / (e - s) >= min_fraction


# ------------------------------------------------------ blurbs and benefits
_NOISE = re.compile(
    r"(?:"
    # benefits / what we offer
    r"\bwij bieden\b|\bwe bieden\b|\bje krijgt\b|\bjij krijgt\b|\bwat bieden wij\b|\bons aanbod\b|\bverloning\b|"
    r"\bmaaltijdcheques\b|\bmaaltijdcheque\b|\becocheques\b|\bhospitalisatieverzekering\b|\bgroepsverzekering\b|"
    r"\bbedrijfswagen\b|\btankkaart\b|\bverlofdagen\b|\bvakantiedagen\b|\bextralegale voordelen\b|"
    r"\bcompetitief loon\b|\baantrekkelijk loon\b|\baantrekkelijk salaris\b|\bcontract van onbepaalde duur\b|"
    r"\bvast contract\b|\bthuiswerk\b|\bglijdende uren\b|\bwe offer\b|\bwhat we offer\b|\bwe provide\b|"
    r"\bcompetitive salary\b|\bbenefits package\b|\bhealth insurance\b|\bpaid leave\b|\bmeal vouchers\b|"
    r"\bcompany car\b|\bnous offrons\b|\bnous vous offrons\b|\bsalaire attractif\b|\bchèques-repas\b|"
    r"\bassurance hospitalisation\b|\bvoiture de société\b|\bcontrat à durée indéterminée\b|"
    # diversity / equal opportunities
    r"\bdiversiteit\b|\bgelijke kansen\b|\bongeacht\b|\bdiversity\b|\bequal opportunit|\bregardless of\b|"
    r"\bdiversité\b|\bégalité des chances\b|\bsans distinction\b|\binclusie\b|\binclusive\b|"
    # company blurbs
    r"\bons bedrijf\b|\bonze klant\b|\bonze organisatie\b|\bwij zijn een\b|\bwe zijn een\b|\bis een toonaangevend|"
    r"\bmarktleider\b|\bopgericht in\b|\bsinds 19\d\d\b|\bsinds 20\d\d\b|\bmedewerkers in\b|\bwerknemers wereldwijd\b|"
    r"\bour company\b|\bour client\b|\bwe are a\b|\bis a leading\b|\bmarket leader\b|\bfounded in\b|"
    r"\bemployees worldwide\b|\bnotre société\b|\bnotre client\b|\bnous sommes une?\b|\best un leader\b|\bfondée en\b|"
    r"\bsolliciteer\b|\bstuur je cv\b|\bapply now\b|\bsend your cv\b|\bpostulez\b|\benvoyez votre cv\b"
    r")", re.I)


_TITLE_INTRO = re.compile(
    r"^\s*(?:(?:voor onze klant[^,]*,\s*)?(?:wij|we) (?:zoeken|zijn op zoek naar|werven)|"
    r"(?:for our client[^,]*,\s*)?we are (?:looking|searching|hiring)|we(?:'re| are) seeking|"
    r"(?:pour notre client[^,]*,\s*)?nous (?:recherchons|cherchons|sommes à la recherche))\b", re.I)


def is_title_intro(sentence: str) -> bool:
    """"Wij zoeken een magazijnmedewerker": names the job, not a competence."""
    return bool(_TITLE_INTRO.search(sentence)) and len(sentence) < 160


#: Words that only carry cues (requirement, level) and name no competence.
CUE_WORDS = set(
    "vereist verplicht noodzakelijk pluspunt troef voorkeur gewenst nodig niveau minstens minimum "
    "required must plus preferred essential needed level minimum least "
    "exige requis obligatoire atout souhaite niveau minimum indispensable vereisen verplichten wensen "
    "exiger requerir souhaiter a1 a2 b1 b2 c1 c2 moedertaal vloeiend fluent native courant "
    # what surrounds a language requirement ("je spreekt vlot Nederlands") names no competence
    "spreek spreekt spreken vlot basiskennis noties kennis goed goede mondeling schriftelijk beheersing beheersen "
    "speak speaks spoken written command parler parle parlez écrit ecrit notion notions connaissance".split())


def is_noise_sentence(sentence: str) -> bool:
    """Company blurb, diversity statement, benefits or application instructions."""
    return bool(_NOISE.search(sentence))


# ---------------------------------------------- diplomas, certificates, ...
@dataclass(frozen=True)
class RequirementMatch:
    category: str       # diploma | certificate | licence | language
    value: str
    start: int
    end: int
    level: str | None = None


_DIPLOMAS = [
    (r"\b(?:professionele |academische )?bachelor(?:\s?diploma)?\b|\bbachelor'?s degree\b|\bbachelier\b", "bachelor"),
    (r"\bmaster(?:\s?diploma)?\b|\bmaster'?s degree\b|\blicentiaat\b", "master"),
    (r"\bdoctoraat\b|\bphd\b|\bph\.d\.?\b|\bdoctorat\b", "doctoraat"),
    (r"\bgraduaat\b|\bhbo5?\b|\bhoger beroepsonderwijs\b", "graduaat"),
    (r"\bhoger (?:secundair|middelbaar) onderwijs\b|\bsecundair onderwijs\b|\bsecundair diploma\b|\bdiploma secundair\b|"
     r"\bhigh school diploma\b|\bsecondary (?:school|education)\b|\benseignement secondaire\b|\bCESS\b", "secundair onderwijs"),
    (r"\bbso\b|\btso\b|\baso\b|\bkso\b", "secundair onderwijs"),
    (r"\bhoger onderwijs\b|\bhogeschool\b|\buniversitair diploma\b|\buniversity degree\b|\bdegree in\b|"
     r"\bdiplôme (?:universitaire|d'ingénieur)\b|\bbac\s*\+\s*\d\b|\bbachelor ou master\b", "hoger onderwijs"),
    (r"\bingenieur(?:sdiploma)?\b(?=\s+(?:in|diploma))|\bindustrieel ingenieur\b|\bburgerlijk ingenieur\b", "ingenieur"),
    (r"\bmbo\b|\bvmbo\b|\bhavo\b|\bvwo\b|\bwo\b(?= (?:niveau|diploma))", "diploma (NL)"),
    (r"\bdiploma\b|\bdegree\b|\bdiplôme\b", "diploma"),
]
_CERTIFICATES = [
    (r"\bVCA(?:[- ]?(?:VOL|basis|B|VIL|\*{1,2}))?\b", "VCA"),
    (r"\bBA4\b|\bBA5\b", None),
    (r"\bGPI\b|\bcode 95\b|\bcode95\b", None),
    (r"\bADR(?:[- ]?(?:basis|tank|certificaat))?\b", "ADR"),
    (r"\bheftruckattest\b|\bheftruckcertificaat\b|\battest heftruck\b|\bforklift (?:license|licence|certificate)\b", "heftruckattest"),
    (r"\bEHBO(?:[- ]?(?:attest|brevet))?\b|\bfirst aid certificate\b|\bbrevet de secourisme\b", "EHBO"),
    (r"\blasattest\b|\blascertificaat\b|\bwelding certificate\b", "lascertificaat"),
    (r"\bPRINCE2\b|\bPMP\b|\bITIL\b|\bCCNA\b|\bCISSP\b|\bISTQB\b|\bSCRUM master cert\w*\b|\bPSM\s?I*\b|\bCPA\b|\bACCA\b", None),
    (r"\b(?:AWS|Azure|Google Cloud) (?:certified|certification|certificaat)\b", None),
    (r"\bpedagogisch (?:bekwaamheids)?diploma\b|\blerarenopleiding\b|\bCAP\b", "pedagogisch diploma"),
    (r"\battest\b|\bcertificaat\b|\bcertificate\b|\bcertification\b|\bcertificat\b|\bbrevet\b|\bgetuigschrift\b", None),
]
_LICENCES = [
    (r"\brijbewijs\s*(?:categorie\s*)?(BE|CE|C1E|C1|C|DE|D1|D|AM|A1|A2|A|G|B)\b", "rijbewijs {}"),
    (r"\bpermis\s*(?:de conduire\s*)?(BE|CE|C1|C|D|B)\b", "rijbewijs {}"),
    (r"\bdriv(?:ing|er'?s) licen[cs]e\s*(?:category\s*)?(BE|CE|C1|C|D|B)?\b", "rijbewijs {}"),
    (r"\b(?:C|CE|B|D)[- ]?(?:rijbewijs)\b", "rijbewijs"),
    (r"\brijbewijs\b|\bpermis de conduire\b|\bdriv(?:ing|er'?s) licen[cs]e\b", "rijbewijs"),
]
_LANGUAGES = {
    "nederlands": "Nederlands", "dutch": "Nederlands", "néerlandais": "Nederlands", "neerlandais": "Nederlands",
    "vlaams": "Nederlands",
    "frans": "Frans", "french": "Frans", "français": "Frans", "francais": "Frans",
    "engels": "Engels", "english": "Engels", "anglais": "Engels",
    "duits": "Duits", "german": "Duits", "allemand": "Duits",
    "spaans": "Spaans", "spanish": "Spaans", "espagnol": "Spaans",
    "italiaans": "Italiaans", "italian": "Italiaans", "italien": "Italiaans",
    "arabisch": "Arabisch", "arabic": "Arabisch", "arabe": "Arabisch",
    "turks": "Turks", "turkish": "Turks", "turc": "Turks",
    "pools": "Pools", "polish": "Pools", "polonais": "Pools",
    "portugees": "Portugees", "portuguese": "Portugees", "portugais": "Portugees",
    "russisch": "Russisch", "russian": "Russisch", "russe": "Russisch",
    "chinees": "Chinees", "chinese": "Chinees", "mandarin": "Chinees", "chinois": "Chinees",
    "roemeens": "Roemeens", "romanian": "Roemeens", "roumain": "Roemeens",
}
_LANG_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _LANGUAGES), key=len, reverse=True)) + r")\b", re.I)
# a language word counts as a language requirement only with a language context nearby
_LANG_CONTEXT = re.compile(
    r"\b(?:talen|taal|taalkennis|spreek|spreekt|spreken|schrijf|schrijft|schrijven|kennis|beheers|beheerst|beheersing|"
    r"moedertaal|vloeiend|tweetalig|meertalig|mondeling|schriftelijk|niveau|language|languages|speak|speaks|spoken|written|"
    r"fluent|fluency|native|bilingual|proficien\w*|command of|langue|langues|parlez|parler|parlé|écrit|courant|"
    r"maîtrise|maîtrisez|bilingue|notions?)\b|\b[ABC][12]\b", re.I)
_LEVEL = re.compile(
    r"\b([ABC][12])\b|\b(moedertaal|vloeiend|vlot|goed|basiskennis|noties|native|fluent|good|basic|"
    r"langue maternelle|courant|bonne|notions?)\b", re.I)
_LEVEL_NORMAL = {"noties": "basis", "basiskennis": "basis", "basic": "basis", "notion": "basis", "notions": "basis",
                 "native": "moedertaal", "langue maternelle": "moedertaal", "fluent": "vloeiend", "courant": "vloeiend", "vlot": "vloeiend",
                 "good": "goed", "bonne": "goed"}


def _compile(rules):
    return [(re.compile(p, re.I if not p.startswith(r"\bVCA") else 0), v) for p, v in rules]


_DIPLOMAS_RE = _compile(_DIPLOMAS)
_CERT_RE = [(re.compile(p, 0 if any(ch.isupper() for ch in p.replace(r"\b", "")[:4]) else re.I), v) for p, v in _CERTIFICATES]
_LIC_RE = [(re.compile(p, re.I), v) for p, v in _LICENCES]


def _free(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return all(span[1] <= s or span[0] >= e for s, e in taken)


def find_requirements(text: str, start: int = 0, end: int | None = None) -> list[RequirementMatch]:
    """Diplomas, certificates, licences and language requirements in ``text[start:end]``."""
    end = len(text) if end is None else end
    out: list[RequirementMatch] = []
    taken: list[tuple[int, int]] = []

    def add(cat: str, value: str, s: int, e: int, level: str | None = None) -> None:
        generic = value in ("diploma", "attest", "certificaat", "certificate", "certificat", "brevet") or cat == "certificate" and value.lower() in ("attest", "certificaat", "certificate", "certification", "certificat", "brevet", "getuigschrift")
        if generic and not _free((s - 15, e + 15), taken):
            return  # "bachelor diploma", "VCA-attest": the specific match already covers it
        if _free((s, e), taken):
            taken.append((s, e))
            out.append(RequirementMatch(cat, value, s, e, level))

    for rx, template in _LIC_RE:
        for m in rx.finditer(text, start, end):
            cat = m.group(1).upper() if m.groups() and m.group(1) else ""
            value = template.format(cat).strip() if "{}" in template else template
            add("licence", value, m.start(), m.end())
    for rx, value in _CERT_RE:
        for m in rx.finditer(text, start, end):
            add("certificate", value or m.group(0), m.start(), m.end())
    for rx, value in _DIPLOMAS_RE:
        for m in rx.finditer(text, start, end):
            add("diploma", value, m.start(), m.end())
    sentence_has_context = bool(_LANG_CONTEXT.search(text, start, end))
    for m in _LANG_RE.finditer(text, start, end):
        if not sentence_has_context:
            continue
        level = None
        seg_s, seg_e = _segment_bounds(_CLAUSE, text, start, end, m.start(), m.end())
        window_s, window_e = max(seg_s, m.start() - 40), min(seg_e, m.end() + 40)
        lv = [x for x in _LEVEL.finditer(text, window_s, window_e)]
        if lv:
            best = min(lv, key=lambda x: abs(x.start() - m.start()))
            raw = (best.group(1) or best.group(2)).lower()
            level = best.group(1).upper() if best.group(1) else _LEVEL_NORMAL.get(raw, raw)
        add("language", _LANGUAGES[m.group(1).lower()], m.start(), m.end(), level)
    out.sort(key=lambda r: r.start)
    return out
