"""
Product search quality on a judged catalogue (nDCG@10).

Builds in-memory indexes over a product CSV (the Icecat electronics set:
``id,title,supplier,short_description,attr_t_type,...``), runs every judged
query through BM25 alone, embeddings alone and the hybrid ranker that the
store's search uses, and reports nDCG@10 two ways: over judged products
only (unjudged ones are dropped from the ranking, since the judgments only
cover what some engine once returned) and with unjudged products counted
as irrelevant. No database is needed. Catalogue embeddings are cached under
``var/`` keyed by the file's hash and the embedder, so reruns are fast.
"""

import csv
import gzip
import hashlib
import io
import logging
import math
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings

import numpy as np

from ..adapters import ProductData
from ..retrieval.embedders import get_embedder
from ..retrieval.vectors import product_text

logger = logging.getLogger(__name__)

K = 10


def add_arguments(parser):
    parser.add_argument("--catalog", required=True, help="product CSV (optionally .gz)")
    parser.add_argument(
        "--judgments", required=True, help="CSV with query,docid,rating"
    )
    parser.add_argument(
        "--embedder",
        default=None,
        help="embedder alias or dotted path (default: the EMBEDDER setting)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="embed the catalogue again instead of reading var/",
    )


# --- Data ------------------------------------------------------------------


def _open_text(path):
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw, io.StringIO(raw.decode("utf-8-sig"))


def load_catalog(path):
    """Read a product CSV into ``(ProductData list, sha256 of the file)``.

    Recognised columns: ``id``, ``title`` (or ``name``), ``supplier`` or
    ``brand``, ``short_description`` or ``description``, ``attr_t_type``
    or ``category``, ``price`` (in cents when it is an integer column
    named ``price`` in the Icecat layout; only used for display).
    """
    raw, handle = _open_text(path)
    reader = csv.DictReader(handle)
    if not reader.fieldnames or "id" not in reader.fieldnames:
        raise ValueError(f"{path}: no 'id' column in the catalogue")
    products = []
    for row in reader:
        products.append(
            ProductData(
                id=str(row["id"]),
                title=(row.get("title") or row.get("name") or "").strip(),
                brand=(row.get("supplier") or row.get("brand") or "").strip(),
                category=(row.get("attr_t_type") or row.get("category") or "").strip(),
                description=(
                    row.get("short_description") or row.get("description") or ""
                ).strip(),
            )
        )
    return products, hashlib.sha256(raw).hexdigest()


def load_judgments(path):
    """Read ``query,docid,rating`` rows into ``{query: {docid: rating}}``."""
    _, handle = _open_text(path)
    reader = csv.DictReader(handle)
    missing = {"query", "docid", "rating"} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)}")
    judged = defaultdict(dict)
    for row in reader:
        judged[row["query"].strip()][str(row["docid"]).strip()] = int(row["rating"])
    return dict(judged)


def catalog_embeddings(products, file_hash, embedder, *, use_cache=True):
    """Embed every product, reading and writing a cache file under var/."""
    texts = [product_text(p) for p in products]
    text_key = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:12]
    folder = Path(getattr(settings, "BASE_DIR", ".")) / "var" / "evaluation"
    path = folder / f"catalog-{file_hash[:16]}-{embedder.name}-{text_key}.npy"
    if use_cache and path.exists():
        matrix = np.load(path)
        if matrix.shape[0] == len(products):
            return matrix
    started = time.perf_counter()
    matrix = embedder.encode_passages(texts)
    logger.info(
        "evaluation: %s products embedded with %s in %.1f s",
        len(texts),
        embedder.name,
        time.perf_counter() - started,
    )
    folder.mkdir(parents=True, exist_ok=True)
    np.save(path, matrix)
    return matrix


# --- Metrics ---------------------------------------------------------------


def dcg(gains):
    """Discounted cumulative gain of graded ratings in rank order."""
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at_k(ranked_ids, judged, *, k=K, judged_only):
    """nDCG@k of a ranking against ``{id: rating}``.

    With ``judged_only`` the unjudged ids are removed from the ranking
    before cutting at k; otherwise they count as rating 0. Returns None
    when the query has no relevant product (its ideal DCG is 0).
    """
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    if ideal == 0:
        return None
    if judged_only:
        ranked_ids = [pid for pid in ranked_ids if pid in judged]
    gains = [judged.get(pid, 0) for pid in ranked_ids[:k]]
    return dcg(gains) / ideal


# --- The run ---------------------------------------------------------------

METHODS = ("bm25", "embedding", "hybrid")
# Every method ranks this deep, so that dropping unjudged products still
# leaves ten to score and no method gains from merely returning more.
DEPTH = 1000


def build_ranker(products, matrix, embedder):
    """The store's hybrid ranker over an in-memory catalogue."""
    from ..retrieval.search import (
        DenseChannel,
        HybridRanker,
        KeywordIndex,
        keyword_text,
    )

    keywords = KeywordIndex([keyword_text(p) for p in products])
    channel = DenseChannel(embedder, matrix, multilingual=embedder.name == "e5")
    return HybridRanker(keywords, {"dense": channel})


def evaluate(ranker, ids, judgments):
    """Mean nDCG@10 per method, both ways, over queries with a relevant product."""
    from ..retrieval.search import parse_query

    totals = {m: {"judged": [], "unjudged0": []} for m in METHODS}
    for query, judged in judgments.items():
        parsed = parse_query(query)
        for method in METHODS:
            ranked = [
                ids[row]
                for row, _ in ranker.rank(
                    parsed, method=method, limit=DEPTH, depth=DEPTH
                )
            ]
            for key, judged_only in (("judged", True), ("unjudged0", False)):
                value = ndcg_at_k(ranked, judged, judged_only=judged_only)
                if value is not None:
                    totals[method][key].append(value)
    return {
        method: {
            "ndcg@10_judged": round(float(np.mean(v["judged"])), 4),
            "ndcg@10_unjudged0": round(float(np.mean(v["unjudged0"])), 4),
            "queries": len(v["judged"]),
        }
        for method, v in totals.items()
    }


def run(*, catalog, judgments, embedder=None, no_cache=False, **options):
    """Evaluate BM25, embeddings and the hybrid on a judged catalogue."""
    products, file_hash = load_catalog(catalog)
    judged = load_judgments(judgments)
    model = get_embedder(embedder)
    matrix = catalog_embeddings(products, file_hash, model, use_cache=not no_cache)
    ranker = build_ranker(products, matrix, model)
    methods = evaluate(ranker, [p.id for p in products], judged)
    return {
        "methods": methods,
        "embedder": model.name,
        "products": len(products),
        "queries": len(judged),
        "queries_with_relevant": methods["hybrid"]["queries"],
    }
