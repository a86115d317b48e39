"""
Recommendation rebuild at scale: time and peak memory.

Generates a synthetic store of 100,000 products and 1,000,000 order lines
(clustered baskets, Zipf-like popularity, 50,000 customers, one year of
dates, 384-dim product vectors) and runs the rebuild's computation,
:func:`ai_assist.recommend.build.build_signals`, plus turning every list
into the rows that would be stored. The rows are streamed, as
``iter_purchases()`` streams them from the database, and the work runs in
a child process so its peak resident memory is measured alone. The target
is under 2 GiB.

Run ``python -m benchmarks bench_recommendations`` or, with other sizes,
``python benchmarks/bench_recommendations.py --products 20000 --lines 200000``.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

PRODUCTS = 100_000
LINES = 1_000_000
CUSTOMERS = 50_000
DIM = 384
TARGET_MB = 2048


def run(products=PRODUCTS, lines=LINES, content=True):
    """Run the rebuild in a child process; return its figures."""
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--products",
        str(products),
        "--lines",
        str(lines),
    ]
    if not content:
        command.append("--no-content")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["within_target"] = report["peak_rss_mb"] <= TARGET_MB
    return report


def _synthetic_rows(n_products, n_lines, seed=7):
    """Yield PurchaseRow-like rows: baskets drawn mostly from one cluster."""
    from datetime import datetime, timedelta

    import numpy as np

    from ai_assist.adapters import PurchaseRow

    rng = np.random.default_rng(seed)
    cluster_size = 20
    n_clusters = max(n_products // cluster_size, 1)
    # Zipf-like popularity of clusters and of items inside them.
    cluster_weights = 1.0 / np.arange(1, n_clusters + 1) ** 0.8
    cluster_weights /= cluster_weights.sum()
    start = datetime(2024, 1, 1)
    written = 0
    order = 0
    while written < n_lines:
        size = int(min(rng.geometric(0.2), 40))
        cluster = rng.choice(n_clusters, p=cluster_weights)
        base = cluster * cluster_size
        inside = rng.integers(0, cluster_size, size)
        stray = rng.random(size) < 0.2
        items = np.where(stray, rng.integers(0, n_products, size), base + inside)
        customer = str(rng.integers(0, CUSTOMERS)) if rng.random() < 0.8 else None
        created = start + timedelta(minutes=int(order * 525_600 * 5 / n_lines))
        for item in np.unique(items % n_products):
            yield PurchaseRow(str(order), customer, str(item), 1, created)
            written += 1
        order += 1


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(n_products, n_lines, content):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    from datetime import datetime

    import numpy as np

    from ai_assist.recommend.build import build_signals

    ids = [str(i) for i in range(n_products)]
    vectors = None
    if content:
        rng = np.random.default_rng(3)
        vectors = rng.standard_normal((n_products, DIM), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    started = time.perf_counter()
    built = build_signals(
        _synthetic_rows(n_products, n_lines),
        now=datetime(2025, 1, 1),
        k=50,
        product_ids=ids,
        vectors=vectors,
    )
    built_s = time.perf_counter() - started
    stored = 0
    for signal in built.matrices:
        for _pid, neighbours in built.iter_lists(signal):
            stored += len(json.dumps(neighbours)) > 2
    trending = built.top_trending(200)
    total_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "products": n_products,
                "order_lines": built.stats["order_lines"],
                "orders": built.stats["orders"],
                "content": bool(content),
                "lists": stored,
                "trending": len(trending),
                "pairs": {k: v for k, v in built.stats.items() if k.endswith("_pairs")},
                "build_seconds": round(built_s, 1),
                "total_seconds": round(total_s, 1),
                # CPU seconds as well as wall time: on a shared machine the
                # wall clock says more about the neighbours than about us.
                "cpu_seconds": round(_cpu_seconds(), 1),
                "peak_rss_mb": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--no-content", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        _child(args.products, args.lines, not args.no_content)
    else:
        report = run(args.products, args.lines, not args.no_content)
        print(json.dumps(report, indent=2))
