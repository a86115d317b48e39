"""
The recommendation service: what the tags, the API and the chat call.

:func:`recommend` reads the precomputed lists for one kind of widget,
blends them with the shopper's history where the kind asks for it, and
applies the rules against live product data at every read: never the
product itself or a duplicate title, nothing unpublished, deleted or
(by setting) out of stock, nothing in the cart, optionally nothing already
bought, no item twice; a list its first source leaves short is filled
from the next one.
"""

import logging
import secrets
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..adapters import ProductData, get_adapter
from ..conf import ai_settings
from ..models.recommend import Kind, Signal
from . import ranker, store, tracking

logger = logging.getLogger(__name__)

# The most items one list may hold (the API and tags are asked for 4-12).
MAX_LIMIT = 24
# The session key holding a guest's (and customer's) recently viewed ids.
VIEWED_SESSION_KEY = "ai_assist_viewed"
VIEWED_KEEP = 20
# How many candidates are checked against live data per database read.
CHECK_BATCH = 16
# Orders read for a customer's history: enough for a taste, bounded cost.
ORDERS_READ = 20


@dataclass(frozen=True)
class Recommendation:
    """One product to show, with why and how to attribute what follows."""

    product: ProductData
    reason: str
    kind: str
    token: str
    position: int = 0
    # The signal the item came from ("co_purchase", "content", "trending"...).
    source: str = ""

    @property
    def click_url(self):
        """The product link that records a click on the way."""
        return reverse("ai_assist:recommendation_click", args=[self.token])


@dataclass
class _Candidate:
    product_id: str
    signal: str
    because_of: str = ""


@dataclass
class _Shopper:
    """Who the list is for, gathered once per call."""

    user: object = None
    request: object = None
    cart: dict = field(default_factory=dict)
    viewed: list = field(default_factory=list)
    orders: list = field(default_factory=list)

    @property
    def bought(self):
        return {line.product_id for o in self.orders for line in o.lines}


def recommend(
    kind,
    *,
    product=None,
    user=None,
    request=None,
    limit=4,
    track=True,
    exclude=(),
):
    """Return up to ``limit`` :class:`Recommendation` for one widget kind.

    ``kind`` is one of ``similar``, ``bought_together``, ``for_you`` and
    ``trending``. ``product`` (a ProductData, a host instance or an id) is
    the page's product; ``similar`` needs it, ``bought_together`` uses the
    cart when it is missing. ``user`` defaults to ``request.user``; the
    request gives the cart and the session's recently viewed products.
    With ``track`` the impressions are recorded for the click-through
    figures. Product ids in ``exclude`` are left out (the widgets pass
    what the page already shows). Raises ValueError for an unknown kind.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown recommendation kind {kind!r}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    shopper = _shopper(user, request, need_orders=kind == Kind.FOR_YOU)
    adapter = get_adapter()
    anchor_id = _product_id(product)
    anchor = adapter.get_product(anchor_id) if anchor_id else None

    candidates = _SOURCES[kind](anchor_id, anchor, shopper)
    picked = _pick(candidates, anchor_id, anchor, shopper, limit, exclude)
    reasons = _reasons(picked, kind, shopper, anchor)
    recommendations = [
        Recommendation(
            product=item,
            reason=reasons[i],
            kind=kind,
            token=secrets.token_urlsafe(12),
            position=i,
            source=candidate.signal,
        )
        for i, (item, candidate) in enumerate(picked)
    ]
    if request is not None:
        tracking.attribute_cart(request, shopper.cart)
    if track and recommendations:
        tracking.record_impressions(recommendations, user=shopper.user, request=request)
    return recommendations


def note_product_view(request, product_id):
    """Remember that this session looked at a product (once per request).

    Feeds a guest's ``for_you`` list and the trending score. Product pages
    call it; the ``similar`` and ``bought_together`` tags call it for the
    page's product.
    """
    product_id = str(product_id)
    if getattr(request, "_ai_assist_viewed", None) == product_id:
        return
    request._ai_assist_viewed = product_id
    session = getattr(request, "session", None)
    if session is not None:
        viewed = [
            pid for pid in session.get(VIEWED_SESSION_KEY, []) if pid != product_id
        ]
        session[VIEWED_SESSION_KEY] = [product_id, *viewed][:VIEWED_KEEP]
    tracking.count_view(product_id, timezone.localdate())


def refresh_product(product_id):
    """Recompute one product's similar-products list from its current text.

    Queued when a product is saved, so a new product, or one whose text
    changed, gets a fitting list before the next nightly rebuild.
    """
    product = get_adapter().get_product(product_id)
    if product is None:
        store.forget_product(product_id, deleted=True)
        return []
    return _content_on_demand(product)


# --- Who the list is for ----------------------------------------------------


def _shopper(user, request, *, need_orders):
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    shopper = _Shopper(user=user, request=request)
    if request is not None:
        shopper.cart = get_adapter().get_cart(request)
        session = getattr(request, "session", None)
        if session is not None:
            shopper.viewed = [str(p) for p in session.get(VIEWED_SESSION_KEY, [])]
    if user is not None and (need_orders or ai_settings.HIDE_PURCHASED):
        shopper.orders = get_adapter().get_orders(user, limit=ORDERS_READ)
    return shopper


def _product_id(product):
    if product is None or product == "":
        return ""
    if isinstance(product, ProductData):
        return product.id
    return str(getattr(product, "pk", product))


# --- Where candidates come from, per kind --------------------------------------


def _from_lists(signal, anchors):
    """Candidates from the stored lists of ``anchors`` under one signal."""
    lists = store.get_lists(signal, anchors)
    history = {a: 1.0 / len(anchors) for a in anchors}
    scored = ranker.score_candidates(history, {signal: lists}, weights={signal: 1.0})
    for item in ranker.top(scored, None):
        yield _Candidate(item.product_id, signal, item.because_of)


def _trending():
    for product_id, score in store.get_trending():
        yield _Candidate(product_id, Signal.TRENDING if score > 0 else "new")


def _similar(anchor_id, anchor, shopper):
    if anchor_id:
        content = store.get_lists(Signal.CONTENT, [anchor_id])[anchor_id]
        if not content and anchor is not None:
            content = _content_on_demand(anchor)
        for product_id, _score in content:
            yield _Candidate(product_id, Signal.CONTENT, anchor_id)
        yield from _from_lists(Signal.CO_PURCHASE, [anchor_id])
    yield from _trending()


def _bought_together(anchor_id, anchor, shopper):
    anchors = [anchor_id] if anchor_id else list(shopper.cart)
    if anchors:
        yield from _from_lists(Signal.CO_PURCHASE, anchors)
        yield from _from_lists(Signal.CO_CUSTOMER, anchors)
        yield from _from_lists(Signal.CONTENT, anchors)
    yield from _trending()


def _for_you(anchor_id, anchor, shopper):
    history = ranker.history_weights(
        _history_events(shopper), half_life_days=ranker.HISTORY_HALF_LIFE_DAYS
    )
    if history:
        signals = [Signal.CO_CUSTOMER, Signal.CO_PURCHASE, Signal.CONTENT]
        neighbours = {s: store.get_lists(s, list(history)) for s in signals}
        popularity = dict(store.get_trending())
        scored = ranker.score_candidates(
            history,
            neighbours,
            popularity=popularity,
            weights=ai_settings.RECOMMENDATION_WEIGHTS,
        )
        for item in ranker.top(scored, None):
            yield _Candidate(item.product_id, item.signal, item.because_of)
    yield from _trending()


def _history_events(shopper):
    """``(product_id, age_days, kind)`` for the orders, cart and views."""
    now = timezone.now()
    for order in shopper.orders:
        age = (
            (now - order.created_at).total_seconds() / 86400 if order.created_at else 0
        )
        for line in order.lines:
            if line.product_id:
                yield line.product_id, age, "order"
    for product_id in shopper.cart:
        yield product_id, 0.0, "cart"
    for rank, product_id in enumerate(shopper.viewed):
        yield product_id, float(rank), "view"  # older views are further down


_SOURCES = {
    Kind.SIMILAR: _similar,
    Kind.BOUGHT_TOGETHER: _bought_together,
    Kind.FOR_YOU: _for_you,
    Kind.TRENDING: lambda anchor_id, anchor, shopper: _trending(),
}


def _content_on_demand(anchor):
    """Content neighbours of a product the last rebuild did not know.

    A new product (or one whose text changed) gets its list from the stored
    vectors of the catalogue and its own text embedded now; the title alone
    is enough when there is no description. The list is saved, so this
    runs once per product until the next rebuild.
    """
    from .rebuild import nearest_by_vector

    try:
        neighbours = nearest_by_vector(anchor, k=ai_settings.NEIGHBOURS)
    except Exception:  # the embedder or vectors being unavailable is not fatal
        logger.warning(
            "product %s: no content neighbours on demand", anchor.id, exc_info=True
        )
        return []
    if neighbours:
        store.save_list(Signal.CONTENT, anchor.id, neighbours)
    return neighbours


# --- The rules ----------------------------------------------------------------


def _pick(candidates, anchor_id, anchor, shopper, limit, exclude=()):
    """Walk candidates best first, keeping those that pass every rule.

    Live product data is read a batch at a time, so a list whose first
    candidates are all sold out costs a few queries, not one per item.
    """
    adapter = get_adapter()
    excluded = {anchor_id, *shopper.cart, *(str(pid) for pid in exclude)}
    if ai_settings.HIDE_PURCHASED:
        excluded |= shopper.bought
    titles = {_title_key(anchor.title)} if anchor is not None else set()
    picked, seen, pending = [], set(), []

    def check(batch):
        live = adapter.get_products([c.product_id for c in batch])
        for candidate in batch:
            item = live.get(candidate.product_id)
            if item is None or not _allowed(item) or _title_key(item.title) in titles:
                continue
            titles.add(_title_key(item.title))
            picked.append((item, candidate))
            if len(picked) >= limit:
                return

    for candidate in candidates:
        if candidate.product_id in seen or candidate.product_id in excluded:
            continue
        seen.add(candidate.product_id)
        pending.append(candidate)
        if len(pending) >= max(CHECK_BATCH, limit * 2):
            check(pending)
            pending = []
            if len(picked) >= limit:
                break
    if pending and len(picked) < limit:
        check(pending)
    return picked[:limit]


def _allowed(product):
    if not product.is_published:
        return False
    return product.in_stock or not ai_settings.HIDE_OUT_OF_STOCK


def _title_key(title):
    return " ".join((title or "").casefold().split())


# --- Reasons ------------------------------------------------------------------


def _reasons(picked, kind, shopper, anchor):
    """One short line per item saying why it is there."""
    # Titles already at hand (the page's product, the order lines) cost no
    # query; only other source products are read.
    titles = {line.product_id: line.title for o in shopper.orders for line in o.lines}
    if anchor is not None:
        titles[anchor.id] = anchor.title
    sources = {c.because_of for _, c in picked if c.because_of} - set(titles)
    if sources:
        titles.update(
            (pid, p.title) for pid, p in get_adapter().get_products(sources).items()
        )
    bought = shopper.bought
    return [
        _reason(kind, candidate, titles.get(candidate.because_of, ""), shopper, bought)
        for _, candidate in picked
    ]


def _reason(kind, candidate, source_title, shopper, bought):
    if candidate.signal == "new":
        return _("New in")
    if candidate.signal == Signal.TRENDING or not source_title:
        return _("Popular right now")
    if kind == Kind.FOR_YOU:
        if candidate.product_id in bought:
            return _("Buy again")
        if candidate.because_of in shopper.cart:
            return _("Goes with %(title)s in your cart") % {"title": source_title}
        if candidate.because_of in bought:
            return _("Because you bought %(title)s") % {"title": source_title}
        return _("Because you viewed %(title)s") % {"title": source_title}
    if candidate.signal == Signal.CO_PURCHASE:
        return _("Often bought with %(title)s") % {"title": source_title}
    if candidate.signal == Signal.CO_CUSTOMER:
        return _("Customers who bought %(title)s also bought this") % {
            "title": source_title
        }
    return _("Similar to %(title)s") % {"title": source_title}
