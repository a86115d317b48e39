"""
The product vector store: embeddings kept in the database, read into memory.

Vectors are stored per (product, embedder) in :class:`ProductEmbedding`.
:func:`embed_products` writes them in bulk and skips products whose text
has not changed; :func:`load_product_vectors` gives every process one
in-memory matrix per embedder, rebuilt when another process changes the
vectors (see :mod:`ai_assist.retrieval.versions`).
"""

import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from tqdm import tqdm

from ..adapters import get_adapter
from ..conf import ai_settings
from ..models import ProductEmbedding
from .embedders import Embedder, get_embedder
from .versions import VECTORS, bump_version, get_version

logger = logging.getLogger(__name__)

# Texts handed to the embedder per call, and rows written per upsert. Large
# enough that the model's own batching decides throughput.
CHUNK_SIZE = 512
# Longest product text that is embedded, in characters. Both packaged
# models truncate at a few hundred tokens anyway; cutting here keeps the
# tokenizer from working on text the model would drop.
MAX_TEXT_CHARS = 2000

_lock = threading.Lock()
_matrices = {}  # embedder name -> (version token, ids, matrix)


def resolve_embedder(embedder=None):
    """Return an :class:`Embedder` for an instance, an alias or None."""
    if isinstance(embedder, Embedder):
        return embedder
    return get_embedder(embedder)


def get_index_embedders():
    """The embedders the catalogue is indexed with, without duplicates.

    The catalogue embedder always; the multilingual one too when it is
    configured and is a different model, so queries in other languages can
    be matched against an English catalogue.
    """
    embedders = [get_embedder()]
    if ai_settings.MULTILINGUAL_EMBEDDER:
        multilingual = get_embedder(ai_settings.MULTILINGUAL_EMBEDDER)
        if multilingual.name != embedders[0].name:
            embedders.append(multilingual)
    return embedders


def product_text(product):
    """The text that is embedded for a :class:`ProductData`."""
    return product.text[:MAX_TEXT_CHARS]


def text_hash(text):
    """A short digest of ``text`` to tell whether it changed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# --- Writing ---------------------------------------------------------------


def embed_products(product_ids=None, *, embedder=None, progress=False, force=False):
    """Embed products and store their vectors; return counts and timing.

    With ``product_ids`` None the whole catalogue is read through the store
    adapter and vectors of products that no longer exist are removed; with
    a list, only those products are refreshed (an id that no longer exists
    loses its vector). Products whose text is unchanged since their vector
    was made are skipped, unless ``force``. Returns ``{"embedder",
    "embedded", "skipped", "deleted", "seconds", "embed_seconds"}``, where
    ``embed_seconds`` is the time spent inside the embedder.
    """
    embedder = resolve_embedder(embedder)
    started = time.perf_counter()
    products, gone, stored = _collect(product_ids, embedder.name)
    known = {} if force else stored
    seen = set()
    counts = {"embedded": 0, "embed_seconds": 0.0}
    bar = tqdm(
        desc=f"embedding ({embedder.name})",
        unit="product",
        disable=not progress,
    )

    def finish(chunk, future):
        vectors, seconds = future.result()
        _upsert(embedder.name, chunk, vectors)
        counts["embedded"] += len(chunk)
        counts["embed_seconds"] += seconds
        bar.update(len(chunk))

    # The model runs in a worker thread (torch and the e5 engine release
    # the GIL) while this thread reads the next products and writes the
    # last vectors, so the database work hides behind the embedding. Only
    # this thread touches the database.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for chunk in _changed_chunks(products, known, seen):
            future = pool.submit(_encode, embedder, [text for _, _, text in chunk])
            if pending is not None:
                finish(*pending)
            pending = (chunk, future)
        if pending is not None:
            finish(*pending)
    bar.close()
    if product_ids is None:
        gone = set(stored) - seen

    deleted = 0
    if gone:
        deleted, _ = ProductEmbedding.objects.filter(
            embedder=embedder.name, product_id__in=list(gone)
        ).delete()
    if counts["embedded"] or deleted:
        bump_version(VECTORS)

    result = {
        "embedder": embedder.name,
        "embedded": counts["embedded"],
        "skipped": len(seen) - counts["embedded"],
        "deleted": deleted,
        "seconds": round(time.perf_counter() - started, 3),
        "embed_seconds": round(counts["embed_seconds"], 3),
    }
    logger.info(
        "embeddings %s: %s embedded, %s unchanged, %s removed",
        embedder.name,
        result["embedded"],
        result["skipped"],
        result["deleted"],
    )
    return result


def _changed_chunks(products, known, seen):
    """Yield lists of (id, text hash, text) for products whose text changed.

    Every product read is added to ``seen``.
    """
    chunk = []
    for product in products:
        seen.add(product.id)
        text = product_text(product)
        digest = text_hash(text)
        if known.get(product.id) != digest:
            chunk.append((product.id, digest, text))
            if len(chunk) == CHUNK_SIZE:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _encode(embedder, texts):
    """Encode passages; return (vectors, seconds spent)."""
    started = time.perf_counter()
    vectors = embedder.encode_passages(texts)
    return vectors, time.perf_counter() - started


def _collect(product_ids, embedder_name):
    """Return (products, ids gone from the store, {id: stored text hash})."""
    stored = ProductEmbedding.objects.filter(embedder=embedder_name)
    adapter = get_adapter()
    if product_ids is None:
        known = dict(stored.values_list("product_id", "text_hash"))
        return adapter.iter_products(), set(), known

    ids = list(dict.fromkeys(str(pid) for pid in product_ids))
    found = adapter.get_products(ids)
    known = dict(
        stored.filter(product_id__in=ids).values_list("product_id", "text_hash")
    )
    products = [found[pid] for pid in ids if pid in found]
    return products, {pid for pid in ids if pid not in found}, known


def _upsert(embedder_name, chunk, vectors):
    rows = [
        ProductEmbedding(
            product_id=pid,
            embedder=embedder_name,
            text_hash=digest,
            vector=np.asarray(vector, dtype=np.float32).tobytes(),
        )
        for (pid, digest, _), vector in zip(chunk, vectors, strict=True)
    ]
    ProductEmbedding.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["product_id", "embedder"],
        update_fields=["text_hash", "vector", "updated_at"],
    )


def delete_product_vectors(ids):
    """Remove the stored vectors of these products, in every embedder."""
    ids = [str(pid) for pid in ids]
    deleted, _ = ProductEmbedding.objects.filter(product_id__in=ids).delete()
    if deleted:
        bump_version(VECTORS)
    return deleted


def refresh_product_vectors(product_ids):
    """Re-embed these products with every index embedder (see above)."""
    return [
        embed_products(product_ids, embedder=embedder)
        for embedder in get_index_embedders()
    ]


# --- Reading ---------------------------------------------------------------


def load_product_vectors(embedder=None):
    """Return ``(ids, matrix)``: every stored vector of one embedder.

    ``ids`` is a list of product ids (str) and ``matrix`` a read-only
    float32 array of shape ``(len(ids), dim)`` whose rows are L2-normalised,
    so ``matrix @ query_vector`` gives cosine similarities. Built once per
    process and rebuilt after vectors change anywhere.
    """
    embedder = resolve_embedder(embedder)
    token = get_version(VECTORS)
    with _lock:
        cached = _matrices.get(embedder.name)
        if cached is not None and cached[0] == token:
            return cached[1], cached[2]

    ids, chunks = [], []
    rows = (
        ProductEmbedding.objects.filter(embedder=embedder.name)
        .order_by("product_id")
        .values_list("product_id", "vector")
    )
    for product_id, vector in rows.iterator(chunk_size=5000):
        ids.append(product_id)
        chunks.append(bytes(vector))
    if ids:
        matrix = np.frombuffer(b"".join(chunks), dtype=np.float32)
        matrix = matrix.reshape(len(ids), -1)
    else:
        matrix = np.zeros((0, embedder.dim), dtype=np.float32)

    with _lock:
        _matrices[embedder.name] = (token, ids, matrix)
    logger.debug("embeddings %s: %s vectors loaded", embedder.name, len(ids))
    return ids, matrix


def clear_vector_cache():
    """Forget the in-memory matrices of this process (tests use it)."""
    with _lock:
        _matrices.clear()
