"""Ranking metrics and benchmark readers on hand-written miniatures (never the dev sets)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import metrics
from eval.readers import read_jobbert, read_labels, read_melo, read_skill_annotations

FIX = Path(__file__).resolve().parent.parent / "data" / "fixtures" / "eval"


def test_reciprocal_rank_and_mrr() -> None:
    assert metrics.reciprocal_rank(["a", "b", "c"], {"c"}) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(["a"], {"z"}) == 0.0
    assert metrics.mrr([["a", "b"], ["b"]], [{"b"}, {"b"}]) == pytest.approx(0.75)


def test_average_precision_counts_unreturned_relevant_as_missed() -> None:
    assert metrics.average_precision(["a", "x", "b"], {"a", "b"}) == pytest.approx((1 + 2 / 3) / 2)
    assert metrics.average_precision(["a"], {"a", "b"}) == pytest.approx(0.5)


def test_success_and_rp_at_k() -> None:
    assert metrics.success_at_k(["x", "y", "a"], {"a"}, 2) == 0.0
    assert metrics.success_at_k(["x", "y", "a"], {"a"}, 3) == 1.0
    # RP@k divides by min(k, |gold|)
    assert metrics.rp_at_k(["a", "x", "y", "z", "w"], {"a"}, 5) == 1.0
    assert metrics.rp_at_k(["a", "b", "x", "y", "z"], {"a", "b", "c", "d", "e", "f"}, 5) == pytest.approx(0.4)
    assert metrics.r_precision_at_k([["a"], ["x"]], [{"a"}, {"a"}], 5) == pytest.approx(0.5)


def test_read_melo_miniature() -> None:
    data = read_melo(FIX / "melo_tiny")
    assert [q for q, _ in data.queries] == ["Q1", "Q2", "Q3"]
    assert data.relevant["Q1"] == {"C1_nl_000", "C1_nl_001"}
    assert ("C4_nl_000", "Vrachtwagenbestuurder") in data.corpus


def test_read_skill_annotations_drops_no_label_rows() -> None:
    sentences = read_skill_annotations(FIX / "skills_tiny.csv")
    assert len(sentences) == 2  # "motivated" has only LABEL NOT PRESENT
    assert sentences[0].labels == {"operate forklift", "pick orders"}
    assert sentences[1].labels == {"prepare dishes"}
    assert read_labels(FIX / "skills_tiny_labels.txt")[0] == "operate forklift"


def test_read_jobbert() -> None:
    rows = read_jobbert(FIX / "jobbert_tiny.csv.gz")
    assert rows[0] == ("Forklift driver", "http://data.europa.eu/esco/occupation/t-forklift")


def test_lexical_melo_on_miniature(tmp_path, monkeypatch) -> None:
    """The lexical ranker needs no model: it runs end to end on the miniature."""
    from eval.melo import evaluate_melo
    from matcher.search.ranking import HybridRanker

    class NoStore:  # expansion off: no store needed
        pass

    class Svc:
        store = NoStore()

    r = evaluate_melo(FIX / "melo_tiny", Svc(), mode="lexical", expand=False, adapter=None)
    assert r["n_queries"] == 3
    assert r["success_1"] == 1.0 and r["mrr"] == 1.0
    assert set(r) >= {"mrr", "map", "success_1", "success_5", "success_10", "n_queries"}
    assert HybridRanker(["a b", "c"], cache=None, mode="lexical").rank(["a b"], k=1)[0][0][0] == 0


@pytest.mark.slow
def test_eval_commands_json_on_miniatures(mini_services, monkeypatch) -> None:
    """The three commands print the JSON keys the issue asks for, on any file of the format."""
    from typer.testing import CliRunner

    import cmatch.commands.eval as ecli
    from cmatch.cli import app

    monkeypatch.setattr(ecli.Components, "from_env", classmethod(lambda cls: mini_services))
    runner = CliRunner()
    r = runner.invoke(app, ["eval", "melo", str(FIX / "melo_tiny"), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {"mrr", "map", "success_1", "success_5", "success_10", "n_queries"} <= set(out)
    assert out["n_queries"] == 3 and out["success_5"] == 1.0
    r = runner.invoke(app, ["eval", "skills", str(FIX / "skills_tiny.csv"), "--labels",
                            str(FIX / "skills_tiny_labels.txt"), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {"rp_5", "rp_10", "mrr", "n_sentences"} <= set(out) and out["n_sentences"] == 2
    assert out["rp_5"] > 50
    r = runner.invoke(app, ["eval", "jobbert", str(FIX / "jobbert_tiny.csv.gz"), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {"mrr", "acc_1", "acc_5", "acc_10", "n_queries"} <= set(out) and out["n_queries"] == 3
    assert out["acc_5"] == 1.0
