"""The search evaluation: nDCG arithmetic and a run over a tiny judged set."""

import csv
import gzip
import math

from django.test import override_settings

import pytest

from ai_assist.evaluation.search import dcg, ndcg_at_k, run
from ai_assist.retrieval.embedders import reset_embedders

HASHING = "ai_assist.testing.embedders.HashingEmbedder"


def test_dcg_uses_exponential_gain_and_log_discount():
    # (2^3-1)/log2(2) + (2^0-1)/log2(3) + (2^1-1)/log2(4)
    assert dcg([3, 0, 1]) == pytest.approx(7 + 0 + 0.5)


def test_ndcg_is_one_for_the_ideal_order():
    judged = {"a": 3, "b": 2, "c": 0}

    assert ndcg_at_k(["a", "b", "c"], judged, judged_only=False) == 1.0


def test_ndcg_with_unjudged_counted_as_zero():
    judged = {"a": 3, "b": 1}
    ranked = ["x", "a", "b"]  # x is unjudged

    expected = (7 / math.log2(3) + 1 / math.log2(4)) / (7 + 1 / math.log2(3))
    assert ndcg_at_k(ranked, judged, judged_only=False) == pytest.approx(expected)


def test_ndcg_over_judged_drops_unjudged_before_cutting():
    judged = {"a": 3, "b": 1}
    ranked = ["x", "a", "y", "b"]

    assert ndcg_at_k(ranked, judged, judged_only=True) == 1.0
    assert ndcg_at_k(["b", "x", "a"], judged, judged_only=True) == pytest.approx(
        (1 + 7 / math.log2(3)) / (7 + 1 / math.log2(3))
    )


def test_ndcg_cuts_at_k():
    judged = {"a": 3, "b": 3}

    assert ndcg_at_k(["x", "a", "b"], judged, k=1, judged_only=False) == 0.0


def test_query_without_relevant_products_has_no_ndcg():
    assert ndcg_at_k(["a"], {"a": 0, "b": 0}, judged_only=True) is None


@pytest.fixture
def judged_files(tmp_path, settings):
    settings.BASE_DIR = tmp_path  # the embedding cache goes under tmp_path/var
    catalog = tmp_path / "products.csv.gz"
    rows = [
        ("1", "Kensington laptop sleeve 15 inch", "Kensington", "Laptop case"),
        ("2", "HP wireless optical mouse", "HP", "Mouse, 2.4 GHz"),
        ("3", "Logitech gaming mouse RGB", "Logitech", "Mouse for games"),
        ("4", "Philips portable CD player", "Philips", "CD player"),
        ("5", "Case Logic camera bag black", "Case Logic", "Bag for cameras"),
    ]
    with gzip.open(catalog, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "supplier", "short_description"])
        writer.writerows(rows)
    judgments = tmp_path / "judgments.csv"
    with open(judgments, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["query", "docid", "rating"])
        writer.writerows(
            [
                ("wireless mouse", "2", 3),
                ("wireless mouse", "3", 1),
                ("camera bag", "5", 3),
                ("camera bag", "1", 0),
                ("netflix", "4", 0),
            ]
        )
    return catalog, judgments


def test_run_reports_every_method_on_a_tiny_judged_set(judged_files):
    catalog, judgments = judged_files
    with override_settings(AI_ASSIST={"EMBEDDER": HASHING}):
        reset_embedders()
        result = run(catalog=str(catalog), judgments=str(judgments))
    reset_embedders()

    assert set(result["methods"]) == {"bm25", "embedding", "hybrid"}
    assert result["queries"] == 3
    assert result["queries_with_relevant"] == 2
    # Both queries' best product is the top BM25 hit.
    assert result["methods"]["bm25"]["ndcg@10_judged"] == 1.0
    for figures in result["methods"].values():
        assert 0 <= figures["ndcg@10_unjudged0"] <= figures["ndcg@10_judged"] <= 1
    assert list((catalog.parent / "var" / "evaluation").glob("*.npy"))


def test_run_rejects_a_catalogue_without_ids(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("title\nsomething\n")

    with pytest.raises(ValueError, match="id"):
        run(catalog=str(bad), judgments=str(bad))
