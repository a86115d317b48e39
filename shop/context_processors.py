from .cart import count_items
from .catalog import categories_with_counts


def store(request):
    """Navigation categories and the cart size for every storefront page."""
    return {
        # The biggest categories first: the header has room for about ten.
        "nav_categories": categories_with_counts()[:10],
        "cart_count": count_items(request.session),
    }
