"""
What happened after a recommendation was shown, attributed to its widget.

Every item shown carries a token. The impression is stored when the list
is served; the click arrives through the redirect view (or the API beacon)
with the token; the click is remembered in the session, so when the
product later shows up in the cart (as the adapter reports it) the cart
event is attributed; and orders are matched in the batch run against the
clicks of signed-in customers, since only their orders name a customer.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..adapters import get_adapter
from ..conf import ai_settings
from ..models.recommend import Kind, ProductView, RecommendationEvent

logger = logging.getLogger(__name__)

Action = RecommendationEvent.Action

# The session key holding {product_id: token} of recent clicks.
CLICKS_SESSION_KEY = "ai_assist_rec_clicks"


def record_impressions(recommendations, *, user=None, request=None):
    """Store one impression per item shown."""
    session_key = _session_key(request)
    RecommendationEvent.objects.bulk_create(
        [
            RecommendationEvent(
                token=rec.token,
                action=Action.IMPRESSION,
                kind=rec.kind,
                product_id=rec.product.id,
                position=rec.position,
                user=user,
                session_key=session_key,
            )
            for rec in recommendations
        ],
        ignore_conflicts=True,
    )


def record_click(token, request=None):
    """Record a click on the item shown under ``token``.

    Returns the impression event (its ``product_id`` says where to go), or
    None for an unknown token. A second click on the same item counts once.
    """
    impression = RecommendationEvent.objects.filter(
        token=token, action=Action.IMPRESSION
    ).first()
    if impression is None:
        return None
    user = getattr(request, "user", None)
    user = user if getattr(user, "is_authenticated", False) else impression.user
    _record(impression, Action.CLICK, user=user, session_key=_session_key(request))
    session = getattr(request, "session", None)
    if session is not None:
        clicks = dict(session.get(CLICKS_SESSION_KEY, {}))
        clicks[impression.product_id] = token
        session[CLICKS_SESSION_KEY] = clicks
    return impression


def attribute_cart(request, cart=None):
    """Record add-to-cart for clicked items that are now in the cart.

    Called whenever a list is served with a request, and safe to call from
    a host's own cart view. Each clicked item is attributed once.
    """
    session = getattr(request, "session", None)
    clicks = session.get(CLICKS_SESSION_KEY) if session is not None else None
    if not clicks:
        return 0
    cart = cart if cart is not None else get_adapter().get_cart(request)
    in_cart = {pid: token for pid, token in clicks.items() if pid in cart}
    if not in_cart:
        return 0
    impressions = RecommendationEvent.objects.filter(
        token__in=list(in_cart.values()), action=Action.IMPRESSION
    )
    count = sum(
        _record(i, Action.CART, user=i.user, session_key=_session_key(request))
        for i in impressions
    )
    # Attributed items leave the session so the check stays cheap.
    session[CLICKS_SESSION_KEY] = {
        pid: token for pid, token in clicks.items() if pid not in in_cart
    }
    return count


def attribute_orders(*, now=None):
    """Match recent clicks of signed-in customers against their orders.

    A click counts as converted when the same customer ordered the same
    product within ``ATTRIBUTION_DAYS`` after it. Runs in the batch rebuild.
    Returns the number of order events recorded.
    """
    now = now or timezone.now()
    window = timedelta(days=ai_settings.ATTRIBUTION_DAYS)
    clicks = RecommendationEvent.objects.filter(
        action=Action.CLICK, user__isnull=False, created_at__gte=now - 2 * window
    ).exclude(
        token__in=RecommendationEvent.objects.filter(action=Action.ORDER).values(
            "token"
        )
    )
    pending = defaultdict(list)  # (customer, product) -> [click, ...]
    earliest = None
    for click in clicks:
        pending[str(click.user_id), click.product_id].append(click)
        earliest = min(earliest or click.created_at, click.created_at)
    if not pending:
        return 0

    recorded = 0
    for row in get_adapter().iter_purchases(since=earliest):
        for click in pending.get((row.customer_id, row.product_id), ()):
            if click.created_at <= row.created_at <= click.created_at + window:
                recorded += _record(
                    click, Action.ORDER, user=click.user, order_id=row.order_id
                )
    logger.info("recommendations: %s orders attributed to widgets", recorded)
    return recorded


def count_view(product_id, day):
    """Add one view to the product's daily count."""
    updated = ProductView.objects.filter(product_id=product_id, day=day).update(
        views=F("views") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                ProductView.objects.create(product_id=product_id, day=day, views=1)
        except IntegrityError:  # another request created the row first
            ProductView.objects.filter(product_id=product_id, day=day).update(
                views=F("views") + 1
            )


def widget_stats(days=30, *, now=None):
    """Daily impressions, clicks, carts and orders per widget kind.

    Returns ``{kind: [{"day", "impression", "click", "cart", "order",
    "ctr", "conversion"}, ...]}`` with one entry per day of the window
    (days without events at zero), oldest first. ``ctr`` is clicks per
    impression, ``conversion`` orders per click.
    """
    now = now or timezone.now()
    start = timezone.localdate(now) - timedelta(days=days - 1)
    rows = (
        RecommendationEvent.objects.filter(created_at__date__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values("kind", "action", "day")
        .annotate(n=Count("id"))
    )
    counts = defaultdict(int)
    for row in rows:
        counts[row["kind"], row["action"], row["day"]] += row["n"]
    stats = {}
    for kind in Kind.values:
        series = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            entry = {"day": day}
            for action in Action.values:
                entry[action] = counts[kind, action, day]
            entry["ctr"] = _ratio(entry["click"], entry["impression"])
            entry["conversion"] = _ratio(entry["order"], entry["click"])
            series.append(entry)
        stats[kind] = series
    return stats


def _ratio(part, whole):
    return round(part / whole, 4) if whole else 0.0


def _record(impression, action, *, user=None, session_key="", order_id=""):
    """Store ``action`` for the impression's token; False if it was stored."""
    _, created = RecommendationEvent.objects.get_or_create(
        token=impression.token,
        action=action,
        defaults={
            "kind": impression.kind,
            "product_id": impression.product_id,
            "position": impression.position,
            "user": user,
            "session_key": session_key or impression.session_key,
            "order_id": order_id,
        },
    )
    return created


def _session_key(request):
    session = getattr(request, "session", None)
    return (getattr(session, "session_key", None) or "") if session else ""
