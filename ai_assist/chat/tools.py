"""
The assistant's tools: every fact in a reply comes from one of these.

Each tool is a plain function whose docstring is written for a model (so
the same functions can be offered to a backend with function calling) and
returns JSON-safe data. The reply service calls them after routing the
message; the model, when there is one, only phrases their results.

Order tools take an :class:`OrderScope` built from the request (the
signed-in user, or the order a guest proved with its number and email).
Message text may choose *which* order number to look at, never whose.
"""

import logging
import re
from dataclasses import dataclass

from ..adapters import get_adapter
from ..conf import ai_settings

logger = logging.getLogger(__name__)

# Order numbers: at least four digits, with an optional letter prefix or
# "#" ("536365", "#A1027", "C536379", "SO-10042").
_ORDER_NUMBER = re.compile(r"(?<![\w.£$€¥])#?([A-Za-z]{0,4}-?\d{4,}[A-Za-z0-9-]*)\b")
# Words that no question about a product needs to match its description.
_QUESTION_STOPWORDS = frozenset(
    """a an and are be can could do does for from have how i if in is it
    its me my of on or the this that these those to what when which will
    with would you your yours our their there any some much many does
    item product one thing""".split()
)
_WORD = re.compile(r"[a-z0-9]+")


# --- Shaping data for cards -------------------------------------------------


def product_card(product):
    """The widget's card for one :class:`~ai_assist.adapters.ProductData`."""
    return {
        "type": "product",
        "id": product.id,
        "title": product.title,
        "price": str(product.price) if product.price is not None else None,
        "currency": product.currency,
        "url": product.url,
        "image_url": product.image_url,
        "in_stock": product.in_stock,
        "stock": product.stock,
    }


def _iso(value):
    return value.isoformat() if value else None


def order_card(order):
    """The widget's card for one :class:`~ai_assist.adapters.OrderData`."""
    return {
        "type": "order",
        "number": order.number,
        "status": order.status,
        "carrier": order.carrier,
        "tracking_code": order.tracking_code,
        "created_at": _iso(order.created_at),
        "shipped_at": _iso(order.shipped_at),
        "delivered_at": _iso(order.delivered_at),
        "lines": [{"title": li.title, "quantity": li.quantity} for li in order.lines],
        "total": str(order.total),
        "currency": order.currency,
    }


# --- Products ---------------------------------------------------------------


def search_catalogue(query, *, language=None, limit=4, filters=None):
    """Find products in the store's catalogue that match what the shopper wants.

    Use this when the shopper asks whether the store sells something or
    looks for a kind of product. ``query`` is the shopper's own words, in
    English or Chinese; price limits ("under £5") and colours ("red") in
    it are understood. Returns ``{"query", "filters", "products"}`` where
    each product has id, title, price, currency, url, image_url, in_stock
    and stock, read from the store just now. An empty product list means
    the store has nothing matching: say so, never invent a product.
    """
    from ..retrieval.search import parse_query, search_products

    parsed = parse_query(query, language=language)
    hits = search_products(query, limit=limit * 3, filters=filters, language=language)
    products = _closest_matches([hit.product for hit in hits], parsed)[:limit]
    applied = {
        "min_price": str(parsed.min_price) if parsed.min_price is not None else None,
        "max_price": str(parsed.max_price) if parsed.max_price is not None else None,
        "colours": list(parsed.colours),
        "keywords": parsed.core_keywords,
    }
    return {
        "query": parsed.text,
        "filters": applied,
        "products": [product_card(product) for product in products],
    }


def _closest_matches(products, parsed):
    """Keep the products that are what was asked for.

    Ranked search also returns near misses (a jumbo bag for "lunch bag")
    and, from the embedding channels, products that merely sound alike.
    In a chat reply every card should be the thing asked for, so the
    products whose title holds every query term (and the asked colour)
    are kept when there are some, else those sharing any term. When none
    shares a term, nothing is kept, unless the query has no English terms
    at all (Chinese words the lexicon does not know), where only the
    multilingual embeddings can judge.
    """
    from ..retrieval.search import analyze, has_colour

    terms = set(analyze(parsed.core_keywords))
    if not terms:
        return products

    def words(product):
        return set(analyze(f"{product.title} {product.category}"))

    def coloured(product):
        return any(has_colour(product, colour) for colour in parsed.colours)

    tiers = (
        lambda p: terms <= words(p) and coloured(p),
        lambda p: terms <= words(p),
        lambda p: terms & words(p),
    )
    for keep in tiers:
        kept = [p for p in products if keep(p)]
        if kept:
            return kept
    return products if not any(t.isascii() for t in terms) else []


def get_product_facts(product_id, *, question=""):
    """Read one product's current price, stock and description.

    Use this for questions about a specific product ("is this in stock?",
    "is this charger compatible with my laptop?"). ``product_id`` is the
    product the shopper is looking at or was just shown. ``question``
    picks out the description sentences that share words with it. Returns
    None when the product does not exist or is not published; otherwise
    ``{"product": card, "description", "brand", "category",
    "matching_sentences"}``. When
    the description does not answer the question, say that it does not
    say, and offer to ask the store's staff.
    """
    product = get_adapter().get_product(product_id) if product_id else None
    if product is None or not product.is_published:
        return None
    return {
        "product": product_card(product),
        "description": product.description,
        "brand": product.brand,
        "category": product.category,
        "matching_sentences": _matching_sentences(product, question),
    }


def _matching_sentences(product, question, limit=2):
    """Description sentences that share a meaningful word with the question."""
    wanted = {
        w for w in _WORD.findall(question.lower()) if w not in _QUESTION_STOPWORDS
    }
    if not wanted or not product.description:
        return []
    sentences = re.split(r"(?<=[.!?;])\s+|\n+", product.description)
    found = [s.strip() for s in sentences if wanted & set(_WORD.findall(s.lower()))]
    return found[:limit]


def recommend_products(*, product_id=None, user=None, cart_product_ids=(), limit=4):
    """Suggest products the shopper may like.

    Use this when the shopper asks for ideas or for something that goes
    with a product. ``product_id`` is the product in view, if any; with a
    signed-in ``user`` the suggestions follow their purchases. Returns
    ``{"products": [...]}`` with the same fields as search results; an
    empty list means there is nothing to suggest.
    """
    adapter = get_adapter()
    product = adapter.get_product(product_id) if product_id else None
    if product is None and cart_product_ids:
        product = adapter.get_product(list(cart_product_ids)[-1])
    products = _from_recommender(product, user, limit)
    if not products and product is not None:
        # No signals built yet (a new store): nearest vectors still work.
        products = _similar_by_embeddings(product, limit)
    exclude = {product.id} if product else set()
    cards = [product_card(p) for p in products if p.id not in exclude]
    return {"products": cards[:limit]}


def _from_recommender(product, user, limit):
    """Ask the recommendation engine; None when it cannot answer."""
    from ..recommend.services import recommend

    kind = "similar" if product is not None else "for_you"
    try:
        # Not tracked: the widget's click-through figures count widgets.
        items = recommend(kind, product=product, user=user, limit=limit, track=False)
    except (LookupError, ValueError) as exc:
        logger.warning("recommendations %s: unavailable (%s)", kind, exc)
        return None
    return _as_products(items)


def _as_products(recommendations):
    return [r.product for r in recommendations or [] if r.product.is_published]


def _similar_by_embeddings(product, limit):
    """Products whose stored vectors are nearest to this one's."""
    from ..retrieval.vectors import load_product_vectors

    ids, matrix = load_product_vectors()
    if product.id not in ids:
        return []
    scores = matrix @ matrix[ids.index(product.id)]
    nearest = [ids[i] for i in scores.argsort()[::-1][: limit * 3]]
    live = get_adapter().get_products(nearest)
    found = [live[i] for i in nearest if i in live and i != product.id]
    return [p for p in found if p.is_published and p.in_stock][:limit]


# --- Orders -----------------------------------------------------------------


@dataclass(frozen=True)
class OrderScope:
    """Whose orders a reply may show, taken from the request.

    ``user`` is the signed-in customer (or None); a guest's
    ``guest_email`` (with the ``guest_order_number`` they proved) comes
    from the widget's order form, checked by the chat transport.
    """

    user: object = None
    guest_order_number: str = ""
    guest_email: str = ""

    @property
    def is_customer(self):
        return self.user is not None and getattr(self.user, "is_authenticated", False)


def find_order_number(text):
    """Return the first order-number-like token in ``text``, or ''."""
    match = _ORDER_NUMBER.search(text or "")
    return match.group(1) if match else ""


def get_order_status(scope, *, number=""):
    """Look up the shopper's own order and its delivery state.

    Use this for "where is my order?" and questions about one order.
    ``number`` is an order number the shopper wrote, if any; without one
    the latest order is given. Only orders in ``scope`` are ever found: an
    order number of someone else gives exactly the same answer as a number
    that does not exist. Returns ``{"orders": [...], "asked_number",
    "needs_sign_in"}``; ``needs_sign_in`` is true for a guest who has not
    given an order number and email yet.
    """
    adapter = get_adapter()
    number = (number or "").lstrip("#")
    orders = []
    if scope.is_customer:
        if number:
            order = adapter.get_order_for_user(scope.user, number)
            orders = [order] if order else []
        else:
            orders = adapter.get_orders(scope.user, limit=1)
    elif scope.guest_email:
        order = adapter.get_order_for_guest(
            number or scope.guest_order_number, scope.guest_email
        )
        orders = [order] if order else []
    return {
        "orders": [order_card(o) for o in orders],
        "asked_number": number,
        "needs_sign_in": not scope.is_customer and not scope.guest_email,
    }


# --- Policies and people ------------------------------------------------------


def search_policies(question, *, language=None, topic=None):
    """Find the store's policy or help article that answers a question.

    Use this for shipping, delivery, returns, refunds, payment, account and
    contact questions. ``topic`` narrows the search ("shipping",
    "returns", "payment", "account", "orders", "contact"). Returns
    ``{"articles": [{"title", "slug", "summary", "body", "score"}]}``,
    best first; quote the summary rather than paraphrasing a policy.
    """
    from .knowledge import search_knowledge

    hits = search_knowledge(question, language=language, topic=topic, limit=1)
    return {
        "articles": [
            {
                "title": hit.article.title,
                "slug": hit.article.slug,
                "summary": hit.article.summary,
                "body": hit.article.body,
                "score": round(hit.score, 4),
            }
            for hit in hits
        ]
    }


def request_handoff():
    """Ask the store's staff to take over the conversation.

    Use this when the shopper asks for a person, is unhappy, or asks
    something the other tools cannot answer. The conversation is flagged
    for staff; tell the shopper they will be contacted by email at the
    given hours. Returns ``{"handoff": true, "email", "hours"}``.
    """
    return {
        "handoff": True,
        "email": ai_settings.SUPPORT_EMAIL,
        "hours": ai_settings.SUPPORT_HOURS,
    }
