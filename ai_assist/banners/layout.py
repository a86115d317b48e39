"""
Where things go on a banner, and how text is made to fit.

:func:`plan_zones` divides a canvas into a safe area, a logo box, a photo
box, a text zone and a button zone, by the canvas's shape (a thin strip, a
wide hero, a square-ish post or a tall story). The text zone lies between
the logo and the button by construction, so text that stays inside it can
never cover either. :func:`fit_text` fits one text into a box: wrap, then
shrink down to a minimum size, then ellipsize the last line that fits.
Every width and height is measured with ``font.getbbox``.
"""

import re
from dataclasses import dataclass, field

ELLIPSIS = "…"
# Characters that may not start a line in Chinese typesetting.
NO_LINE_START = set("，。、；：！？）」』》〉】,.;:!?)…%％")
# One breakable unit: a CJK character (with any punctuation after it), a
# Latin word with the spaces after it, or a run of spaces.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle; ``x1`` and ``y1`` are exclusive."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self):
        return self.x1 - self.x0

    @property
    def height(self):
        return self.y1 - self.y0

    def contains(self, other):
        return (
            other.x0 >= self.x0
            and other.y0 >= self.y0
            and other.x1 <= self.x1
            and other.y1 <= self.y1
        )

    def intersects(self, other):
        return (
            self.x0 < other.x1
            and other.x0 < self.x1
            and self.y0 < other.y1
            and other.y0 < self.y1
        )

    def inset(self, dx, dy=None):
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, self.x1 - dx, self.y1 - dy)

    def as_ints(self):
        return (round(self.x0), round(self.y0), round(self.x1), round(self.y1))


@dataclass
class Zones:
    """The planned areas of one canvas (see :func:`plan_zones`)."""

    family: str
    width: int
    height: int
    safe: Box
    logo: Box
    photo: Box | None
    text: Box
    button: Box
    # Font sizes in pixels: (largest, smallest) per text field.
    sizes: dict = field(default_factory=dict)
    max_lines: dict = field(default_factory=dict)


def canvas_family(width, height):
    """``"strip"``, ``"wide"``, ``"square"`` or ``"tall"`` by aspect ratio."""
    ratio = width / height
    if ratio >= 5:
        return "strip"
    if ratio >= 1.6:
        return "wide"
    if ratio >= 0.7:
        return "square"
    return "tall"


def plan_zones(width, height, *, has_photo):
    """Divide a ``width`` x ``height`` canvas into zones.

    Without a photo the photo box is kept for a decorative motif on wide
    canvases and given to the text on the others.
    """
    family = canvas_family(width, height)
    unit = min(width, height)
    margin = max(6, round(unit * 0.06))
    safe = Box(0, 0, width, height).inset(margin)
    planner = {
        "strip": _plan_strip,
        "wide": _plan_wide,
        "square": _plan_square,
        "tall": _plan_tall,
    }[family]
    zones = planner(width, height, safe, unit, has_photo)
    zones.family = family
    return zones


def _sizes(unit, headline, description, button):
    # Floors keep the smallest banners (300x250) legible; text that still
    # does not fit at the floor is ellipsized rather than shrunk further.
    return {
        "headline": (max(13, round(unit * headline)), max(12, round(unit * 0.045))),
        "description": (
            max(11, round(unit * description)),
            max(10, round(unit * 0.028)),
        ),
        "cta": (max(11, round(unit * button)), max(10, round(unit * 0.03))),
    }


def _plan_strip(width, height, safe, unit, has_photo):
    # [logo] [headline .........] [photo] [button]
    gap = safe.height * 0.3
    logo = Box(safe.x0, safe.y0, safe.x0 + safe.height * 1.8, safe.y1)
    button_w = min(safe.width * 0.22, safe.height * 3.2)
    button = Box(safe.x1 - button_w, safe.y0 + safe.height * 0.12, safe.x1, safe.y1)
    photo = None
    right = button.x0 - gap
    if has_photo:
        photo = Box(right - safe.height * 1.1, safe.y0 - unit * 0.03, right, safe.y1)
        right = photo.x0 - gap
    text = Box(logo.x1 + gap, safe.y0, right, safe.y1)
    sizes = _sizes(unit, 0.32, 0.2, 0.2)
    return Zones(
        "strip",
        width,
        height,
        safe,
        logo,
        photo,
        text,
        button,
        sizes,
        {"headline": 2, "description": 0},
    )


def _plan_wide(width, height, safe, unit, has_photo):
    gap = unit * 0.04
    logo = Box(safe.x0, safe.y0, safe.x0 + safe.width * 0.28, safe.y0 + unit * 0.12)
    split = safe.x0 + safe.width * (0.56 if has_photo else 0.7)
    photo = Box(split + gap, safe.y0, safe.x1, safe.y1)
    button_h = unit * 0.12
    button = Box(safe.x0, safe.y1 - button_h, split, safe.y1)
    text = Box(safe.x0, logo.y1 + gap, split, button.y0 - gap)
    sizes = _sizes(unit, 0.12, 0.052, 0.042)
    return Zones(
        "wide",
        width,
        height,
        safe,
        logo,
        photo,
        text,
        button,
        sizes,
        {"headline": 3, "description": 3},
    )


def _plan_square(width, height, safe, unit, has_photo):
    gap = unit * 0.035
    logo = Box(safe.x0, safe.y0, safe.x0 + safe.width * 0.4, safe.y0 + unit * 0.1)
    button_h = unit * 0.11
    button = Box(safe.x0, safe.y1 - button_h, safe.x1, safe.y1)
    if has_photo:
        photo_bottom = safe.y0 + safe.height * 0.56
        photo = Box(
            safe.x0 + safe.width * 0.12, logo.y1 + gap * 0.5, safe.x1, photo_bottom
        )
        text = Box(safe.x0, photo_bottom + gap, safe.x1, button.y0 - gap)
    else:
        photo = None
        text = Box(safe.x0, logo.y1 + gap * 2, safe.x1, button.y0 - gap)
    sizes = _sizes(unit, 0.085 if has_photo else 0.11, 0.042, 0.04)
    return Zones(
        "square",
        width,
        height,
        safe,
        logo,
        photo,
        text,
        button,
        sizes,
        {"headline": 3 if has_photo else 4, "description": 3},
    )


def _plan_tall(width, height, safe, unit, has_photo):
    gap = unit * 0.04
    logo = Box(safe.x0, safe.y0, safe.x0 + safe.width * 0.45, safe.y0 + unit * 0.11)
    button_h = unit * 0.12
    button = Box(safe.x0, safe.y1 - button_h, safe.x1, safe.y1)
    if has_photo:
        photo = Box(safe.x0, logo.y1 + gap, safe.x1, safe.y0 + safe.height * 0.55)
        text = Box(safe.x0, photo.y1 + gap, safe.x1, button.y0 - gap * 2)
    else:
        photo = None
        text = Box(safe.x0, safe.y0 + safe.height * 0.22, safe.x1, button.y0 - gap * 2)
    sizes = _sizes(unit, 0.1 if has_photo else 0.12, 0.045, 0.045)
    return Zones(
        "tall",
        width,
        height,
        safe,
        logo,
        photo,
        text,
        button,
        sizes,
        {"headline": 4, "description": 4},
    )


# --- Fitting text -----------------------------------------------------------


@dataclass
class FittedText:
    """Lines of one text at one size, and the height they take."""

    lines: list
    size: int
    line_height: int
    truncated: bool = False

    @property
    def height(self):
        return self.line_height * len(self.lines)


def text_width(font, text, stroke=0):
    """The ink width of ``text`` (getbbox, so bearings are included)."""
    if not text:
        return 0
    left, _, right, _ = font.getbbox(text, stroke_width=stroke)
    return right - left


def line_height(font, spacing=1.18):
    """One line's advance: the font's ascent-to-descent box times spacing."""
    _, top, _, bottom = font.getbbox("Ág国", stroke_width=0)
    return max(1, round((bottom - top) * spacing))


def wrap(text, font, max_width, stroke=0):
    """Break ``text`` into lines no wider than ``max_width``.

    Latin text breaks between words; Chinese text between characters,
    except before closing punctuation. A single word wider than the line
    is broken between its characters.
    """
    lines, current = [], ""
    for token in _TOKEN.findall(" ".join(text.split())):
        candidate = current + token
        if text_width(font, candidate.rstrip(), stroke) <= max_width or not current:
            current = candidate
        elif token[0] in NO_LINE_START and len(current) > 1:
            # Carry the last character down with the punctuation.
            lines.append(current[:-1].rstrip())
            current = current[-1] + token
        else:
            head, tail = _soft_break(current)
            lines.append(head.rstrip())
            current = tail + token.lstrip()
        if text_width(font, current.rstrip(), stroke) > max_width:
            # One word longer than the line: split it by characters.
            pieces = _split_word(current.rstrip(), font, max_width, stroke)
            lines.extend(pieces[:-1])
            current = pieces[-1]
    if current.strip():
        lines.append(current.rstrip())
    return lines


# Chinese punctuation after which a line break reads naturally.
SOFT_BREAKS = "，：、；！？。"


def _soft_break(line):
    """Split a full Chinese line after its last pause, if that is not early.

    Breaking "精选好物：保温不锈钢水杯" after "：" reads better than after
    "保温不"; a pause in the first 40% of the line would leave it too short.
    """
    if not _CJK_CHAR.search(line[-1:] or ""):
        return line, ""
    cut = max(line.rfind(mark) for mark in SOFT_BREAKS)
    if cut < 0 or cut + 1 >= len(line) or cut + 1 < len(line) * 0.4:
        return line, ""
    return line[: cut + 1], line[cut + 1 :]


def _split_word(word, font, max_width, stroke):
    pieces, current = [], ""
    for ch in word:
        if current and text_width(font, current + ch, stroke) > max_width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    pieces.append(current)
    return pieces


def ellipsize(line, font, max_width, stroke=0):
    """Shorten ``line`` until it fits with a trailing ellipsis."""
    text = line.rstrip()
    while text and text_width(font, text + ELLIPSIS, stroke) > max_width:
        text = text[:-1].rstrip()
    return (text.rstrip(" ,.;:-–，。、") + ELLIPSIS) if text else ELLIPSIS


def fit_text(text, face, box, *, max_size, min_size, max_lines, fake_bold=False):
    """Fit ``text`` into ``box``: wrap, shrink to ``min_size``, then ellipsize.

    Returns a :class:`FittedText`, or None when not even one line fits at
    the smallest size (the caller leaves that field out).
    """
    if not text.strip() or max_lines <= 0:
        return None
    size = max(min_size, max_size)
    while True:
        fitted = _try_size(text, face, box, size, max_lines, fake_bold)
        if fitted is not None:
            return fitted
        if size <= min_size:
            break
        size = max(min_size, int(size * 0.92))

    # At the smallest size: keep the lines that fit, ellipsize the last.
    font = face.font(min_size)
    stroke = _stroke(min_size, fake_bold)
    step = line_height(font)
    room = min(max_lines, int((box.height + step - _ink_height(font)) // step))
    if room < 1 or _ink_height(font) > box.height:
        return None
    lines = wrap(text, font, box.width, stroke)
    truncated = len(lines) > room
    kept = lines[:room]
    if truncated:
        kept[-1] = ellipsize(kept[-1], font, box.width, stroke)
    return FittedText(kept, min_size, step, truncated=truncated)


def _ink_height(font):
    _, top, _, bottom = font.getbbox("Ág国")
    return bottom - top


def _stroke(size, fake_bold):
    return max(1, round(size / 40)) if fake_bold else 0


def _try_size(text, face, box, size, max_lines, fake_bold):
    font = face.font(size)
    stroke = _stroke(size, fake_bold)
    lines = wrap(text, font, box.width, stroke)
    step = line_height(font)
    height = step * (len(lines) - 1) + _ink_height(font)
    if len(lines) <= max_lines and height <= box.height:
        return FittedText(lines, size, step)
    return None
