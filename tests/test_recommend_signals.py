"""The sparse signals, the ranker and the offline evaluation (no database)."""

import gzip
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy import sparse

from ai_assist.adapters import PurchaseRow
from ai_assist.recommend import ranker, signals
from ai_assist.recommend.build import build_signals, index_purchases

NOW = datetime(2024, 6, 1)


def rows(*orders, customer=None, days_ago=1):
    """PurchaseRows for baskets given as lists of product ids."""
    out = []
    for number, basket in enumerate(orders):
        for product in basket:
            out.append(
                PurchaseRow(
                    f"{customer}-{days_ago}-{number}",
                    customer,
                    product,
                    1,
                    NOW - timedelta(days=days_ago),
                )
            )
    return out


def test_cooccurrence_keeps_top_k_without_the_diagonal():
    baskets = sparse.csr_matrix(
        np.array([[1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]], dtype=np.float32)
    )

    m = signals.cooccurrence_neighbours(baskets, k=1, shrink=0)

    assert m.shape == (4, 4)
    assert m.diagonal().sum() == 0
    assert np.diff(m.indptr).max() == 1
    assert m[0].indices.tolist() == [1]


def test_cooccurrence_works_block_by_block(monkeypatch):
    baskets = sparse.random(200, 60, density=0.08, random_state=2, format="csr")
    baskets.data[:] = 1
    whole = signals.cooccurrence_neighbours(baskets, k=5)
    monkeypatch.setattr(signals, "BLOCK_ROWS", 7)

    blocked = signals.cooccurrence_neighbours(baskets, k=5)

    assert (whole != blocked).nnz == 0


def test_best_seller_does_not_top_every_list():
    data = rows(
        *[["bag", "teapot", "cup"]] * 3,
        *[["bag", "gloves", "trowel"]] * 3,
        *[["bag"]] * 20,
        *[["bag", "lamp"]] * 4,
    )

    built = build_signals(data, now=NOW, k=3)
    lists = built.lists("co_purchase")

    assert lists["teapot"][0][0] == "cup"
    assert lists["gloves"][0][0] == "trowel"


def test_long_baskets_count_less_than_short_ones():
    data = rows(["a", "b"], ["a", "c", *[f"x{i}" for i in range(60)]])

    lists = build_signals(data, now=NOW, k=5).lists("co_purchase")

    scores = dict(lists["a"])
    assert scores["b"] > scores["c"]


def test_customer_lists_hold_what_buyers_went_on_to_buy():
    data = []
    for customer in ("c1", "c2"):
        data += rows(["kettle"], customer=customer, days_ago=30)
        data += rows(["descaler", "mug"], customer=customer, days_ago=10)
    data += rows(["old-kettle"], customer="c1", days_ago=60)

    lists = build_signals(data, now=NOW, k=5).lists("co_customer")

    assert {pid for pid, _ in lists["kettle"]} == {"descaler", "mug"}
    # Bought in the same order counts; bought before does not.
    assert {pid for pid, _ in lists["descaler"]} == {"mug"}
    assert "kettle" in {pid for pid, _ in lists["old-kettle"]}


def test_customer_stages_pair_each_item_with_later_and_same_order_ones():
    data, ids = index_purchases(
        rows(["a"], customer="c", days_ago=9)
        + rows(["b", "c"], customer="c", days_ago=5)
        + rows(["a", "d"], customer="c", days_ago=1),  # a again: not new
        now=NOW,
    )
    at = {pid: i for i, pid in enumerate(ids)}

    owned, new = signals.customer_stages(data)
    pairs = (owned.T @ new).toarray() > 0

    assert owned.shape[0] == new.shape[0] == 3  # a / b+c / d
    assert pairs[at["a"], [at["b"], at["c"], at["d"]]].all()
    assert pairs[at["b"], at["c"]] and pairs[at["c"], at["b"]]
    assert not pairs[at["b"], at["a"]]
    assert pairs[at["d"]].sum() == 1  # only d itself: nothing came after


def test_cooccurrence_normalises_by_the_totals_given():
    baskets = sparse.csr_matrix(np.array([[1, 1, 1], [1, 1, 1]], dtype=np.float32))

    plain = signals.cooccurrence_neighbours(baskets, k=2, shrink=0)
    popular_2 = signals.cooccurrence_neighbours(
        baskets, k=2, shrink=0, totals=np.array([2, 2, 50], dtype=np.float32)
    )

    assert plain[0, 1] == pytest.approx(plain[0, 2])
    assert popular_2[0, 2] < popular_2[0, 1]


def test_trending_favours_recent_orders():
    data = rows(*[["old"]] * 5, days_ago=60) + rows(*[["new"]] * 3, days_ago=1)

    top = build_signals(data, now=NOW, trending_half_life=7).top_trending(2)

    assert [pid for pid, _ in top] == ["new", "old"]
    assert top[0][1] == 1.0


def test_content_neighbours_use_the_vectors_in_blocks():
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    m = signals.content_neighbours(vectors, k=1, block=3)

    assert [m[i].indices.tolist() for i in range(4)] == [[1], [0], [3], [2]]


def test_history_weights_count_repeats_with_diminishing_returns():
    weights = ranker.history_weights(
        [("a", 1, "order")] * 4 + [("b", 1, "order")], half_life_days=None
    )

    assert weights["a"] > weights["b"]
    assert weights["a"] < 4 * weights["b"]
    assert sum(weights.values()) == pytest.approx(1.0)


def test_history_weights_fade_with_age():
    weights = ranker.history_weights(
        [("old", 180, "order"), ("new", 1, "order")], half_life_days=30
    )

    assert weights["new"] > weights["old"]


def test_score_candidates_blends_signals_and_remembers_the_cause():
    neighbours = {
        "co_purchase": {"a": [("x", 0.9), ("y", 0.1)]},
        "content": {"a": [("y", 0.8)]},
    }

    scored = ranker.score_candidates(
        {"a": 1.0},
        neighbours,
        popularity={"z": 1.0},
        weights={"co_purchase": 1.0, "content": 0.1, "trending": 0.5},
    )
    best = ranker.top(scored, 3)

    assert [s.product_id for s in best] == ["x", "z", "y"]
    assert (best[0].signal, best[0].because_of) == ("co_purchase", "a")
    assert best[1].signal == "trending"


def test_a_signal_on_a_larger_scale_does_not_drown_the_others():
    # Co-purchase scores are small normalised counts, text cosines large;
    # each signal is scaled to its own maximum before it is weighted.
    neighbours = {
        "co_purchase": {"a": [("x", 0.05), ("y", 0.01)]},
        "content": {"a": [("y", 0.9), ("z", 0.85)]},
    }

    scored = ranker.score_candidates(
        {"a": 1.0},
        neighbours,
        weights={"co_purchase": 1.0, "content": 0.5, "trending": 0.0},
    )
    best = ranker.top(scored, 3)

    assert [s.product_id for s in best] == ["x", "y", "z"]
    assert [s.score for s in best[:2]] == pytest.approx([1.0, 0.2 + 0.5])
    assert (best[1].signal, best[1].because_of) == ("content", "a")


def test_top_excludes_and_breaks_ties_by_id():
    scored = {p: ranker.Scored(p, 1.0) for p in ["c", "a", "b"]}

    assert [s.product_id for s in ranker.top(scored, 5, exclude={"b"})] == [
        "a",
        "c",
    ]


# --- The evaluation ------------------------------------------------------------------

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,"
CSV = (
    HEADER
    + """CustomerID,Country
1,10001,RED TEAPOT,1,2011-10-01 10:00:00,3.0,100,UK
1,10002,RED TEA CUP,2,2011-10-01 10:00:00,1.0,100,UK
2,10001,RED TEAPOT,1,2011-10-02 10:00:00,3.0,200,UK
2,10002,RED TEA CUP,1,2011-10-02 10:00:00,1.0,200,UK
3,10001,RED TEAPOT,1,2011-10-03 10:00:00,3.0,300,UK
3,20001,GARDEN GLOVES,1,2011-10-03 10:00:00,3.0,300,UK
4,20001,GARDEN GLOVES,1,2011-10-04 10:00:00,3.0,400,UK
4,20002,GARDEN TROWEL,1,2011-10-04 10:00:00,3.0,400,UK
5,20001,GARDEN GLOVES,1,2011-10-05 10:00:00,3.0,,UK
5,20002,GARDEN TROWEL,1,2011-10-05 10:00:00,3.0,,UK
C6,10002,RED TEA CUP,-1,2011-10-06 10:00:00,1.0,300,UK
7,POST,POSTAGE,1,2011-10-06 10:00:00,18.0,300,UK
8,10002,RED TEA CUP,1,2011-11-10 10:00:00,1.0,300,UK
9,20002,GARDEN TROWEL,1,2011-11-11 10:00:00,3.0,300,UK
9,10001,RED TEAPOT,1,2011-11-11 10:00:00,3.0,300,UK
"""
)


def test_evaluation_reports_every_method_on_new_items_only(tmp_path):
    from ai_assist.evaluation import recommendations

    path = tmp_path / "orders.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(CSV)

    result = recommendations.run(
        orders=str(path),
        split_date="2011-11-09",
        embedder="ai_assist.testing.embedders.HashingEmbedder",
        als_factors=4,
        als_iterations=2,
    )

    # Customer 300 had the teapot and gloves; the teapot again is no target.
    assert result["data"]["users"] == 1
    assert set(result["methods"]) == {"ours", "popularity", "als"}
    ours = result["methods"]["ours"]
    assert set(ours) >= {"hr@10", "recall@10", "ndcg@10", "coverage"}
    assert ours["hr@10"] == 1.0
    assert ours["recall@10"] == 1.0


def test_evaluation_reports_each_of_several_split_dates(tmp_path):
    from ai_assist.evaluation import recommendations

    path = tmp_path / "orders.csv"
    path.write_text(CSV)

    result = recommendations.run(
        orders=str(path),
        split_date="2011-10-04, 2011-11-09",
        embedder="none",
        als_factors=4,
        als_iterations=2,
    )

    dates = [split["data"]["split_date"] for split in result["splits"]]
    assert dates == ["2011-10-04", "2011-11-09"]
    assert set(result["ours_vs_als"]) == set(dates)
    # On 2011-10-04 customer 300 has the teapot and gloves; the cup and
    # the trowel follow, and the trowel is first sold that day, so no
    # method can know it yet.
    assert result["splits"][0]["data"]["users"] == 1
    assert result["splits"][0]["methods"]["ours"]["hr@10"] == 1.0
    assert result["splits"][0]["methods"]["ours"]["recall@10"] == 0.5


def test_evaluation_history_reads_as_many_orders_as_the_service(monkeypatch):
    from ai_assist.evaluation import recommendations

    monkeypatch.setattr(recommendations, "ORDERS_READ", 2)
    train = rows(["a"], ["b"], customer="c", days_ago=9)
    train += rows(["c", "d"], customer="c", days_ago=5)
    train += rows(["e"], customer="c", days_ago=1)

    events = recommendations._recent_orders(train, ["c"], NOW)

    assert sorted(pid for pid, _ in events["c"]) == ["c", "d", "e"]
    assert dict(events["c"])["e"] == pytest.approx(1.0)


def test_evaluation_refuses_a_bad_split_date(tmp_path):
    from ai_assist.evaluation import recommendations

    path = tmp_path / "orders.csv"
    path.write_text(CSV)

    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        recommendations.run(orders=str(path), split_date="9 Nov")
    with pytest.raises(ValueError, match="no order lines"):
        recommendations.run(orders=str(path), split_date="2030-01-01")


def test_years_old_orders_still_give_lists_and_trending():
    data = rows(["teapot", "cup"], ["teapot", "cup"], ["lamp"], days_ago=3000)

    built = build_signals(data, now=NOW, k=3, trending_half_life=7)

    assert built.lists("co_purchase")["teapot"][0][0] == "cup"
    assert built.top_trending(3)[0][1] == 1.0
