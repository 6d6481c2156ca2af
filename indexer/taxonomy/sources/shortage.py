"""VDAB knelpuntberoepen: the shortage list, linked to Competent occupations by verified matches only."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from indexer.taxonomy.records import Occupation, Scheme, ShortageEntry, Taxonomy
from indexer.taxonomy.sources.common import declared_input, bad_value, normalise_title, read_rows, require

SHORTAGE = declared_input("shortage")


def load_shortage(data_dir: Path, competent: dict[str, Occupation]) -> list[ShortageEntry]:
    """Link each knelpuntberoep title to a Competent occupation, but only through a verified match.

    Verified: the source's own exact / before-the-colon title match (with the code present in
    the Competent vocabulary), or our normalised title equality (case, accents, hyphens,
    ``(m/v/x)`` ignored). The source's fuzzy candidates are kept for the report only.
    """
    by_title: dict[str, str] = {}
    for code, occ in competent.items():
        by_title.setdefault(normalise_title(occ.labels["nl"]), code)
    out: list[ShortageEntry] = []
    for line, row in read_rows(data_dir, SHORTAGE):
        title = require(SHORTAGE, data_dir, line, row["title_nl"], "title_nl")
        match = row["competent_match"].strip()
        code = row["competent_code_v3_8"].strip() or None
        if match in ("exact", "prefix_before_colon") and code in competent:
            verified = match
        else:
            code = by_title.get(normalise_title(title)) or by_title.get(normalise_title(title.split(":")[0]))
            verified = "normalised_title" if code else "none"
        try:
            year = int(row["year"].strip())
        except ValueError:
            raise bad_value(data_dir, SHORTAGE, line, f"jaar {row['year']!r} is geen getal.")
        out.append(ShortageEntry(
            title=title, sector_group=row["sector_group_nl"].strip(),
            on_decree_list=row["on_ministerial_decree_2025_list"].strip().lower() == "true",
            year=year, competent_code=code, match=verified,
            candidate="" if code else row["fuzzy_candidate_unverified"].strip(),
        ))
    return out


def load(data_dir: Path, tax: Taxonomy, step: Callable[[str], None]) -> str:
    """Needs the Competent occupations in ``tax`` (so it comes after :mod:`.competent`)."""
    competent = {code: occ for code, occ in tax.occupations.items() if occ.source == "competent"}
    tax.shortage.extend(load_shortage(data_dir, competent)); step(SCHEME.steps[0])
    return ",".join(sorted({str(e.year) for e in tax.shortage}))


SCHEME = Scheme(name="knelpuntberoepen", inputs=(SHORTAGE,), steps=("knelpuntberoepen",), load=load)
