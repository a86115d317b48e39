"""Keeps retrieval indexes in step with the host catalogue."""

from django.db import transaction

from ..receivers import on_product_change
from .search import keyword_text_changed
from .versions import CATALOGUE, bump_version


@on_product_change
def refresh_product_indexes(product_id, deleted):
    """Queue a re-embedding of the product; mark keyword indexes stale.

    Both wait for the commit: a worker must read the saved row, and a
    process that rebuilt its index before the commit would keep old text.
    Keyword indexes go stale only when the product's searchable text
    changed: stock and price change with every order, and the search reads
    those live, so they must not make every process rebuild its index.
    (The embedding task makes the same check against the stored vectors.)
    """
    from ..tasks import embed_products

    def mark_stale():
        if deleted or keyword_text_changed(product_id):
            bump_version(CATALOGUE)

    transaction.on_commit(mark_stale)
    embed_products.delay_on_commit([product_id])
