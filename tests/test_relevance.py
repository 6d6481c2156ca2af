"""The relevance benchmark's rules and metrics (the figures themselves come from ``cmatch eval relevance``)."""
from __future__ import annotations

import json

import pytest

from eval.relevance import GOLD, Person, judge, load_persons, ndcg, precision, read_judgments


def test_every_gold_text_has_targets() -> None:
    persons = load_persons()
    assert len(persons) >= 40
    assert all(p.good or p.acceptable for p in persons)
    assert all(not set(p.good) & set(p.acceptable) for p in persons)


def test_judging_rules_use_targets_and_occupation_only() -> None:
    p = Person("x", "heftruck", ["OP-388"], ["OP-391"])
    to_op = {"esco:forklift": "OP-388"}.get
    assert judge(p, ["OP-388"], lambda c: c) == (2, "R1 beroep van de persoon")
    assert judge(p, ["esco:forklift"], lambda c: to_op(c, c))[0] == 2  # an ESCO occupation via the crosswalk
    assert judge(p, ["OP-391"], lambda c: c)[0] == 1
    assert judge(p, ["OP-513"], lambda c: c) == (0, "R3 ander beroep")


def test_metrics() -> None:
    assert ndcg([2, 1, 0], [2, 1, 0]) == pytest.approx(1.0)
    assert ndcg([0, 1, 2], [2, 1, 0]) < ndcg([2, 1, 0], [2, 1, 0])
    assert ndcg([0, 0], []) == 0.0
    assert precision([1, 0, 2, 0, 0]) == pytest.approx(0.4)


def test_judgments_file_round_trip(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps({"person": "cv-001", "vacancy": "V1", "grade": 2, "rule": "R1",
                                "pool_commit": "abc"}) + "\n", encoding="utf-8")
    assert read_judgments(path)[("cv-001", "V1")]["grade"] == 2
    assert (GOLD / "relevance" / "GUIDE.md").exists()
