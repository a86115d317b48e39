"""Keeps recommendation lists in step with the host catalogue."""

from ..receivers import on_product_change
from . import store


@on_product_change
def refresh_product_lists(product_id, deleted):
    """Forget the product's cached lists and queue its similar list.

    Rules are checked against live data at every read, so a product that
    went out of stock or was unpublished drops out of other lists without
    any of this; what changes here is the product's own lists (its text may
    have changed, or it may be new and have none yet).
    """
    from ..tasks import refresh_product_recommendations

    store.forget_product(product_id, deleted=deleted)
    if not deleted and store.has_built():
        refresh_product_recommendations.delay_on_commit(product_id)
