"""Recommendations on real orders: our ranker against popularity and ALS.

Reads the UCI Online Retail CSV (optionally gzipped), trains on the lines
before ``--split-date`` and, for each customer who bought on both sides of
it, asks each method for ten products. The targets are the products the
customer bought from that date on and never before, so re-buying a known
favourite earns nothing. Our method runs the production code:
:func:`ai_assist.recommend.build.build_signals` builds the neighbour lists
and :func:`ai_assist.recommend.ranker.score_candidates` blends them over
the same window of recent orders the live service reads.

A change to the ranker should hold at several split dates, not one: the
later the date, the shorter the test window, and what wins over a month
before Christmas (trending, recent pairs) is not what wins over the eight
months after April. ``--split-date`` takes a comma-separated list for
that and then reports each date and ours/ALS ratios side by side.
"""

import csv
import gzip
import hashlib
import logging
import math
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

from ..adapters import PurchaseRow
from ..conf import ai_settings
from ..recommend import ranker
from ..recommend.build import build_signals
from ..recommend.services import ORDERS_READ

logger = logging.getLogger(__name__)

K = 10


def add_arguments(parser):
    parser.add_argument(
        "--orders", required=True, help="UCI Online Retail CSV or CSV.gz file."
    )
    parser.add_argument(
        "--split-date",
        required=True,
        help="YYYY-MM-DD: train before this date, test from it on. Several "
        "dates, comma-separated, evaluate each in turn.",
    )
    parser.add_argument(
        "--embedder",
        default=None,
        help="Embedder for the content signal (default: AI_ASSIST EMBEDDER; "
        "'none' leaves content similarity out).",
    )
    parser.add_argument("--als-factors", type=int, default=64)
    parser.add_argument("--als-iterations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)


def run(
    *,
    orders,
    split_date,
    embedder=None,
    als_factors=64,
    als_iterations=20,
    seed=42,
    **_,
):
    """Evaluate every method; returns ``{"methods": {...}, ...}``.

    With several comma-separated split dates, returns ``{"splits": [one
    such result per date], "ours_vs_als": {date: {metric: ratio}}}``.
    """
    dates = [part.strip() for part in str(split_date).split(",") if part.strip()]
    splits = []
    for date in dates:
        try:
            splits.append(datetime.strptime(date, "%Y-%m-%d"))
        except ValueError as exc:
            raise ValueError(f"--split-date must be YYYY-MM-DD, got {date!r}") from exc
    if not splits:
        raise ValueError(f"--split-date must be YYYY-MM-DD, got {split_date!r}")
    lines, titles = load_orders(orders)
    options = {
        "embedder": embedder,
        "als_factors": als_factors,
        "als_iterations": als_iterations,
        "seed": seed,
    }
    results = [
        _run_split(lines, titles, date, split, **options)
        for date, split in zip(dates, splits, strict=True)
    ]
    if len(results) == 1:
        return results[0]
    return {
        "splits": results,
        "ours_vs_als": {
            result["data"]["split_date"]: _ratios(result["methods"])
            for result in results
        },
    }


def _run_split(
    lines, titles, split_date, split, *, embedder, als_factors, als_iterations, seed
):
    """Every method trained before ``split`` and scored on the lines after."""
    train = [row for row in lines if row.created_at < split]
    test = [row for row in lines if row.created_at >= split]
    if not train or not test:
        raise ValueError(f"no order lines on one side of {split_date}")

    bought = defaultdict(set)
    for row in train:
        if row.customer_id is not None:
            bought[row.customer_id].add(row.product_id)
    targets = defaultdict(set)
    for row in test:
        if row.customer_id in bought and row.product_id not in bought[row.customer_id]:
            targets[row.customer_id].add(row.product_id)
    users = sorted(u for u, items in targets.items() if items)
    catalogue = sorted({row.product_id for row in train})

    methods = {}
    for name, method in (
        (
            "ours",
            lambda: _ours(train, users, bought, catalogue, titles, split, embedder),
        ),
        ("popularity", lambda: _popularity(train, users, bought)),
        (
            "als",
            lambda: _als(train, users, catalogue, als_factors, als_iterations, seed),
        ),
    ):
        started = time.perf_counter()
        recommended = method()
        methods[name] = _metrics(recommended, targets, users, len(catalogue))
        methods[name]["seconds"] = round(time.perf_counter() - started, 2)
    return {
        "methods": methods,
        "data": {
            "train_lines": len(train),
            "test_lines": len(test),
            "users": len(users),
            "catalogue": len(catalogue),
            "split_date": split_date,
        },
    }


def _ratios(methods):
    """Ours over ALS for the two headline metrics (None where ALS got 0)."""
    ours, als = methods["ours"], methods["als"]
    return {
        metric: round(ours[metric] / als[metric], 3) if als[metric] else None
        for metric in (f"hr@{K}", f"ndcg@{K}")
    }


# --- Data -----------------------------------------------------------------


def load_orders(path):
    """Read product lines of the UCI CSV as PurchaseRows plus titles.

    Cancellations (invoice "C..."), returns (quantity <= 0) and non-product
    codes (postage, fees, manual adjustments: codes not starting with a
    digit) are dropped. Guest lines are kept with ``customer_id`` None:
    they still say which products share a basket.
    """
    path = Path(path)
    if not path.exists():
        raise OSError(f"orders file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    rows, titles = [], {}
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"InvoiceNo", "StockCode", "Quantity", "InvoiceDate"} - set(
            reader.fieldnames or ()
        )
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for line in reader:
            code = (line["StockCode"] or "").strip().upper()
            invoice = (line["InvoiceNo"] or "").strip()
            try:
                quantity = int(float(line["Quantity"]))
            except ValueError:
                continue
            if not code[:1].isdigit() or invoice.startswith("C") or quantity <= 0:
                continue
            customer = (line.get("CustomerID") or "").strip()
            rows.append(
                PurchaseRow(
                    order_id=invoice,
                    customer_id=customer.split(".")[0] or None,
                    product_id=code,
                    quantity=quantity,
                    created_at=_parse_date(line["InvoiceDate"]),
                )
            )
            if line.get("Description"):
                titles.setdefault(code, line["Description"].strip())
    rows.sort(key=lambda r: r.created_at)
    return rows, titles


def _parse_date(text):
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(f"unreadable InvoiceDate {text!r}")


# --- Methods --------------------------------------------------------------


def _ours(train, users, bought, catalogue, titles, now, embedder_name):
    vectors = _content_vectors(catalogue, titles, embedder_name)
    built = build_signals(
        train,
        now=now,
        k=ai_settings.NEIGHBOURS,
        product_ids=catalogue,
        vectors=vectors,
        trending_half_life=ai_settings.TRENDING_HALF_LIFE_DAYS,
    )
    neighbours = {name: built.lists(name) for name in built.matrices}
    # The same trending list the live service blends (TRENDING_ITEMS long).
    popularity = dict(built.top_trending(ai_settings.TRENDING_ITEMS))

    recommended = {}
    for user, events in _recent_orders(train, users, now).items():
        history = ranker.history_weights(
            [(pid, age, "order") for pid, age in events],
            half_life_days=ranker.HISTORY_HALF_LIFE_DAYS,
        )
        scored = ranker.score_candidates(
            history,
            neighbours,
            popularity=popularity,
            weights=ai_settings.RECOMMENDATION_WEIGHTS,
        )
        best = ranker.top(scored, K, exclude=bought[user])
        recommended[user] = [s.product_id for s in best]
    return recommended


def _recent_orders(train, users, now):
    """``{user: [(product_id, age_days), ...]}`` from each user's most
    recent orders, as many as the live service reads for a history."""
    orders = defaultdict(dict)  # user -> {order: (age, {products})}
    wanted = set(users)
    for row in train:
        if row.customer_id in wanted:
            age = (now - row.created_at).total_seconds() / 86400
            order = orders[row.customer_id].setdefault(row.order_id, (age, set()))
            order[1].add(row.product_id)
    events = {}
    for user in users:
        recent = sorted(orders[user].values(), key=lambda order: order[0])
        events[user] = [
            (pid, age)
            for age, products in recent[:ORDERS_READ]
            for pid in sorted(products)
        ]
    return events


def _popularity(train, users, bought):
    """The most-bought products (by distinct customers) not bought yet."""
    buyers = defaultdict(set)
    for row in train:
        buyers[row.product_id].add(row.customer_id or row.order_id)
    ranked = sorted(buyers, key=lambda pid: (-len(buyers[pid]), pid))
    recommended = {}
    for user in users:
        mine = bought[user]
        recommended[user] = [pid for pid in ranked if pid not in mine][:K]
    return recommended


def _als(train, users, catalogue, factors, iterations, seed):
    """implicit's ALS on customer x product counts (BM25-weighted)."""
    from implicit.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import bm25_weight
    from scipy import sparse
    from threadpoolctl import threadpool_limits

    item_index = {pid: i for i, pid in enumerate(catalogue)}
    user_index = {}
    counts = Counter()
    for row in train:
        if row.customer_id is not None:
            u = user_index.setdefault(row.customer_id, len(user_index))
            counts[u, item_index[row.product_id]] += 1
    keys = list(counts)
    matrix = sparse.csr_matrix(
        (
            np.array([counts[key] for key in keys], dtype=np.float32),
            ([u for u, _ in keys], [i for _, i in keys]),
        ),
        shape=(len(user_index), len(catalogue)),
    )
    weighted = bm25_weight(matrix, K1=100, B=0.8).tocsr().astype(np.float32)
    # implicit runs its own threads; BLAS threads on top only contend (and
    # implicit warns about them when the model is made).
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=0.05,
            iterations=iterations,
            random_state=seed,
            use_gpu=False,
        )
        model.fit(weighted, show_progress=False)
    rows = [user_index[u] for u in users]
    ids, _ = model.recommend(rows, weighted[rows], N=K, filter_already_liked_items=True)
    return {
        user: [catalogue[i] for i in item_ids if i >= 0]
        for user, item_ids in zip(users, ids, strict=True)
    }


def _content_vectors(catalogue, titles, embedder_name):
    """Embed product titles, cached under var/ by embedder and text hash."""
    from ..retrieval.embedders import get_embedder

    name = embedder_name or ai_settings.EMBEDDER
    if name == "none":
        return None
    embedder = get_embedder(name)
    texts = [titles.get(pid, pid).lower() for pid in catalogue]
    digest = hashlib.sha1("\n".join(texts).encode()).hexdigest()[:16]
    cache = (
        ai_settings.model_cache_dir.parent / "eval" / f"{embedder.name}-{digest}.npy"
    )
    if cache.exists():
        return np.load(cache)
    vectors = embedder.encode_passages(texts)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


# --- Metrics --------------------------------------------------------------


def _metrics(recommended, targets, users, catalogue_size):
    hits = recall = ndcg = 0.0
    shown = set()
    for user in users:
        items = recommended.get(user, [])[:K]
        wanted = targets[user]
        shown.update(items)
        gains = [1.0 if pid in wanted else 0.0 for pid in items]
        found = sum(gains)
        hits += found > 0
        recall += found / len(wanted)
        dcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(gains))
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(K, len(wanted))))
        ndcg += dcg / ideal
    n = len(users) or 1
    return {
        f"hr@{K}": round(hits / n, 4),
        f"recall@{K}": round(recall / n, 4),
        f"ndcg@{K}": round(ndcg / n, 4),
        "coverage": round(len(shown) / catalogue_size, 4) if catalogue_size else 0.0,
    }
