"""Presentation helpers for the demo store's templates."""

import re
import zlib
from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.text import slugify

from shop.models import Category

register = template.Library()

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "CNY": "¥", "JPY": "¥"}

# Words skipped when picking a product's initials: "Set of 3 Cake Tins" -> "SC".
_SMALL_WORDS = set("a an and as at for in of on or the to with".split())


@register.filter
def money(amount, currency="GBP"):
    """Format ``amount`` with its currency: ``£12.50``, ``CHF 12.50``."""
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return ""
    number = intcomma(f"{amount:.2f}", use_l10n=False)
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"


@register.filter
def initials(title):
    """Up to two letters standing for a product on its placeholder tile."""
    words = [w for w in re.split(r"[^\w]+", str(title)) if w.isalpha()]
    words = [w for w in words if w.lower() not in _SMALL_WORDS] or words
    return "".join(w[0] for w in words[:2]).upper() or "•"


@register.filter
def tile_hue(subject):
    """A stable colour hue (0-359) for a category or a product's tile.

    A category always gets the same hue; its products vary a little around
    it, so a category page reads as one family without looking uniform.
    """
    if isinstance(subject, Category) or subject is None:
        return _stable_number(getattr(subject, "slug", "")) % 360
    category = subject.category
    if isinstance(category, str):
        # ai_assist's ProductData names its category; the hue goes by slug.
        category = Category(slug=slugify(category)) if category else None
    base = tile_hue(category)
    return (base + _stable_number(subject.sku) % 41 - 20) % 360


@register.filter
def tile_variant(product):
    """Which of the four tile patterns (0-3) a product's tile uses."""
    return _stable_number(product.sku[::-1]) % 4


def _stable_number(text):
    # crc32, not hash(): the colour must not change between processes.
    return zlib.crc32(str(text or "").encode())


@register.inclusion_tag("shop/includes/product_visual.html")
def product_visual(product, size="card"):
    """The product's image, or a colour tile with initials when it has none."""
    return {"product": product, "size": size}


@register.simple_tag(takes_context=True)
def query_with(context, **params):
    """The current query string with ``params`` replaced (for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in params.items():
        query[key] = value
    return query.urlencode()
