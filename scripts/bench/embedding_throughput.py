"""
Bulk embedding throughput against the embedder's own batch throughput.

Run from the project root after the demo database is loaded:

    .venv/bin/python scripts/bench/embedding_throughput.py [--embedder minilm]

It embeds the same product texts twice, alternately: once straight through
the embedder (``encode_passages`` over all texts: its own batch
throughput), once through ``embed_products(force=True)``, which reads the
catalogue through the adapter, hashes, embeds and writes every vector.
Prints products per second for both and their ratio as JSON.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

import django  # noqa: E402

django.setup()

from ai_assist.adapters import get_adapter  # noqa: E402
from ai_assist.retrieval.embedders import get_embedder  # noqa: E402
from ai_assist.retrieval.vectors import embed_products, product_text  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--embedder", default=None)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    embedder = get_embedder(args.embedder)
    texts = [product_text(p) for p in get_adapter().iter_products()]
    if not texts:
        sys.exit("no products: load the demo data first")
    embedder.encode_passages(texts[:64])  # load the model outside the timings

    raw, ours = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        embedder.encode_passages(texts)
        raw.append(len(texts) / (time.perf_counter() - started))
        result = embed_products(embedder=embedder, force=True)
        ours.append(result["embedded"] / result["seconds"])

    print(
        json.dumps(
            {
                "embedder": embedder.name,
                "products": len(texts),
                "embedder_products_per_s": round(max(raw), 1),
                "embed_products_per_s": round(max(ours), 1),
                "ratio": round(max(ours) / max(raw), 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
