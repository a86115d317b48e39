"""
Banner images: the renderer interface and the default Pillow renderer.

No image-generation model ships in a package, so the default renderer
draws banners itself: a seeded background from the brand's and the
photo's colours, the product photo cut out of its studio backdrop, the
logo, the text laid out by :mod:`.layout`, and a call-to-action button.
A store with a diffusion model names its own :class:`BannerRenderer` in
``AI_ASSIST["BANNER_RENDERER"]``.
"""

import io
import logging
import random
import secrets
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify

from PIL import Image, ImageDraw, ImageFilter

from ..conf import ai_settings
from . import photos
from .fonts import FontFace, face_for
from .layout import Box, FittedText, fit_text, plan_zones, text_width
from .palette import (
    INK,
    MIN_CONTRAST,
    WHITE,
    build_palette,
    contrast_ratio,
    dominant_colours,
    mix,
    pick_text_colour,
    worst_contrast,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrandStyle:
    """What a renderer needs from a brand kit.

    ``colours`` maps ``primary``, ``secondary``, ``accent``, ``background``
    and ``text`` to ``(r, g, b)`` tuples (any may be missing); ``logo`` is
    an RGBA image or None; the fonts are :class:`~.fonts.FontFace` or None
    (then the app's fonts are used).
    """

    name: str = ""
    colours: dict = field(default_factory=dict)
    logo: Image.Image | None = None
    headline_font: FontFace | None = None
    body_font: FontFace | None = None


@dataclass(frozen=True)
class BannerSpec:
    """Everything one set of banners shows.

    ``photo`` is an upright RGB/RGBA image (see
    :func:`.photos.open_photo`) or None; ``seed`` picks the background
    and palette, so one seed always gives the same picture.
    """

    headline: str
    description: str = ""
    cta: str = ""
    language: str = "en"
    seed: int = 0
    photo: Image.Image | None = None
    brand: BrandStyle = field(default_factory=BrandStyle)
    # A short name shown as a large motif on banners without a photo.
    motif: str = ""


@dataclass
class DrawnText:
    """One text as drawn: its field, lines, ink box, colour and contrast."""

    field: str
    lines: list
    box: Box
    colour: tuple
    contrast: float
    font_path: str
    size: int


@dataclass
class RenderResult:
    """A rendered banner and where everything ended up on it."""

    image: Image.Image
    width: int
    height: int
    family: str
    safe: Box
    logo: Box | None
    button: Box | None
    photo: Box | None
    texts: list = field(default_factory=list)

    def text(self, name):
        return next((t for t in self.texts if t.field == name), None)


class BannerRenderer:
    """Turns a :class:`BannerSpec` into images, one per size.

    Subclass it and override :meth:`render_set`; it must return one
    :class:`RenderResult` per requested ``(width, height)``, in order.
    """

    def render_set(self, spec, sizes):
        raise NotImplementedError

    def render(self, spec, size):
        """Render a single size (a convenience over :meth:`render_set`)."""
        return self.render_set(spec, [size])[0]


def get_renderer():
    """Return an instance of the renderer named in ``BANNER_RENDERER``."""
    return ai_settings.import_class("BANNER_RENDERER")()


class PillowRenderer(BannerRenderer):
    """The default renderer: Pillow drawing, no model needed."""

    def __init__(self):
        # The cut-out of the last photo seen, so rendering a set size by
        # size does the (slowest) step once.
        self._prepared = (None, None, [])

    def _prepare(self, photo):
        if photo is None:
            return None, []
        if self._prepared[0] is not photo:
            cut = photos.cut_out(photo)
            self._prepared = (photo, cut, dominant_colours(cut))
        return self._prepared[1], self._prepared[2]

    def render_set(self, spec, sizes):
        photo, photo_colours = self._prepare(spec.photo)
        return [
            self._render_one(spec, photo, photo_colours, int(w), int(h))
            for w, h in sizes
        ]

    # --- One banner ------------------------------------------------------

    def _render_one(self, spec, photo, photo_colours, width, height):
        rng = random.Random(f"{spec.seed}")
        palette = build_palette(spec.brand.colours, photo_colours, rng)
        zones = plan_zones(width, height, has_photo=photo is not None)
        canvas = self._background(width, height, palette, zones, rng)

        photo_box = None
        if photo is not None:
            photo_box = self._place_photo(canvas, photo, zones.photo, palette)
        elif zones.photo is not None:
            self._draw_motif(canvas, zones.photo, spec.motif or spec.headline, palette)

        logo_box = self._draw_logo(canvas, zones.logo, spec.brand, palette)
        button_box, button_text = self._draw_button(
            canvas, zones, spec.cta, spec.brand, palette
        )
        texts = self._draw_copy(canvas, zones, spec, palette)
        if button_text:
            texts.append(button_text)
        return RenderResult(
            image=canvas,
            width=width,
            height=height,
            family=zones.family,
            safe=zones.safe,
            logo=logo_box,
            button=button_box,
            photo=photo_box,
            texts=texts,
        )

    # --- Background ------------------------------------------------------

    def _background(self, width, height, palette, zones, rng):
        base = Image.new("RGB", (width, height), palette.background)
        far = mix(palette.background, palette.surface, 0.9)
        # A gentle gradient: horizontal, vertical or radial, by seed.
        style = rng.choice(["horizontal", "vertical", "radial"])
        if style == "radial":
            mask = Image.radial_gradient("L").resize((width, height))
        else:
            mask = Image.linear_gradient("L").resize((width, height))
            if style == "horizontal":
                mask = mask.transpose(Image.Transpose.ROTATE_90).resize((width, height))
        mask = mask.point(lambda v: int(v * 0.7))
        canvas = Image.composite(Image.new("RGB", (width, height), far), base, mask)

        overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        decoration = rng.choice(["circles", "band", "dots", "rings"])
        unit = min(width, height)
        colours = list(palette.shapes)
        rng.shuffle(colours)
        target = zones.photo or Box(width * 0.6, 0, width, height)
        cx = (target.x0 + target.x1) / 2
        cy = (target.y0 + target.y1) / 2
        if decoration == "circles":
            radius = max(target.width, target.height) * 0.55
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                fill=(*colours[0], 200),
            )
            small = unit * 0.22
            draw.ellipse(
                (width - small * 1.2, -small * 0.6, width + small * 0.8, small * 1.4),
                fill=(*colours[1], 150),
            )
        elif decoration == "band":
            offset = rng.uniform(0.5, 0.7) * width
            thickness = unit * 0.5
            draw.polygon(
                [
                    (offset, height),
                    (offset + thickness, height),
                    (offset + thickness + height * 0.6, 0),
                    (offset + height * 0.6, 0),
                ],
                fill=(*colours[0], 170),
            )
        elif decoration == "dots":
            spacing = max(8, round(unit * 0.06))
            dot = max(2, spacing // 6)
            for x in range(round(target.x0), width, spacing):
                for y in range(0, height, spacing):
                    draw.ellipse((x, y, x + dot, y + dot), fill=(*colours[0], 150))
            radius = max(target.width, target.height) * 0.45
            draw.ellipse(
                (cx - radius, cy - radius, cx + radius, cy + radius),
                fill=(*colours[1], 210),
            )
        else:
            for i in range(3):
                radius = max(target.width, target.height) * (0.35 + 0.15 * i)
                draw.ellipse(
                    (cx - radius, cy - radius, cx + radius, cy + radius),
                    outline=(*colours[i % len(colours)], 160),
                    width=max(2, round(unit * 0.025)),
                )
        canvas.paste(overlay, (0, 0), overlay)
        return canvas

    # --- Photo and motif -------------------------------------------------

    def _place_photo(self, canvas, photo, zone, palette):
        # Leave room for the shadow inside the zone.
        pad = round(min(zone.width, zone.height) * 0.04)
        inner = zone.inset(pad)
        image = photos.fit_into(photo, inner.width, inner.height)
        x = round(inner.x0 + (inner.width - image.width) / 2)
        y = round(inner.y0 + (inner.height - image.height) / 2)
        if image.mode != "RGBA":
            image = self._rounded(image.convert("RGBA"), radius=min(image.size) // 12)

        shadow = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        alpha = image.getchannel("A").point(lambda v: v * 0.35)
        offset = max(2, pad // 2)
        shadow.paste(
            (*mix(palette.background, INK, 0.7), 255), (x + offset, y + offset), alpha
        )
        shadow = shadow.filter(ImageFilter.GaussianBlur(max(2, pad // 2)))
        canvas.paste(shadow, (0, 0), shadow)
        canvas.paste(image, (x, y), image)
        return Box(x, y, x + image.width, y + image.height)

    @staticmethod
    def _rounded(image, radius):
        mask = Image.new("L", image.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (0, 0, image.width - 1, image.height - 1), radius=radius, fill=255
        )
        image.putalpha(mask)
        return image

    def _draw_motif(self, canvas, zone, name, palette):
        """A large initial in a disc, standing in for a missing photo."""
        letter = next((ch for ch in name if ch.isalnum()), "")
        side = min(zone.width, zone.height) * 0.8
        cx, cy = (zone.x0 + zone.x1) / 2, (zone.y0 + zone.y1) / 2
        disc = Box(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        draw = ImageDraw.Draw(canvas)
        draw.ellipse(disc.as_ints(), fill=mix(palette.accent, palette.background, 0.25))
        if not letter:
            return
        face = face_for(letter.upper())
        font = face.font(max(8, round(side * 0.55)))
        colour = pick_text_colour([mix(palette.accent, palette.background, 0.25)])
        draw.text(
            (cx, cy), letter.upper(), font=font, anchor="mm", fill=colour or WHITE
        )

    # --- Logo ------------------------------------------------------------

    def _draw_logo(self, canvas, zone, brand, palette):
        if brand.logo is not None:
            logo = photos.fit_into(brand.logo.convert("RGBA"), zone.width, zone.height)
            y = round(zone.y0 + (zone.height - logo.height) / 2)
            box = Box(round(zone.x0), y, round(zone.x0) + logo.width, y + logo.height)
            self._ensure_logo_visible(canvas, logo, box)
            canvas.paste(logo, (round(box.x0), round(box.y0)), logo)
            return box
        if not brand.name:
            return None
        # No logo file: the brand name as a wordmark.
        face = face_for(brand.name, "bold", preferred=brand.headline_font)
        fitted = fit_text(
            brand.name,
            face,
            zone,
            max_size=round(zone.height * 0.7),
            min_size=max(8, round(zone.height * 0.3)),
            max_lines=1,
            fake_bold=not face.bold,
        )
        if fitted is None:
            return None
        drawn = self._draw_lines(
            canvas, "logo", fitted, face, zone, palette.text, centre_y=True
        )
        return drawn.box

    def _ensure_logo_visible(self, canvas, logo, box):
        """Put a light or dark chip behind a logo that would vanish."""
        small = logo.resize((24, 24))
        pixels = getattr(small, "get_flattened_data", small.getdata)()
        opaque = [p[:3] for p in pixels if p[3] > 128]
        if not opaque:
            return
        ink = tuple(sum(c[i] for c in opaque) // len(opaque) for i in range(3))
        behind = self._backgrounds(canvas, box)
        if worst_contrast(ink, behind) >= 1.6:
            return
        chip = WHITE if contrast_ratio(ink, WHITE) > contrast_ratio(ink, INK) else INK
        pad = max(2, round(box.height * 0.12))
        ImageDraw.Draw(canvas).rounded_rectangle(
            (box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad),
            radius=pad * 2,
            fill=chip,
        )

    # --- Button ----------------------------------------------------------

    def _draw_button(self, canvas, zones, label, brand, palette):
        if not label.strip():
            return None, None
        zone = zones.button
        largest, smallest = zones.sizes["cta"]
        face = face_for(label, "bold", preferred=brand.headline_font)
        pad_y = max(3, round(largest * 0.55))
        pad_x = max(6, round(largest * 1.1))
        inner = Box(zone.x0 + pad_x, zone.y0 + pad_y, zone.x1 - pad_x, zone.y1 - pad_y)
        if inner.width <= 0 or inner.height <= 0:
            return None, None
        fitted = fit_text(
            label,
            face,
            inner,
            max_size=largest,
            min_size=smallest,
            max_lines=1,
            fake_bold=not face.bold,
        )
        if fitted is None:
            return None, None
        font = face.font(fitted.size)
        stroke = _stroke(fitted.size, face)
        label_width = text_width(font, fitted.lines[0], stroke)
        _, top, _, bottom = font.getbbox("Ág国")
        height = (bottom - top) + 2 * pad_y
        width = label_width + 2 * pad_x
        if zones.family == "strip":
            x0 = zone.x1 - width
            y0 = zone.y0 + (zone.height - height) / 2
        else:
            x0, y0 = zone.x0, zone.y1 - height
        button = Box(round(x0), round(y0), round(x0 + width), round(y0 + height))
        ImageDraw.Draw(canvas).rounded_rectangle(
            button.as_ints(), radius=round(height / 2), fill=palette.accent
        )
        label_zone = button.inset(pad_x, pad_y)
        drawn = self._draw_lines(
            canvas,
            "cta",
            fitted,
            face,
            label_zone,
            palette.accent_text,
            centre_y=True,
            backgrounds=[palette.accent],
        )
        return button, drawn

    # --- Headline and description ---------------------------------------

    def _draw_copy(self, canvas, zones, spec, palette):
        zone = zones.text
        if zone.width <= 0 or zone.height <= 0:
            return []
        fields = [("headline", spec.headline), ("description", spec.description)]
        fields = [
            (name, text)
            for name, text in fields
            if text.strip() and zones.max_lines.get(name, 0) > 0
        ]
        gap = round(zones.sizes["headline"][1] * 0.6)

        # Shrink the headline step by step while that lets the description
        # show in full; stop at the headline's own floor.
        largest, smallest = zones.sizes["headline"]
        blocks = self._fit_copy(fields, zones, spec, largest, gap)
        while (
            any(b[1].truncated for b in blocks if b[0] == "description")
            and largest > smallest
        ):
            largest = max(smallest, int(largest * 0.88))
            blocks = self._fit_copy(fields, zones, spec, largest, gap)

        total = sum(b[3] for b in blocks) + gap * max(0, len(blocks) - 1)
        centre = zones.family in ("strip", "wide", "tall") or zones.photo is None
        y = zone.y0 + ((zone.height - total) / 2 if centre else 0)
        drawn = []
        for name, fitted, face, used in blocks:
            block_zone = Box(zone.x0, y, zone.x1, y + used)
            drawn.append(
                self._draw_text_block(canvas, name, fitted, face, block_zone, palette)
            )
            y += used + gap
        return drawn

    def _fit_copy(self, fields, zones, spec, headline_size, gap):
        """Fit headline and description, top to bottom, into the text zone."""
        zone = zones.text
        fitted_blocks = []
        remaining = zone.height
        for index, (name, text) in enumerate(fields):
            weight = "bold" if name == "headline" else "regular"
            preferred = (
                spec.brand.headline_font if name == "headline" else spec.brand.body_font
            )
            face = face_for(text, weight, preferred=preferred)
            largest, smallest = zones.sizes[name]
            if name == "headline":
                largest = headline_size
            # The headline may take at most two thirds while a description
            # still waits for room below it.
            share = 0.66 if index == 0 and len(fields) > 1 else 1.0
            room = Box(zone.x0, 0, zone.x1, max(0, remaining * share))
            fitted = fit_text(
                text,
                face,
                room,
                max_size=largest,
                min_size=smallest,
                max_lines=zones.max_lines[name],
                fake_bold=weight == "bold" and not face.bold,
            )
            if fitted is None:
                continue
            used = _block_height(fitted, face)
            fitted_blocks.append((name, fitted, face, used))
            remaining -= used + gap
        return fitted_blocks

    def _draw_text_block(self, canvas, name, fitted, face, zone, palette):
        """Draw one text, choosing a colour that passes WCAG AA over it."""
        backgrounds = self._backgrounds(canvas, zone)
        colour = pick_text_colour(backgrounds, preferred=palette.text)
        if colour is None:
            # Busy backdrop: lay a calm panel under the text first.
            pad = max(4, round(fitted.size * 0.35))
            ImageDraw.Draw(canvas).rounded_rectangle(
                (zone.x0 - pad, zone.y0 - pad, zone.x1 + pad, zone.y1 + pad),
                radius=pad,
                fill=palette.background,
            )
            backgrounds = [palette.background]
            colour = pick_text_colour(backgrounds, preferred=palette.text)
        return self._draw_lines(
            canvas, name, fitted, face, zone, colour, backgrounds=backgrounds
        )

    def _draw_lines(
        self,
        canvas,
        name,
        fitted,
        face,
        zone,
        colour,
        *,
        centre_y=False,
        backgrounds=None,
    ):
        font = face.font(fitted.size)
        stroke = (
            _stroke(fitted.size, face) if name in ("headline", "cta", "logo") else 0
        )
        _, top, _, bottom = font.getbbox("Ág国")
        ink_height = bottom - top
        block = fitted.line_height * (len(fitted.lines) - 1) + ink_height
        y = zone.y0 + ((zone.height - block) / 2 if centre_y else 0) - top
        if backgrounds is None:
            backgrounds = self._backgrounds(canvas, zone)
        if worst_contrast(colour, backgrounds) < MIN_CONTRAST:
            colour = pick_text_colour(backgrounds, preferred=colour) or colour
        draw = ImageDraw.Draw(canvas)
        ink = None
        for line in fitted.lines:
            left = font.getbbox(line, stroke_width=stroke)[0]
            x = zone.x0 - left
            draw.text(
                (x, y),
                line,
                font=font,
                fill=colour,
                stroke_width=stroke,
                stroke_fill=colour,
            )
            x0, y0, x1, y1 = draw.textbbox((x, y), line, font=font, stroke_width=stroke)
            ink = (
                Box(x0, y0, x1, y1)
                if ink is None
                else Box(
                    min(ink.x0, x0), min(ink.y0, y0), max(ink.x1, x1), max(ink.y1, y1)
                )
            )
            y += fitted.line_height
        return DrawnText(
            field=name,
            lines=list(fitted.lines),
            box=ink,
            colour=tuple(colour),
            contrast=round(worst_contrast(colour, backgrounds), 2),
            font_path=face.path,
            size=fitted.size,
        )

    @staticmethod
    def _backgrounds(canvas, box):
        """The lightest and darkest colours under ``box`` (before the text)."""
        x0, y0, x1, y1 = (max(0, v) for v in box.as_ints())
        x1, y1 = min(canvas.width, max(x1, x0 + 1)), min(canvas.height, max(y1, y0 + 1))
        region = canvas.crop((x0, y0, x1, y1))
        region = region.resize(
            (min(region.width, 96), min(region.height, 96)), Image.Resampling.NEAREST
        )
        colours = [c for _, c in region.getcolors(96 * 96)]
        from .palette import luminance

        colours.sort(key=luminance)
        return [colours[0], colours[-1]]


def _stroke(size, face):
    # A regular face drawn for a bold role gets a thin outline of itself.
    return 0 if face.bold else max(1, round(size / 40))


def _block_height(fitted: FittedText, face):
    font = face.font(fitted.size)
    _, top, _, bottom = font.getbbox("Ág国")
    return fitted.line_height * (len(fitted.lines) - 1) + (bottom - top)


# --- Files ---------------------------------------------------------------


def encode_image(image, image_format=None):
    """Return ``(bytes, extension)`` for ``image`` as PNG or WebP."""
    image_format = (image_format or ai_settings.BANNER_FORMAT or "PNG").upper()
    buffer = io.BytesIO()
    if image_format == "WEBP":
        image.save(buffer, "WEBP", quality=90, method=4)
        return buffer.getvalue(), "webp"
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue(), "png"


def save_image(image, prefix, label, *, storage=None, image_format=None):
    """Save ``image`` through a storage; return the stored name.

    The name is built only from a slug of ``label`` and a random token,
    under ``prefix`` (e.g. ``ai_assist/banners/12``), so no user text can
    steer it outside that folder.
    """
    storage = storage or default_storage
    data, extension = encode_image(image, image_format)
    stem = slugify(label)[:40] or "banner"
    name = f"{prefix.strip('/')}/{stem}-{secrets.token_hex(4)}.{extension}"
    return storage.save(name, ContentFile(data))
