"""Catalogue queries the storefront pages share."""

from django.db.models import Count, Q

from .models import Category, Product

# The sort orders a shopper can pick on a category page: key -> (label, order).
SORT_OPTIONS = {
    "title": ("Name", ["title"]),
    "price": ("Price: low to high", ["price", "title"]),
    "-price": ("Price: high to low", ["-price", "title"]),
    "new": ("Newest", ["-created_at", "title"]),
}
DEFAULT_SORT = "title"


def published_products():
    """Products a shopper may see, with their category loaded."""
    return Product.objects.filter(is_published=True).select_related("category")


def sorted_products(queryset, sort):
    """Order ``queryset`` by a key of :data:`SORT_OPTIONS` (unknown keys: name)."""
    _, ordering = SORT_OPTIONS.get(sort, SORT_OPTIONS[DEFAULT_SORT])
    return queryset.order_by(*ordering)


def categories_with_counts():
    """Categories that hold published products, with ``product_count``."""
    return (
        Category.objects.annotate(
            product_count=Count("products", filter=Q(products__is_published=True))
        )
        .filter(product_count__gt=0)
        .order_by("-product_count", "name")
    )


def featured_products(limit=12):
    """In-stock products for the home page when no recommendations are shown."""
    return published_products().filter(stock__gt=0).order_by("-created_at")[:limit]
