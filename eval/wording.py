"""Recall and precision of the vacancy wording check, per protected criterion.

Reads a gold folder of ``<criterion>.jsonl`` files (format: ``data/gold/wording/README.md``):
one sentence per line with the criteria it violates (``expected``; empty for a negative) and
its ``kind`` (explicit / implicit / discouraging; legitimate / neutral / inclusive). Each
sentence is checked on its own, without a title (:func:`matcher.drafting.wording.criteria_found`).

The rules were written while looking at part of the set, so the figures are given twice:
``dev`` (the sentences looked at) and ``heldout`` (every ``HOLDOUT_EVERY``-th sentence of each
file, counting from the ``HOLDOUT_EVERY``-th, never looked at while writing the rules). Only
``heldout`` is evidence; ``dev`` and ``all`` are regression figures.

Per criterion c: recall = sentences expecting c that got c / sentences expecting c;
precision = sentences that got c and expect c / sentences that got c (over the whole part, so a
religion sentence flagged for "sex" is a false positive of "sex"). Also: every warning (any
criterion, diploma advice included) on a ``legitimate`` sentence — the target is 0. Per ``kind``:
``recall_by_kind`` (positives whose every expected criterion was found) and ``clean_by_kind``
(negatives without any protected-criterion warning).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HOLDOUT_EVERY = 3


@dataclass
class GoldSentence:
    id: str
    criterion: str
    language: str
    text: str
    expected: frozenset[str]
    kind: str
    heldout: bool


def read_gold(folder: Path) -> list[GoldSentence]:
    """Every sentence of ``folder/*.jsonl``; a bad line names its file and line number."""
    out: list[GoldSentence] = []
    files = sorted(Path(folder).glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"geen .jsonl-bestanden in {folder}")
    for f in files:
        lines = [ln for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for i, ln in enumerate(lines):
            try:
                r = json.loads(ln)
                out.append(GoldSentence(r["id"], r["criterion"], r.get("language", "nl"), r["text"],
                                        frozenset(r["expected"]), r.get("kind", ""),
                                        i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{f}, regel {i + 1}: ongeldige zin ({exc})") from exc
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def score_part(rows: list[tuple[GoldSentence, set[str], list]], criteria: tuple[str, ...]) -> dict:
    per: dict[str, dict] = {}
    tp_all = fn_all = fp_all = 0
    for c in criteria:
        tp = sum(1 for g, got, _ in rows if c in g.expected and c in got)
        fn = sum(1 for g, got, _ in rows if c in g.expected and c not in got)
        fp = sum(1 for g, got, _ in rows if c not in g.expected and c in got)
        tp_all, fn_all, fp_all = tp_all + tp, fn_all + fn, fp_all + fp
        per[c] = {"recall": _ratio(tp, tp + fn), "precision": _ratio(tp, tp + fp), "tp": tp, "fn": fn, "fp": fp,
                  "missed": [g.id for g, got, _ in rows if c in g.expected and c not in got],
                  "false_alarms": [g.id for g, got, _ in rows if c not in g.expected and c in got]}
    recalls = [v["recall"] for v in per.values() if v["recall"] is not None]
    precisions = [v["precision"] for v in per.values() if v["precision"] is not None]
    legit = [(g, ws) for g, _, ws in rows if g.kind == "legitimate"]
    negatives = [(g, got) for g, got, _ in rows if not g.expected]
    positives = [(g, got) for g, got, _ in rows if g.expected]
    return {
        "sentences": len(rows), "positives": len(positives), "negatives": len(negatives),
        "micro_recall": _ratio(tp_all, tp_all + fn_all), "micro_precision": _ratio(tp_all, tp_all + fp_all),
        "macro_recall": round(sum(recalls) / len(recalls), 4) if recalls else None,
        "macro_precision": round(sum(precisions) / len(precisions), 4) if precisions else None,
        "criteria_recall_ge_0_9": sum(1 for r in recalls if r >= 0.9),
        "criteria_precision_ge_0_9": sum(1 for p in precisions if p >= 0.9),
        "sentence_flagged_rate_positives": _ratio(sum(1 for _, got in positives if got), len(positives)),
        "sentence_clean_rate_negatives": _ratio(sum(1 for _, got in negatives if not got), len(negatives)),
        "recall_by_kind": {k: _ratio(sum(1 for g, got in positives if g.kind == k and g.expected <= got),
                                     sum(1 for g, _ in positives if g.kind == k))
                           for k in sorted({g.kind for g, _ in positives})},
        "clean_by_kind": {k: _ratio(sum(1 for g, got in negatives if g.kind == k and not got),
                                    sum(1 for g, _ in negatives if g.kind == k))
                          for k in sorted({g.kind for g, _ in negatives})},
        "legitimate_sentences": len(legit),
        "warnings_on_legitimate": sum(len(ws) for _, ws in legit),
        "legitimate_with_warning": [g.id for g, ws in legit if ws],
        "per_criterion": per,
    }


def evaluate_wording(folder: Path) -> dict:
    """Per-criterion recall and precision on the dev, held-out and whole set (see module doc)."""
    from matcher.drafting.wording import PROTECTED, check_text

    gold = read_gold(Path(folder))
    rows = []
    for g in gold:
        ws = check_text("", g.text)
        rows.append((g, {w.criterion for w in ws if w.criterion in PROTECTED}, ws))
    parts = {"heldout": [r for r in rows if r[0].heldout], "dev": [r for r in rows if not r[0].heldout], "all": rows}
    return {"folder": str(folder), "holdout": f"every {HOLDOUT_EVERY}rd sentence of each file (index % {HOLDOUT_EVERY} == "
                                              f"{HOLDOUT_EVERY - 1}); rules written looking at the dev part only",
            "criteria": list(PROTECTED), **{name: score_part(part, PROTECTED) for name, part in parts.items()}}
