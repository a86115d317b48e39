"""Keeps retrieval indexes in step with the host catalogue."""

from django.db import transaction

from ..receivers import on_product_change
from .versions import CATALOGUE, bump_version


@on_product_change
def refresh_product_indexes(product_id, deleted):
    """Queue a re-embedding of the product and mark keyword indexes stale.

    Both wait for the commit: a worker must read the saved row, and a
    process that rebuilt its index before the commit would keep old text.
    """
    from ..tasks import embed_products

    transaction.on_commit(lambda: bump_version(CATALOGUE))
    embed_products.delay_on_commit([product_id])
