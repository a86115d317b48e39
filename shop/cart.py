"""The session cart.

The cart lives in the session under ``AI_ASSIST["CART_SESSION_KEY"]``
(``"cart"``) as ``{product_id_str: quantity}``: the shape the app's
adapter reads, so the assistant sees the same cart as the shopper.
"""

from dataclasses import dataclass
from decimal import Decimal

from ai_assist.conf import ai_settings

from .models import Product

# The most of one product a shopper can put in the cart at once.
MAX_LINE_QUANTITY = 99


class CartError(Exception):
    """A cart change that cannot be made; the message is for the shopper."""


@dataclass
class CartLine:
    """One product in the cart with its quantity."""

    product: Product
    quantity: int

    @property
    def total(self):
        return self.product.price * self.quantity


@dataclass
class CartContents:
    """The cart's lines with live products, and what they add up to."""

    lines: list[CartLine]

    @property
    def count(self):
        return sum(line.quantity for line in self.lines)

    @property
    def totals(self):
        """Subtotal per currency, as ``[(currency, amount)]``."""
        totals = {}
        for line in self.lines:
            currency = line.product.currency
            totals[currency] = totals.get(currency, Decimal("0")) + line.total
        return sorted(totals.items())

    @property
    def product_ids(self):
        return [str(line.product.pk) for line in self.lines]


def get_cart(session):
    """Return the raw cart, ``{product_id_str: quantity}``, never None."""
    raw = session.get(ai_settings.CART_SESSION_KEY) or {}
    cart = {}
    for product_id, quantity in dict(raw).items():
        try:
            cart[str(product_id)] = int(quantity)
        except (TypeError, ValueError):
            continue  # a damaged entry is dropped rather than failing the page
    return cart


def _save(session, cart):
    session[ai_settings.CART_SESSION_KEY] = cart
    session.modified = True


def count_items(session):
    """Return how many items the cart holds (the header's badge)."""
    return sum(q for q in get_cart(session).values() if q > 0)


def add_to_cart(session, product, quantity=1):
    """Add ``quantity`` of ``product``, capped by its stock; return the new total.

    Raises :class:`CartError` when the product is not for sale or out of
    stock.
    """
    if not product.is_published:
        raise CartError(f"“{product.title}” is no longer for sale.")
    if product.stock < 1:
        raise CartError(f"“{product.title}” is out of stock.")

    cart = get_cart(session)
    key = str(product.pk)
    wanted = cart.get(key, 0) + max(int(quantity), 1)
    cart[key] = min(wanted, product.stock, MAX_LINE_QUANTITY)
    _save(session, cart)
    return cart[key]


def set_quantity(session, product, quantity):
    """Set the quantity of ``product``, capped by stock; 0 removes the line.

    Returns the quantity now in the cart.
    """
    cart = get_cart(session)
    key = str(product.pk)
    quantity = min(max(int(quantity), 0), product.stock, MAX_LINE_QUANTITY)
    if quantity:
        cart[key] = quantity
    else:
        cart.pop(key, None)
    _save(session, cart)
    return quantity


def remove_from_cart(session, product_id):
    """Remove a product from the cart; a product not in it is ignored."""
    cart = get_cart(session)
    if cart.pop(str(product_id), None) is not None:
        _save(session, cart)


def clear_cart(session):
    """Empty the cart (after checkout)."""
    _save(session, {})


def get_cart_contents(session):
    """Return the cart with live products, in the order they were added.

    Products that are gone or unpublished drop out of the cart here, so a
    stale session never shows or sells them.
    """
    cart = get_cart(session)
    ids = [int(pid) for pid, qty in cart.items() if pid.isdigit() and qty > 0]
    products = Product.objects.filter(pk__in=ids, is_published=True)
    products = products.select_related("category").in_bulk()

    lines = [CartLine(products[pk], cart[str(pk)]) for pk in ids if pk in products]
    if len(lines) != len(cart):
        _save(session, {str(line.product.pk): line.quantity for line in lines})
    return CartContents(lines)
