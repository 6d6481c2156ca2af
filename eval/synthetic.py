"""A clearly labelled **synthetic** set of vacancies and portfolios to match against.

There is no open Flemish vacancy corpus, so ``cmatch demo generate`` builds one from the
Competent occupation profiles (fixed seed, default 20,000 vacancies and 5,000 portfolios). Every
record has ``synthetic: true`` and an id starting with ``SYN-``; the vacancy texts say so too.

* **Occupations**: Competent occupations with at least five Dutch-labelled essential profile
  items; knelpuntberoepen are drawn twice as often (they are where the vacancies are).
* **Competences**: a weighted sample of the profile's essential items (4–9) and optional items
  (2–6), plus noise: an essential item demoted to optional, a competence of another occupation.
* **Wording**: the text varies how a competence is said — the Competent/ESCO Dutch label, an
  ESCO Dutch altLabel, or a paraphrase template ("Je kan …", "Kennis van … is een pluspunt",
  "… is voor jou geen probleem"); each competence records where in the text it is said
  (``evidence: vacancy_text`` with offsets).
* **Titles**: the Dutch occupation label with variants (junior, ervaren, regio, voltijds…), with
  or without "(m/v/x)"; a small share carries exclusionary wording on purpose, so the vacancy
  check has something to find (``extra.noise``).
* **Places**: municipalities of the five Flemish provinces and Brussels (bigger cities more
  often), a few in Wallonia; regimes, contracts, licences, languages and diplomas with plausible
  frequencies.
* **Portfolios**: one or two target occupations, part of their profile (some through the ESCO
  crosswalk equivalent), a few transferable competences, evidence of every kind, a travel range,
  and personal fields (name, age, gender, nationality, diploma) that are never scored — so the
  fairness tests have something to vary.

Matching uses the **structured** competences of these records; the texts are not encoded
(encoding 20,000 texts with the model takes far too long on 2 cores, and matching does not need
it). Real imports bring their own structured competences, or text that ``vacancy draft`` turns
into them through the extractor.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from matcher.geo import MUNICIPALITIES, province_of
from matcher.matching.near import MatchTaxonomy

SYNTHETIC_NOTE = "SYNTHETISCHE vacature, gegenereerd voor demo en tests (cmatch demo generate)."

ESSENTIAL_SKILL = ["Je kan {x}.", "Je hebt ervaring met {g}.", "Je bent in staat om {x}.", "{X} is voor jou geen probleem.",
                   "Je staat in voor {g}.", "Jij zorgt ervoor dat je kan {x}.", "Ervaring met {g} is een must."]
ESSENTIAL_KNOW = ["Je hebt kennis van {x}.", "Je bent vertrouwd met {x}.", "Je beschikt over een goede kennis van {x}.",
                  "Kennis van {x} is vereist.", "Je kent {x} door en door."]
OPTIONAL_SKILL = ["Je kan eventueel ook {x}.", "Ervaring met {g} is mooi meegenomen.", "Kunnen {x} is een pluspunt.",
                  "Als je ook {x} kan, is dat een troef."]
OPTIONAL_KNOW = ["Kennis van {x} is een pluspunt.", "Enige kennis van {x} is een troef.", "Noties van {x} zijn mooi meegenomen."]
TITLE_FORMS = ["{t} (m/v/x)", "{t} (m/v/x)", "{t} (m/v/x)", "Ervaren {tl} (m/v/x)", "Junior {tl} (m/v/x)", "{t} - regio {m} (m/v/x)",
               "{t} voltijds (m/v/x)", "{t} (v/m/x)", "{t}", "{t} m/v/x", "{t} - {m}"]
NOISE_SENTENCES = [
    ("age", "Je komt terecht in een jong en dynamisch team."),
    ("age", "Je bent maximum 30 jaar."),
    ("age", "Je bent pas afgestudeerd."),
    ("origin", "Je moedertaal is Nederlands."),
    ("gender", "Hij is stressbestendig en flexibel."),
    ("health", "Je bent in goede gezondheid."),
    ("diploma", "Je hebt een masterdiploma."),
]
EMPLOYER_WORDS = ["Vandenberghe", "Janssens", "Peeters", "Maes", "De Smet", "Claes", "Wouters", "Mertens", "Willems",
                  "Goossens", "Dubois", "Lambert", "Hermans", "Vermeulen", "Van Damme", "Aerts", "De Clercq", "Jacobs"]
EMPLOYER_SUFFIX = ["NV", "BV", "& Zonen", "Group", "Services", "Logistics", "vzw", "Solutions", "Techniek", "Zorg"]
FIRST_NAMES = ["Jan", "Els", "Tom", "Sarah", "Mohamed", "Fatima", "Ahmed", "Yasmina", "Oleksandr", "Olena", "Piotr",
               "Agnieszka", "Mehmet", "Ayse", "Kevin", "Lotte", "Jean-Pierre", "Marie", "Abdi", "Amina", "Ion", "Elena",
               "Nathalie", "Dirk", "Chantal", "Youssef", "Sofie", "Bram", "Emre", "Joke", "Kwame", "Grace"]
LAST_NAMES = ["Peeters", "Janssens", "Maes", "El Amrani", "Benali", "Kovalenko", "Nowak", "Yilmaz", "Popescu", "Mukendi",
              "De Smet", "Vermeulen", "Diallo", "Claes", "Öztürk", "Wouters", "Bouzid", "Kabila", "Hermans", "Dubois"]
NATIONALITIES = ["Belg"] * 15 + ["Nederlander", "Marokkaan", "Turk", "Pool", "Roemeen", "Syriër", "Oekraïner",
                                   "Congolees", "Afghaan", "Eritreeër", "Fransman"]
DIPLOMAS = ["geen", "lager secundair", "secundair", "secundair", "bachelor", "master", "buitenlands diploma (niet erkend)"]
VACANCY_DIPLOMAS = ["diploma secundair onderwijs", "bachelordiploma", "masterdiploma", "A2-diploma elektriciteit",
                    "diploma hoger onderwijs"]
SOURCE_WEIGHTS = [("cv", 50), ("self_declared", 22), ("evc", 8), ("experience_certificate", 8),
                  ("counsellor_confirmed", 12)]
FLANDERS_BRUSSELS = {"Brussel", "Antwerpen", "Vlaams-Brabant", "Limburg", "Oost-Vlaanderen", "West-Vlaanderen"}
BIG = {"1000": 6, "2000": 8, "9000": 7, "3000": 4, "8000": 4, "2800": 3, "3500": 3, "8500": 3, "9300": 2, "8400": 2,
       "9100": 2, "3600": 2, "1800": 2, "2300": 2, "8800": 2, "2018": 3, "1070": 2, "1030": 2}


@dataclass
class GenerationReport:
    vacancies: int
    portfolios: int
    seed: int
    seconds: float
    files: dict[str, str]
    shortage_share: float


def _load_vocab(store) -> tuple[dict[str, str], dict[str, str]]:
    """Dutch labels and kinds of competences (only those with a Dutch label are used for wording)."""
    nl, kind = {}, {}
    for cid, k, label in store.con.execute("SELECT id, kind, label_nl FROM competences"):
        kind[cid] = k
        if label:
            nl[cid] = label
    return nl, kind


def weighted_sample(rng: random.Random, items: list[tuple[str, float]], k: int) -> list[str]:
    """``k`` distinct ids drawn without replacement, each in proportion to its weight (at least
    0.05, so zero-weight items stay possible); fewer when ``items`` runs out."""
    pool = list(items)
    out: list[str] = []
    while pool and len(out) < k:
        total = sum(max(w, 0.05) for _, w in pool)
        r = rng.random() * total
        acc = 0.0
        for i, (cid, w) in enumerate(pool):
            acc += max(w, 0.05)
            if acc >= r:
                out.append(cid)
                pool.pop(i)
                break
    return out


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s and not (len(s) > 1 and s[1].isupper()) else s


def _gerund(label: str) -> str:
    """'Klachten behandelen' -> 'het behandelen van klachten' (rough, for variety)."""
    words = label.split()
    if len(words) >= 2 and words[-1].endswith("en") and words[-1].islower():
        return f"het {words[-1]} van {_lower_first(' '.join(words[:-1]))}"
    return _lower_first(label)


#: Vacancies and portfolios draw their secondary competences from this many strongest non-core items.
SECONDARY_POOL = 20


class SyntheticGenerator:
    def __init__(self, tax: MatchTaxonomy, store, seed: int = 42):
        self.tax = tax
        self.rng = random.Random(seed)
        self.seed = seed
        self.nl, self.kind = _load_vocab(store)
        self.occupations: list[str] = []
        self.ess: dict[str, list[tuple[str, float]]] = {}
        self.opt: dict[str, list[tuple[str, float]]] = {}
        for code, entries in sorted(tax.profiles.items()):
            # the core first: what a vacancy for the occupation asks as essential; the strongest
            # secondary items (by salience) as pluspunten, so vacancies do not ask the profile's noise
            usable = [e for e in entries if e.competence_id in self.nl]
            ess = [(e.competence_id, max(e.salience, 0.05)) for e in usable if e.core]
            opt = [(e.competence_id, max(e.salience, 0.05))
                   for e in sorted((e for e in usable if not e.core), key=lambda e: -e.salience)[:SECONDARY_POOL]]
            if len(ess) < 5:  # a store without a core (or a thin one): the strongest items by vote share
                ranked = sorted(usable, key=lambda e: (e.importance != "essential", -e.weight, e.competence_id))
                ess = [(e.competence_id, e.weight) for e in ranked[:8]]
                opt = [(e.competence_id, e.weight) for e in ranked[8:8 + SECONDARY_POOL]]
            if len(ess) >= 5 and code in tax.occupation_labels:
                self.occupations.append(code)
                self.ess[code], self.opt[code] = ess, opt
        self.occ_weights = [2.0 if tax.shortage_of(c) else 1.0 for c in self.occupations]
        self.places = [pc for pc in MUNICIPALITIES if province_of(pc)[0] in FLANDERS_BRUSSELS]
        self.place_weights = [BIG.get(pc, 1) for pc in self.places]
        self.wallonia = [pc for pc in MUNICIPALITIES if province_of(pc)[1] == "Wallonië"]
        self.equivalent: dict[str, str] = {}
        for code, uri, rel in tax.crosswalk:
            if rel in ("exactMatch", "closeMatch") and uri in tax.competence_labels:
                self.equivalent.setdefault(code, uri)

    # ------------------------------------------------------------ helpers
    def _weighted_sample(self, items: list[tuple[str, float]], k: int) -> list[str]:
        return weighted_sample(self.rng, items, k)

    def _place(self) -> str:
        if self.rng.random() < 0.03 and self.wallonia:
            return self.rng.choice(self.wallonia)
        return self.rng.choices(self.places, self.place_weights)[0]

    def _wording(self, cid: str) -> str:
        label = self.nl[cid]
        alts = self.tax.competence_alt_labels.get(cid, [])
        r = self.rng.random()
        if alts and r < 0.3:
            return self.rng.choice(alts)
        return label

    def _sentence(self, cid: str, essential: bool) -> tuple[str, str]:
        """(sentence, the competence phrase inside it)."""
        phrase = self._wording(cid)
        know = self.kind.get(cid) == "knowledge"
        forms = (ESSENTIAL_KNOW if know else ESSENTIAL_SKILL) if essential else (OPTIONAL_KNOW if know else OPTIONAL_SKILL)
        form = self.rng.choice(forms)
        x = _lower_first(phrase)
        g = _gerund(phrase) if "{g}" in form else x
        said = g if "{g}" in form else x
        if form.startswith("{X}"):
            said = phrase[:1].upper() + phrase[1:]
        sentence = form.replace("{X}", said if form.startswith("{X}") else "").replace("{x}", x).replace("{g}", g)
        return sentence, said

    # ------------------------------------------------------------ vacancies
    def vacancy(self, n: int) -> dict:
        rng = self.rng
        code = rng.choices(self.occupations, self.occ_weights)[0]
        occ_label = self.tax.occupation_label(code)
        pc = self._place()
        municipality = MUNICIPALITIES[pc][0]
        ess = self._weighted_sample(self.ess[code], rng.randint(4, 9))
        opt = self._weighted_sample(self.opt[code], rng.randint(2, 6)) if self.opt[code] else []
        if len(ess) > 4 and rng.random() < 0.15:
            opt.append(ess.pop())
        if rng.random() < 0.10:
            other = rng.choice(self.occupations)
            extra = self._weighted_sample(self.ess[other], 1)
            if extra and extra[0] not in ess and extra[0] not in opt:
                opt.append(extra[0])
        employer = f"{rng.choice(EMPLOYER_WORDS)} {rng.choice(EMPLOYER_SUFFIX)} (fictief)"
        title = rng.choice(TITLE_FORMS).format(t=occ_label, tl=_lower_first(occ_label), m=municipality)
        regimes = ["full_time"] if rng.random() < 0.68 else ["part_time"]
        if rng.random() < 0.15:
            regimes.append("shifts")
        if rng.random() < 0.10:
            regimes.append("weekends")
        if rng.random() < 0.04:
            regimes.append("nights")
        contract = rng.choices(["permanent", "temporary", "interim", "freelance", "flexi", "student"],
                               [55, 15, 20, 5, 3, 2])[0]
        low = occ_label.lower()
        if any(w in low for w in ("vrachtwagen", "chauffeur", "trekker")) and not any(
                w in low for w in ("heftruck", "reachtruck", "taxi", "bestel")):
            licence = rng.choice(["C", "CE", "CE"])
        elif "bus" in low or "autocar" in low:
            licence = "D"
        else:
            licence = "B" if rng.random() < 0.25 else None
        languages = []
        if rng.random() < 0.88:
            languages.append({"code": "nl", "level": rng.choices(["A2", "B1", "B2", "C1"], [10, 35, 40, 15])[0]})
        if rng.random() < (0.6 if pc < "1300" else 0.15):
            languages.append({"code": "fr", "level": rng.choice(["A2", "B1", "B2"])})
        if rng.random() < 0.18:
            languages.append({"code": "en", "level": rng.choice(["A2", "B1", "B2"])})
        diplomas = [rng.choice(VACANCY_DIPLOMAS)] if rng.random() < 0.2 else []
        # ----- text, with the offsets of every competence phrase
        parts: list[str] = []
        pos = 0
        comps: list[dict] = []

        def add(s: str) -> int:
            nonlocal pos
            start = pos
            parts.append(s)
            pos += len(s)
            return start

        add(f"{employer} zoekt voor de vestiging in {municipality} een {_lower_first(title)}.\n\nWat verwachten we?\n")
        noise = None
        for ids, importance, weight in ((ess, "essential", 1.0), (opt, "optional", 0.5)):
            if ids and importance == "optional":
                add("\nPluspunten\n")
            for cid in ids:
                sentence, said = self._sentence(cid, importance == "essential")
                start = add("- " + sentence + "\n") + 2
                off = sentence.find(said)
                ev = ([{"source": "vacancy_text", "text": said, "start": start + off, "end": start + off + len(said)}]
                      if off >= 0 else [])
                comps.append({"id": cid, "importance": importance, "weight": weight, "evidence": ev})
        if languages:
            add("- Talen: " + ", ".join(f"{l['code']} ({l['level']})" for l in languages) + ".\n")
        if licence:
            add(f"- Je hebt rijbewijs {licence}.\n")
        if diplomas:
            add(f"- Je hebt een {diplomas[0]}.\n")
        if rng.random() < 0.04:
            noise = rng.choice(NOISE_SENTENCES)
            add(f"- {noise[1]}\n")
        add(f"\nWat bieden we?\n- Een {({'permanent': 'vast contract', 'temporary': 'tijdelijk contract', 'interim': 'interimcontract met optie vast', 'freelance': 'freelance samenwerking', 'flexi': 'flexi-job', 'student': 'studentenjob'})[contract]}"
            f" ({', '.join({'full_time': 'voltijds', 'part_time': 'deeltijds', 'shifts': 'ploegen', 'weekends': 'weekendwerk', 'nights': 'nachtwerk'}[r] for r in regimes)}).\n")
        add(f"\n[{SYNTHETIC_NOTE}]\n")
        extra = {"generator": f"cmatch demo generate seed={self.seed}"}
        if noise:
            extra["noise"] = noise[0]
        return {"id": f"SYN-V-{n:06d}", "title": title, "employer": employer, "text": "".join(parts),
                "occupation_codes": [code], "competences": comps, "location": {"postcode": pc, "municipality": municipality},
                "regimes": regimes, "contract_type": contract, "driving_licence": licence, "languages": languages,
                "diplomas": diplomas, "remote": rng.random() < 0.03, "synthetic": True, "extra": extra}

    # ------------------------------------------------------------ portfolios
    def _evidence(self, cid: str, occ_label: str) -> list[dict]:
        rng = self.rng
        src = rng.choices([s for s, _ in SOURCE_WEIGHTS], [w for _, w in SOURCE_WEIGHTS])[0]
        y = rng.randint(2008, 2024)
        if src == "cv":
            return [{"source": "cv", "text": f"{y}-{min(y + rng.randint(1, 6), 2025)}: {_lower_first(occ_label)} bij "
                                             f"{rng.choice(EMPLOYER_WORDS)} {rng.choice(EMPLOYER_SUFFIX)} — {_lower_first(self.nl.get(cid, self.tax.label(cid)))}"}]
        if src == "evc":
            return [{"source": "evc", "text": f"EVC-attest {occ_label}", "date": f"{y}-06-30"}]
        if src == "experience_certificate":
            return [{"source": "experience_certificate", "text": f"Ervaringsbewijs {occ_label}", "date": f"{y}-03-15"}]
        if src == "counsellor_confirmed":
            return [{"source": "counsellor_confirmed", "confirmed_by": "VDAB-consulent (fictief)", "date": f"{y}-10-01"}]
        return [{"source": "self_declared"}]

    def portfolio(self, n: int) -> dict:
        rng = self.rng
        main = rng.choices(self.occupations, self.occ_weights)[0]
        occs = [main]
        if rng.random() < 0.3:
            occs.append(rng.choice(self.occupations))
        comp_ids: list[str] = []
        for k, code in enumerate(occs):
            ess = self.ess[code]
            share = rng.uniform(0.4, 0.9) if k == 0 else rng.uniform(0.2, 0.5)
            comp_ids += self._weighted_sample(ess, min(14, max(2, round(share * len(ess)))))
            if self.opt[code]:
                comp_ids += self._weighted_sample(self.opt[code], rng.randint(1, 5))
        for _ in range(rng.randint(0, 3)):
            comp_ids += self._weighted_sample(self.ess[rng.choice(self.occupations)], 1)
        seen, comps = set(), []
        for cid in comp_ids:
            if cid in seen:
                continue
            seen.add(cid)
            if rng.random() < 0.08 and cid in self.equivalent:
                cid = self.equivalent[cid]  # the ESCO equivalent: matched through the crosswalk
                if cid in seen:
                    continue
                seen.add(cid)
            comps.append({"id": cid, "evidence": self._evidence(cid, self.tax.occupation_label(main))})
        pc = self._place()
        prefs = [] if rng.random() < 0.1 else occs
        langs = []
        r = rng.random()
        if r < 0.6:
            langs.append({"code": "nl", "level": "C2"})
        elif r < 0.95:
            langs.append({"code": "nl", "level": rng.choice(["A2", "B1", "B1", "B2", "C1"])})
        for code, p in (("fr", 0.3), ("en", 0.4), ("ar", 0.06), ("tr", 0.04), ("pl", 0.03), ("ro", 0.03), ("uk", 0.02)):
            if rng.random() < p:
                langs.append({"code": code, "level": rng.choice(["A2", "B1", "B2", "C1", "C2"])})
        regimes = rng.choices([[], ["full_time"], ["part_time"], ["full_time", "shifts", "weekends"],
                               ["full_time", "part_time", "shifts", "weekends", "nights"]], [35, 30, 15, 12, 8])[0]
        contracts = [] if rng.random() < 0.7 else rng.choice([["permanent"], ["permanent", "temporary"],
                                                               ["permanent", "interim", "temporary"]])
        licences = rng.choices([["B"], [], ["B", "C", "CE"], ["AM"]], [62, 30, 5, 3])[0]
        age = rng.randint(18, 66)
        return {"id": f"SYN-P-{n:05d}", "competences": comps, "preferred_occupations": prefs,
                "location": {"postcode": pc, "municipality": MUNICIPALITIES[pc][0]},
                "max_distance_km": rng.choice([10, 15, 20, 25, 30, 40, 50, 75, None]),
                "regimes": regimes, "contract_types": contracts, "driving_licences": licences, "languages": langs,
                "personal": {"name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} (fictief)", "age": age,
                             "birth_year": 2025 - age, "gender": rng.choices(["man", "vrouw", "x"], [49, 49, 2])[0],
                             "nationality": rng.choice(NATIONALITIES), "diploma": rng.choice(DIPLOMAS)},
                "synthetic": True, "extra": {"generator": f"cmatch demo generate seed={self.seed}"}}


def generate(tax: MatchTaxonomy, store, out_dir: Path, *, vacancies: int = 20000, portfolios: int = 5000,
             seed: int = 42) -> GenerationReport:
    """Write ``vacancies.jsonl`` and ``portfolios.jsonl`` (import schema) to ``out_dir``."""
    t0 = time.perf_counter()
    gen = SyntheticGenerator(tax, store, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    vpath, ppath = out_dir / "vacancies.jsonl", out_dir / "portfolios.jsonl"
    n_short = 0
    with open(vpath.with_suffix(".tmp"), "w", encoding="utf-8") as fh:
        for i in range(1, vacancies + 1):
            v = gen.vacancy(i)
            n_short += bool(tax.shortage_of(v["occupation_codes"][0]))
            fh.write(json.dumps(v, ensure_ascii=False) + "\n")
    vpath.with_suffix(".tmp").replace(vpath)
    with open(ppath.with_suffix(".tmp"), "w", encoding="utf-8") as fh:
        for i in range(1, portfolios + 1):
            fh.write(json.dumps(gen.portfolio(i), ensure_ascii=False) + "\n")
    ppath.with_suffix(".tmp").replace(ppath)
    return GenerationReport(vacancies, portfolios, seed, round(time.perf_counter() - t0, 2),
                            {"vacancies": str(vpath), "portfolios": str(ppath)},
                            round(n_short / max(vacancies, 1), 3))


def prune_synthetic(repo, vacancies: int, portfolios: int) -> dict[str, int]:
    """Remove synthetic records of an earlier, larger generation (ids beyond this run's counts)."""
    keep_v = {f"SYN-V-{i:06d}" for i in range(1, vacancies + 1)}
    keep_p = {f"SYN-P-{i:05d}" for i in range(1, portfolios + 1)}
    stale_v = [i for i in repo.ids("vacancies", synthetic=True) if i.startswith("SYN-V-") and i not in keep_v]
    stale_p = [i for i in repo.ids("portfolios", synthetic=True) if i.startswith("SYN-P-") and i not in keep_p]
    if stale_v:
        repo.delete_vacancies(stale_v)
    if stale_p:
        repo.delete_portfolios(stale_p)
    return {"vacancies": len(stale_v), "portfolios": len(stale_p)}
