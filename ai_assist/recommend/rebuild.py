"""
The batch rebuild: every precomputed list, from the live store data.

Runs in a batch-queue Celery task (on the beat schedule and from the
admin) and from ``manage.py ai_assist_rebuild_recommendations``. Memory
stays within a small multiple of the order lines and ``products * k``
(see ``benchmarks/recommendations_rebuild.py``).
"""

import logging
import resource
import time
from datetime import timedelta

from django.utils import timezone

import numpy as np

from ..adapters import get_adapter
from ..conf import ai_settings
from ..models.recommend import ProductView, RecommendationBuild, Signal
from . import store, tracking
from .build import build_signals

logger = logging.getLogger(__name__)


def rebuild_recommendations(*, progress=None):
    """Rebuild every neighbour list and the trending list; return the build.

    ``progress`` is an optional callable taking one line of text (the
    management command prints them). The new lists replace the old ones
    signal by signal, the cache is invalidated everywhere, and recent
    clicks are matched against new orders. A failure is recorded on the
    returned :class:`RecommendationBuild` and re-raised.
    """
    say = progress or (lambda line: None)
    run = RecommendationBuild.objects.create()
    started = time.perf_counter()
    try:
        stats = _rebuild(run, say)
    except Exception as exc:
        run.status = RecommendationBuild.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save()
        logger.exception("recommendation build %s: failed", run.pk)
        raise
    stats["seconds"] = round(time.perf_counter() - started, 2)
    stats["peak_rss_mb"] = peak_rss_mb()
    run.status = RecommendationBuild.Status.DONE
    run.stats = stats
    run.finished_at = timezone.now()
    run.save()
    logger.info("recommendation build %s: done in %ss", run.pk, stats["seconds"])
    return run


def _rebuild(run, say):
    now = timezone.now()
    adapter = get_adapter()

    say("Reading the catalogue")
    catalogue = [(p.id, p.created_at, p.text) for p in adapter.iter_products()]
    product_ids = [pid for pid, _, _ in catalogue]
    say(f"Embedding or loading vectors of {len(product_ids)} products")
    vectors = catalogue_vectors(product_ids, [text for _, _, text in catalogue])

    say("Reading order lines and views")
    views = _recent_views(now)
    built = build_signals(
        adapter.iter_purchases(),
        now=now,
        k=ai_settings.NEIGHBOURS,
        product_ids=product_ids,
        vectors=vectors,
        trending_half_life=ai_settings.TRENDING_HALF_LIFE_DAYS,
        views=views,
    )
    del vectors

    for signal in built.matrices:
        count = store.replace_signal(signal, built.iter_lists(signal), built_at=now)
        built.stats[f"{signal}_lists"] = count
        say(f"Stored {count} {signal} lists")
    trending = _with_new_products(
        built.top_trending(ai_settings.TRENDING_ITEMS), catalogue
    )
    store.replace_signal(
        Signal.TRENDING, [(store.TRENDING_KEY, trending)], built_at=now
    )
    store.invalidate_all()

    built.stats["orders_attributed"] = tracking.attribute_orders(now=now)
    return built.stats


def _recent_views(now):
    """``(product_id, age_days)`` per view in the last four half-lives."""
    horizon = 4 * ai_settings.TRENDING_HALF_LIFE_DAYS
    since = timezone.localdate(now) - timedelta(days=horizon)
    today = timezone.localdate(now)
    views = []
    for product_id, day, count in ProductView.objects.filter(
        day__gte=since
    ).values_list("product_id", "day", "views"):
        views.extend([(product_id, float((today - day).days))] * min(count, 1000))
    return views


def _with_new_products(trending, catalogue):
    """Fill a short trending list with the newest products (score 0).

    A store with no orders yet still has a home page to fill.
    """
    wanted = ai_settings.TRENDING_ITEMS - len(trending)
    if wanted <= 0:
        return trending
    listed = {pid for pid, _ in trending}
    newest = sorted(
        ((created, pid) for pid, created, _ in catalogue if pid not in listed),
        key=lambda item: (item[0] is not None, item[0]),
        reverse=True,
    )
    return trending + [(pid, 0.0) for _, pid in newest[:wanted]]


# --- Content vectors ----------------------------------------------------------


def catalogue_vectors(product_ids, texts):
    """Vectors for the catalogue, in ``product_ids`` order.

    The product vector store is brought up to date first (it embeds only
    products whose text changed), so a product with no description still
    gets a vector from its title; products it still lacks are embedded
    here from ``texts``.
    """
    from ..retrieval.embedders import get_embedder
    from ..retrieval.vectors import embed_products, load_product_vectors

    embedder = get_embedder()
    embed_products(embedder=embedder)
    stored_ids, matrix = load_product_vectors(embedder)
    row = {pid: i for i, pid in enumerate(stored_ids)}
    vectors = np.zeros((len(product_ids), embedder.dim), dtype=np.float32)
    missing = []
    for i, pid in enumerate(product_ids):
        if pid in row:
            vectors[i] = matrix[row[pid]]
        else:
            missing.append(i)
    for start in range(0, len(missing), 512):
        chunk = missing[start : start + 512]
        vectors[chunk] = embedder.encode_passages([texts[i] for i in chunk])
    if missing:
        logger.info("recommendations: embedded %s products not indexed", len(missing))
    return vectors


def nearest_by_vector(product, *, k):
    """Content neighbours of one product against the stored vectors."""
    from ..retrieval.embedders import get_embedder
    from ..retrieval.vectors import load_product_vectors

    embedder = get_embedder()
    ids, matrix = load_product_vectors(embedder)
    if not len(ids):
        return []
    query = embedder.encode_passages([product.text])[0]
    sims = matrix @ query
    order = np.argsort(-sims, kind="stable")
    return [
        (ids[i], round(float(sims[i]), 6))
        for i in order[: k + 1]
        if ids[i] != product.id and sims[i] > 0
    ][:k]


def peak_rss_mb():
    """This process's peak resident memory so far, in MiB (Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
