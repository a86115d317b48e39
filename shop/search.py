"""Product search for the storefront's search page.

The page uses the app's hybrid retrieval (BM25 and embeddings, fused, with
price and colour filters understood), the same search the chat assistant
uses. Before the catalogue has been indexed (``ai_assist_reindex``) it falls
back to a plain database search, so the page never comes up empty.
"""

from django.db.models import Case, IntegerField, Q, Value, When

from ai_assist.retrieval.search import search_products as hybrid_search

from .models import Product

# Words longer than this are cut: nobody types them, and a huge query
# string would otherwise become a huge SQL statement.
MAX_TERM_LENGTH = 40
MAX_TERMS = 8


def search_products(query, limit=48):
    """Return up to ``limit`` published products for ``query``, best first."""
    if not query.strip():
        return []
    hits = hybrid_search(query, limit=limit)
    if hits:
        return products_in_order(hit.product_id for hit in hits)
    return database_search(query, limit)


def database_search(query, limit=48):
    """Return up to ``limit`` published products matching ``query``, best first.

    Every word of the query must appear in the title, description, brand,
    SKU or category name (case-insensitive). Products whose title holds the
    whole query rank first, then those whose title holds the first word.
    An empty query returns an empty list.
    """
    terms = [t[:MAX_TERM_LENGTH] for t in query.split()][:MAX_TERMS]
    if not terms:
        return []

    matches = Q()
    for term in terms:
        matches &= (
            Q(title__icontains=term)
            | Q(description__icontains=term)
            | Q(brand__icontains=term)
            | Q(sku__iexact=term)
            | Q(category__name__icontains=term)
        )

    # A crude relevance: whole phrase in the title, then first word in it.
    rank = Case(
        When(title__icontains=" ".join(terms), then=Value(2)),
        When(title__icontains=terms[0], then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    products = (
        Product.objects.filter(matches, is_published=True)
        .select_related("category")
        .annotate(rank=rank)
        .order_by("-rank", "title")
    )
    return list(products[:limit])


def products_in_order(product_ids):
    """Return the published products for ``product_ids``, in that order.

    Ids may be strings (as ``ai_assist`` gives them) or ints; unknown or
    unpublished ids are skipped.
    """
    ids = [int(pid) for pid in product_ids if str(pid).isdigit()]
    found = Product.objects.filter(pk__in=ids, is_published=True)
    found = found.select_related("category").in_bulk()
    return [found[pk] for pk in ids if pk in found]
