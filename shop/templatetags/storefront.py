"""Presentation helpers for the demo store's templates."""

import re
import zlib
from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "CNY": "¥", "JPY": "¥"}

# Words kept lower-case inside a title when an all-caps title is tidied.
_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "for",
    "in",
    "of",
    "on",
    "or",
    "the",
    "to",
    "with",
}


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
def display_title(title):
    """Tidy an ALL-CAPS catalogue title (the UCI data) into title case.

    Titles already in mixed case are left as the store wrote them.
    """
    title = " ".join(str(title).split())
    if not title.isupper():
        return title
    words = title.lower().split(" ")
    tidied = [
        w if (i and w in _SMALL_WORDS) else re.sub(r"^[a-z]", _upper, w)
        for i, w in enumerate(words)
    ]
    return " ".join(tidied)


def _upper(match):
    return match.group(0).upper()


@register.filter
def initials(title):
    """Up to two letters standing for a product on its placeholder tile."""
    words = [w for w in re.split(r"[^\w]+", display_title(title)) if w.isalpha()]
    words = [w for w in words if w.lower() not in _SMALL_WORDS] or words
    return "".join(w[0] for w in words[:2]).upper() or "•"


@register.filter
def tile_hue(category):
    """A stable colour hue (0-359) for a category, so its tiles match."""
    key = getattr(category, "slug", None) or str(category or "")
    return zlib.crc32(key.encode()) % 360


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
