"""Turning the session cart into an order."""

import logging
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .cart import clear_cart, get_cart_contents
from .models import Order, OrderLine, Product

logger = logging.getLogger(__name__)

# Orders placed guest-side are remembered in the session so the shopper can
# see the confirmation page without an account.
PLACED_ORDERS_SESSION_KEY = "placed_orders"
# The order whose confirmation has not been shown yet.
CONFIRM_SESSION_KEY = "confirm_order"


class CheckoutError(Exception):
    """The cart cannot become an order; the message is for the shopper."""


def new_order_number():
    """Return an unused order number such as ``W261203-4F2A1C``.

    The ``W`` prefix keeps web orders apart from the imported UCI invoice
    numbers, which are six digits.
    """
    while True:
        number = f"W{timezone.now():%y%m%d}-{secrets.token_hex(3).upper()}"
        if not Order.objects.filter(number=number).exists():
            return number


def place_order(session, *, user=None, email=""):
    """Create an order from the session cart, take its stock and empty the cart.

    ``user`` is the signed-in customer, or None for a guest, who must give
    ``email``. Prices are those of the products at this moment. Raises
    :class:`CheckoutError` when the cart is empty, mixes currencies, or a
    product no longer has the stock asked for; nothing is changed then.
    """
    contents = get_cart_contents(session)
    if not contents.lines:
        raise CheckoutError("Your cart is empty.")
    currencies = {line.product.currency for line in contents.lines}
    if len(currencies) > 1:
        raise CheckoutError(
            "Your cart holds prices in more than one currency "
            f"({', '.join(sorted(currencies))}); please order them separately."
        )
    customer = user if user is not None and user.is_authenticated else None
    if customer is None and not email:
        raise CheckoutError("Please give an email address for your receipt.")

    with transaction.atomic():
        _take_stock(contents.lines)
        order = Order.objects.create(
            number=new_order_number(),
            customer=customer,
            email=email or getattr(customer, "email", ""),
            created_at=timezone.now(),
            currency=currencies.pop(),
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=line.product,
                title=line.product.title,
                quantity=line.quantity,
                unit_price=line.product.price,
            )
            for line in contents.lines
        )

    clear_cart(session)
    placed = session.get(PLACED_ORDERS_SESSION_KEY, [])
    session[PLACED_ORDERS_SESSION_KEY] = [*placed[-19:], order.number]
    session[CONFIRM_SESSION_KEY] = order.number
    logger.info("order %s: placed with %d lines", order.pk, len(contents.lines))
    return order


def _take_stock(lines):
    # A conditional UPDATE per line: it cannot oversell even when two
    # checkouts race, on SQLite as on PostgreSQL, and it skips save()
    # signals, since stock is read live wherever it is shown.
    for line in lines:
        taken = Product.objects.filter(
            pk=line.product.pk, is_published=True, stock__gte=line.quantity
        ).update(stock=F("stock") - line.quantity, updated_at=timezone.now())
        if not taken:
            left = Product.objects.filter(pk=line.product.pk).values_list(
                "stock", flat=True
            )
            left = left.first() or 0
            raise CheckoutError(
                f"Only {left} of “{line.product.title}” left; "
                "please change the quantity in your cart."
            )


def can_view_order(request, order):
    """Whether this request may see ``order``: its customer, or the guest
    whose session placed it."""
    user = request.user
    if user.is_authenticated and order.customer_id == user.pk:
        return True
    return order.number in request.session.get(PLACED_ORDERS_SESSION_KEY, [])


def pop_confirmation(session, order):
    """Whether to thank the shopper for ``order``: true once, right after checkout."""
    if session.get(CONFIRM_SESSION_KEY) != order.number:
        return False
    del session[CONFIRM_SESSION_KEY]
    return True
