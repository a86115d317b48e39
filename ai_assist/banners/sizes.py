"""Banner size presets and parsing of ``"WIDTHxHEIGHT"`` lists."""

from django.utils.translation import gettext_lazy as _

# The sizes the admin offers, with the places each one is made for.
SIZE_PRESETS = {
    "1200x628": _("1200 x 628: link preview, Facebook feed"),
    "1080x1080": _("1080 x 1080: square post"),
    "1080x1350": _("1080 x 1350: portrait post"),
    "1080x1920": _("1080 x 1920: story"),
    "728x90": _("728 x 90: leaderboard"),
    "300x250": _("300 x 250: medium rectangle"),
    "1920x600": _("1920 x 600: storefront hero"),
}
DEFAULT_SIZES = ["1200x628", "1080x1080", "1920x600", "728x90"]
# Anything outside this range is refused, so nobody renders a poster by
# mistake on a 2-core worker.
MIN_SIDE, MAX_SIDE = 50, 4000


class SizeError(ValueError):
    """A size list that cannot be parsed, with the offending entry named."""


def parse_size(text):
    """Return ``(width, height)`` for ``"1200x628"``; raise :class:`SizeError`."""
    parts = str(text).strip().lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise SizeError(
            f"{text!r} is not a size; write it as WIDTHxHEIGHT, e.g. 1200x628"
        )
    width, height = (int(p) for p in parts)
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise SizeError(
            f"{text!r} is out of range; each side must be {MIN_SIDE} to {MAX_SIDE} px"
        )
    return width, height


def parse_sizes(value):
    """Parse a comma-separated string or a list into ``[(w, h), ...]``."""
    items = value.split(",") if isinstance(value, str) else list(value)
    sizes = [parse_size(item) for item in items if str(item).strip()]
    if not sizes:
        raise SizeError("no sizes given; e.g. --sizes 1200x628,1080x1080")
    return list(dict.fromkeys(sizes))


def size_label(size):
    return f"{size[0]}x{size[1]}"
