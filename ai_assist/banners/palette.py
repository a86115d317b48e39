"""
Colours for banners: parsing, WCAG contrast, and palettes.

Contrast follows WCAG 2.x: relative luminance of sRGB colours and the
ratio ``(L1 + 0.05) / (L2 + 0.05)``. Banner text must reach
:data:`MIN_CONTRAST` (level AA for normal text) against every part of the
background it sits on.
"""

import colorsys
import re
from dataclasses import dataclass

MIN_CONTRAST = 4.5
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
INK = (17, 24, 39)  # near-black reads softer than pure black

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_colour(value, default=None):
    """Return an ``(r, g, b)`` tuple for ``"#rrggbb"``/``"#rgb"``, or default."""
    if isinstance(value, (tuple, list)) and len(value) >= 3:
        return tuple(int(v) for v in value[:3])
    match = _HEX.match(str(value or "").strip())
    if not match:
        return default
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def to_hex(rgb):
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def _channel(value):
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb):
    """WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    r, g, b = (_channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a, b):
    """WCAG contrast ratio between two colours, from 1 to 21."""
    la, lb = luminance(a), luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def worst_contrast(colour, backgrounds):
    """The lowest contrast of ``colour`` against any of ``backgrounds``."""
    return min(contrast_ratio(colour, bg) for bg in backgrounds)


def mix(a, b, t):
    """Blend ``a`` towards ``b`` by ``t`` (0 gives a, 1 gives b)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a[:3], b[:3], strict=True))


def adjust_for_contrast(colour, backgrounds, minimum=MIN_CONTRAST):
    """Return ``colour``, lightened or darkened until it reaches ``minimum``.

    Keeps the hue: the colour is blended towards white or black, whichever
    direction reaches the ratio with the smaller change. Returns None when
    even white or black falls short (a background that is mid-grey in one
    place and black in another); the caller then adds a panel.
    """
    if worst_contrast(colour, backgrounds) >= minimum:
        return tuple(colour)
    options = []
    for target in (WHITE, BLACK):
        for step in range(1, 21):
            candidate = mix(colour, target, step / 20)
            if worst_contrast(candidate, backgrounds) >= minimum:
                options.append((step, candidate))
                break
    if not options:
        return None
    return min(options)[1]


def pick_text_colour(backgrounds, preferred=None, minimum=MIN_CONTRAST):
    """The colour for text over ``backgrounds``, or None if none reaches it.

    Tries ``preferred`` (the brand's text colour), then near-black, then
    white, then the preferred colour adjusted.
    """
    for colour in (preferred, INK, WHITE):
        if colour is not None and worst_contrast(colour, backgrounds) >= minimum:
            return tuple(colour)
    if preferred is not None:
        return adjust_for_contrast(preferred, backgrounds, minimum)
    return None


def saturation(rgb):
    _, _, s = colorsys.rgb_to_hls(*(v / 255 for v in rgb[:3]))
    return s


def lightness(rgb):
    _, lum, _ = colorsys.rgb_to_hls(*(v / 255 for v in rgb[:3]))
    return lum


def with_lightness(rgb, value):
    h, _, s = colorsys.rgb_to_hls(*(v / 255 for v in rgb[:3]))
    r, g, b = colorsys.hls_to_rgb(h, max(0.0, min(1.0, value)), s)
    return (round(r * 255), round(g * 255), round(b * 255))


def dominant_colours(image, count=3):
    """The most common clearly coloured tones of a photo, most common first.

    Near-white, near-black, grey and transparent pixels are ignored, since
    product shots sit on white studio backgrounds.
    """
    thumb = image.convert("RGBA")
    thumb.thumbnail((64, 64))
    pixels = [
        p[:3]
        for p in getattr(thumb, "get_flattened_data", thumb.getdata)()
        if p[3] > 128 and 0.12 < lightness(p) < 0.92 and saturation(p) > 0.2
    ]
    if not pixels:
        return []
    # Coarse buckets merge near-identical shades of one colour.
    buckets = {}
    for r, g, b in pixels:
        key = (r // 32, g // 32, b // 32)
        total = buckets.setdefault(key, [0, 0, 0, 0])
        total[0] += r
        total[1] += g
        total[2] += b
        total[3] += 1
    ranked = sorted(buckets.values(), key=lambda t: -t[3])
    return [(t[0] // t[3], t[1] // t[3], t[2] // t[3]) for t in ranked[:count]]


@dataclass(frozen=True)
class Palette:
    """The colours of one banner.

    ``background`` fills the canvas behind the text; ``surface`` and
    ``shapes`` decorate; ``accent`` fills the call-to-action button and
    ``accent_text`` labels it; ``text`` is the preferred text colour (the
    renderer still checks it against the pixels it lands on).
    """

    background: tuple
    surface: tuple
    accent: tuple
    accent_text: tuple
    text: tuple
    shapes: tuple


def build_palette(brand_colours, photo_colours, rng):
    """Make a :class:`Palette` from brand colours and the photo's colours.

    ``brand_colours`` has ``primary``, ``secondary``, ``accent``,
    ``background`` and ``text`` (each may be None); ``rng`` is a seeded
    ``random.Random`` so one seed always gives one palette. Half the seeds
    use the brand's primary colour as the backdrop, the other half its
    light background, which keeps variants of one product visibly apart.
    """
    primary = brand_colours.get("primary") or (37, 99, 235)
    secondary = brand_colours.get("secondary") or mix(primary, WHITE, 0.6)
    accent = brand_colours.get("accent") or (249, 115, 22)
    light = brand_colours.get("background") or (248, 250, 252)
    text = brand_colours.get("text")
    photo = photo_colours[0] if photo_colours else secondary

    if rng.random() < 0.5:
        background = primary
        surface = mix(primary, photo, 0.35)
    else:
        background = light
        surface = mix(light, photo, 0.25)
    shapes = tuple(
        mix(c, background, 0.55) for c in (secondary, photo, accent, surface)
    )

    # The button must stand out from the backdrop; if the accent is too
    # close to it, try the secondary colour, then the photo's colour.
    button = accent
    for candidate in (accent, secondary, photo, INK):
        if contrast_ratio(candidate, background) >= 1.8:
            button = candidate
            break
    label = pick_text_colour([button], preferred=WHITE)
    if label is None:
        button = adjust_for_contrast(button, [WHITE]) or INK
        label = WHITE
    return Palette(
        background=tuple(background),
        surface=tuple(surface),
        accent=tuple(button),
        accent_text=tuple(label),
        text=tuple(text) if text else INK,
        shapes=shapes,
    )
