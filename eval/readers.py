"""Readers for the benchmark formats (MELO, TECH/HOUSE, JobBERT); no other module reads them."""
from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

csv.field_size_limit(10_000_000)

NO_LABEL = {"LABEL NOT PRESENT", "UNDERSPECIFIED"}


def _open_text(path: Path):
    path = Path(path)
    raw = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{folder}: {name}[.gz] ontbreekt (MELO-formaat verwacht).")


def _tsv(path: Path) -> list[list[str]]:
    with _open_text(path) as fh:
        return [row for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if row and any(row)]


@dataclass
class MeloSet:
    name: str
    queries: list[tuple[str, str]]              # (qid, text)
    corpus: list[tuple[str, str]]               # (cid, text)
    relevant: dict[str, set[str]]               # qid -> relevant cids


def read_melo(folder: Path) -> MeloSet:
    """queries.tsv, corpus_elements.tsv[.gz], annotations.tsv[.gz] (qrels: qid 0 cid rel)."""
    folder = Path(folder)
    queries = [(r[0], r[1]) for r in _tsv(_find(folder, "queries.tsv"))]
    corpus = [(r[0], r[1]) for r in _tsv(_find(folder, "corpus_elements.tsv"))]
    relevant: dict[str, set[str]] = defaultdict(set)
    for r in _tsv(_find(folder, "annotations.tsv")):
        if len(r) >= 4 and r[3].strip() not in ("", "0"):
            relevant[r[0]].add(r[2])
    queries = [q for q in queries if q[0] in relevant]
    return MeloSet(folder.name, queries, corpus, dict(relevant))


@dataclass
class SkillSentence:
    sentence: str
    labels: set[str]


def read_skill_annotations(path: Path) -> list[SkillSentence]:
    """TECH/HOUSE CSV ``sentence,span,sub_span,label``; sentences with ≥1 real label, in order."""
    gold: dict[str, set[str]] = {}
    with _open_text(Path(path)) as fh:
        reader = csv.DictReader(fh)
        missing = {"sentence", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: kolommen {', '.join(sorted(missing))} ontbreken.")
        for row in reader:
            s = row["sentence"]
            gold.setdefault(s, set())
            label = (row["label"] or "").strip()
            if label and label not in NO_LABEL:
                gold[s].add(label)
    return [SkillSentence(s, g) for s, g in gold.items() if g]


def read_labels(path: Path) -> list[str]:
    with _open_text(Path(path)) as fh:
        return list(dict.fromkeys(line.strip() for line in fh if line.strip()))


def read_jobbert(path: Path) -> list[tuple[str, str]]:
    """``,vacancyTitle,conceptUri`` -> [(title, uri)]."""
    with _open_text(Path(path)) as fh:
        reader = csv.DictReader(fh)
        if not {"vacancyTitle", "conceptUri"} <= set(reader.fieldnames or []):
            raise ValueError(f"{path}: kolommen vacancyTitle en conceptUri verwacht.")
        return [(r["vacancyTitle"].strip(), r["conceptUri"].strip()) for r in reader if r["vacancyTitle"].strip()]
