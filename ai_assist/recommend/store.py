"""
Precomputed neighbour lists: written in batch, read through the cache.

Cache keys carry a version token (see :mod:`ai_assist.retrieval.versions`)
that every rebuild replaces, so a rebuild invalidates every cached list in
every process at once; a product change deletes that product's own keys.
"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ..conf import ai_settings
from ..models.recommend import NeighbourList, Signal
from ..retrieval.versions import bump_version, get_version

logger = logging.getLogger(__name__)

VERSION = "recommendations"
WRITE_BATCH = 2000
# The key of the one trending list.
TRENDING_KEY = ""


def _key(version, signal, product_id):
    return f"ai_assist:rec:{version}:{signal}:{product_id}"


def get_lists(signal, product_ids):
    """Return ``{product_id: [(neighbour_id, score), ...]}`` for one signal.

    Products without a list map to ``[]``. Reads the cache first and the
    database for what is missing, then caches that (empty lists too, so a
    product with no neighbours costs no query on the next read).
    """
    product_ids = [str(pid) for pid in dict.fromkeys(product_ids)]
    if not product_ids:
        return {}
    version = get_version(VERSION)
    keys = {_key(version, signal, pid): pid for pid in product_ids}
    found = {keys[k]: v for k, v in cache.get_many(list(keys)).items()}

    missing = [pid for pid in product_ids if pid not in found]
    if missing:
        rows = NeighbourList.objects.filter(
            signal=signal, product_id__in=missing
        ).values_list("product_id", "neighbours")
        fetched = {pid: [tuple(pair) for pair in pairs] for pid, pairs in rows}
        fetched.update({pid: [] for pid in missing if pid not in fetched})
        cache.set_many(
            {_key(version, signal, pid): v for pid, v in fetched.items()},
            timeout=ai_settings.RECOMMENDATION_CACHE_TIMEOUT,
        )
        found.update(fetched)
    return {pid: [tuple(pair) for pair in found[pid]] for pid in product_ids}


def get_trending():
    """The stored trending list: ``[(product_id, score in 0..1), ...]``."""
    return get_lists(Signal.TRENDING, [TRENDING_KEY])[TRENDING_KEY]


def save_list(signal, product_id, neighbours):
    """Store (or replace) one product's list and drop its cached copy."""
    NeighbourList.objects.update_or_create(
        signal=signal,
        product_id=str(product_id),
        defaults={
            "neighbours": [list(p) for p in neighbours],
            "built_at": timezone.now(),
        },
    )
    cache.delete(_key(get_version(VERSION), signal, product_id))


def replace_signal(signal, lists, *, built_at):
    """Replace every stored list of ``signal`` with ``lists``.

    ``lists`` yields ``(product_id, [(neighbour_id, score), ...])``; rows
    are written in batches so memory stays flat for large catalogues. The
    swap happens in one transaction: readers see the old lists or the new
    ones, never half of each.
    """
    count = 0
    with transaction.atomic():
        NeighbourList.objects.filter(signal=signal).delete()
        batch = []
        for product_id, neighbours in lists:
            batch.append(
                NeighbourList(
                    signal=signal,
                    product_id=product_id,
                    neighbours=[list(p) for p in neighbours],
                    built_at=built_at,
                )
            )
            if len(batch) >= WRITE_BATCH:
                NeighbourList.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        NeighbourList.objects.bulk_create(batch)
        count += len(batch)
    return count


def invalidate_all():
    """Make every process read fresh lists (after a rebuild)."""
    bump_version(VERSION)


def forget_product(product_id, *, deleted=False):
    """Drop one product's cached lists; a deleted product loses its rows too.

    Lists of other products that name it are left as they are: the read
    rules check every candidate against live data anyway.
    """
    version = get_version(VERSION)
    cache.delete_many([_key(version, s, product_id) for s in Signal.values])
    if deleted:
        NeighbourList.objects.filter(product_id=str(product_id)).delete()


def has_built():
    """Whether a rebuild has ever stored content lists."""
    return NeighbourList.objects.filter(signal=Signal.CONTENT).exists()
