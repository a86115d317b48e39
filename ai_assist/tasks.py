"""
Celery tasks: thin wrappers that take ids and call one service function.

Interactive work (chat replies) goes to ``AI_ASSIST["INTERACTIVE_QUEUE"]``,
bulk work (indexing, precomputing, banners) to ``AI_ASSIST["BATCH_QUEUE"]``.
Queue them with ``.delay_on_commit(...)`` so a worker never reads rows that
are not committed yet.
"""

from django.db import DatabaseError

from celery import shared_task

from .conf import ai_settings


@shared_task(
    name="ai_assist.embed_products",
    queue=ai_settings.BATCH_QUEUE,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def embed_products(product_ids):
    """Refresh the stored vectors of these products in every index embedder."""
    from .retrieval.vectors import refresh_product_vectors

    refresh_product_vectors(product_ids)


@shared_task(
    name="ai_assist.generate_reply",
    queue=ai_settings.INTERACTIVE_QUEUE,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=10,
    max_retries=2,
)
def generate_reply(message_id):
    """Write and stream the assistant's reply to one stored shopper message.

    Safe to run twice: a message that already has its reply is left alone.
    """
    from .chat.conversations import generate_reply as write_reply

    write_reply(message_id)


# --- Banners -------------------------------------------------------------------


@shared_task(
    name="ai_assist.generate_banner_variant",
    queue=ai_settings.BATCH_QUEUE,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=2,
    soft_time_limit=ai_settings.BANNER_TIME_LIMIT,
    time_limit=ai_settings.BANNER_TIME_LIMIT + 30,
)
def generate_banner_variant(variant_id, generation):
    """Write the copy and render every size of one banner variant.

    Safe to run twice: a variant already generated, or superseded by a
    newer request (``generation``), is left alone.
    """
    from .banners.workflow import run_generation

    return run_generation(variant_id, generation)


# --- Recommendations -------------------------------------------------------------


@shared_task(
    name="ai_assist.rebuild_recommendations",
    queue=ai_settings.BATCH_QUEUE,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=2,
)
def rebuild_recommendations():
    """Rebuild every precomputed recommendation list (beat and admin)."""
    from .recommend.rebuild import rebuild_recommendations as rebuild

    return rebuild().pk


@shared_task(
    name="ai_assist.refresh_product_recommendations",
    queue=ai_settings.BATCH_QUEUE,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_product_recommendations(product_id):
    """Recompute one changed product's similar-products list."""
    from .recommend.services import refresh_product

    refresh_product(product_id)
