"""The wording evaluation: held-out split, per-criterion figures, bad input named."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.wording import evaluate_wording, read_gold

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold" / "wording"


def test_gold_set_has_19_criteria_and_a_held_out_third():
    gold = read_gold(GOLD)
    crits = {g.criterion for g in gold}
    assert len(crits) == 19
    for c in crits:
        mine = [g for g in gold if g.criterion == c]
        assert sum(g.heldout for g in mine) == len(mine) // 3
        assert sum(1 for g in mine if g.expected) >= 10 and sum(1 for g in mine if not g.expected) >= 5


def test_figures_per_criterion(tmp_path):
    for name, rows in (("age", [("Je bent max. 30 jaar.", ["age"]), ("Je werkt met collega's.", []),
                                ("Geen vakbondsleden.", ["age"])]),):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(json.dumps(
            {"id": f"{name}-{i}", "criterion": name, "text": t, "expected": e, "kind": "explicit" if e else "neutral"})
            for i, (t, e) in enumerate(rows)), encoding="utf-8")
    res = evaluate_wording(tmp_path)
    age = res["all"]["per_criterion"]["age"]
    assert (age["tp"], age["fn"], age["recall"]) == (1, 1, 0.5)
    tu = res["all"]["per_criterion"]["trade_union"]
    assert tu["fp"] == 1 and tu["precision"] == 0.0
    assert res["heldout"]["sentences"] == 1 and res["dev"]["sentences"] == 2
    assert res["all"]["recall_by_kind"] == {"explicit": 0.5} and res["all"]["clean_by_kind"] == {"neutral": 1.0}


def test_kind_figures_count_a_positive_only_when_every_criterion_is_found(tmp_path):
    rows = [("Jonge vrouw gezocht.", ["age", "sex"], "explicit"), ("Je bent max. 30 jaar.", ["age", "sex"], "implicit"),
            ("Voor de rol van moeder zoeken we een actrice.", [], "legitimate")]
    (tmp_path / "age.jsonl").write_text("\n".join(json.dumps(
        {"id": f"age-{i}", "criterion": "age", "text": t, "expected": e, "kind": k})
        for i, (t, e, k) in enumerate(rows)), encoding="utf-8")
    part = evaluate_wording(tmp_path)["all"]
    assert part["recall_by_kind"] == {"explicit": 1.0, "implicit": 0.0}
    assert part["clean_by_kind"] == {"legitimate": 1.0} and part["warnings_on_legitimate"] == 0


def test_dev_part_of_the_gold_set_stays_caught_and_clean():
    """A regression guard on the sentences the rules were written from (dev), not evidence of quality."""
    dev = evaluate_wording(GOLD)["dev"]
    assert dev["micro_recall"] >= 0.95 and dev["micro_precision"] >= 0.95
    assert dev["warnings_on_legitimate"] == 0 and dev["criteria_recall_ge_0_9"] == 19


def test_bad_line_names_file_and_line(tmp_path):
    (tmp_path / "age.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"age.jsonl, regel 1"):
        read_gold(tmp_path)
