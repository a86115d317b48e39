"""Brand kits: turning one into a render style, and the demo's default kit."""

import io
import logging

from django.core.files.base import ContentFile

from PIL import Image, ImageDraw

from .fonts import FontFace
from .palette import parse_colour
from .photos import PhotoError, open_photo
from .render import BrandStyle

logger = logging.getLogger(__name__)

DEFAULT_KIT = {
    "name": "Demo Store",
    "primary_color": "#1e3a8a",
    "secondary_color": "#93c5fd",
    "accent_color": "#f97316",
    "background_color": "#f8fafc",
    "text_color": "#111827",
}


def get_default_brand_kit():
    """The kit marked default, else the first one, else None."""
    from ..models import BrandKit

    return BrandKit.objects.filter(is_default=True).first() or BrandKit.objects.first()


def brand_style(kit):
    """Return the :class:`~.render.BrandStyle` for a ``BrandKit`` (or None).

    A logo or font file that cannot be read is logged and left out, so a
    broken upload never stops a banner.
    """
    if kit is None:
        return BrandStyle(
            name=DEFAULT_KIT["name"],
            colours=_colours(DEFAULT_KIT),
        )
    logo = None
    if kit.logo:
        try:
            with kit.logo.storage.open(kit.logo.name, "rb") as handle:
                logo = open_photo(handle).convert("RGBA")
        except (OSError, PhotoError):
            logger.warning("brand kit %s: logo cannot be read", kit.pk)
    return BrandStyle(
        name=kit.name,
        colours=_colours(
            {
                "primary_color": kit.primary_color,
                "secondary_color": kit.secondary_color,
                "accent_color": kit.accent_color,
                "background_color": kit.background_color,
                "text_color": kit.text_color,
            }
        ),
        logo=logo,
        headline_font=_font(kit, kit.headline_font, bold=True),
        body_font=_font(kit, kit.body_font, bold=False),
    )


def _colours(values):
    return {
        key: parse_colour(values.get(f"{key}_color"))
        for key in ("primary", "secondary", "accent", "background", "text")
    }


def _font(kit, field_file, *, bold):
    # FreeType needs a real path; storages without one (S3) fall back to
    # the app's fonts.
    if not field_file:
        return None
    try:
        return FontFace(field_file.path, 0, bold=bold)
    except (NotImplementedError, ValueError):
        logger.info("brand kit %s: font storage has no local path", kit.pk)
        return None


def make_logo(text, colour, size=(480, 160)):
    """Draw a simple logo: a coloured disc with an initial, then the name."""
    from .fonts import face_for

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    height = size[1]
    draw.ellipse((4, 4, height - 4, height - 4), fill=colour)
    initial = (text[:1] or "S").upper()
    face = face_for(initial)
    draw.text(
        (height / 2, height / 2),
        initial,
        font=face.font(int(height * 0.55)),
        anchor="mm",
        fill="white",
    )
    name_face = face_for(text)
    draw.text(
        (height + 16, height / 2),
        text,
        font=name_face.font(int(height * 0.3)),
        anchor="lm",
        fill=colour,
    )
    return image


def seed_default_brand_kit(name=None):
    """Create the demo's default brand kit once; return it.

    Idempotent: an existing default kit is returned untouched. The demo's
    seed step calls this so the banner studio works out of the box.
    """
    from ..models import BrandKit

    existing = BrandKit.objects.filter(is_default=True).first()
    if existing:
        return existing
    values = dict(DEFAULT_KIT, name=name or DEFAULT_KIT["name"])
    kit = BrandKit(is_default=True, **values)
    buffer = io.BytesIO()
    make_logo(kit.name, parse_colour(kit.primary_color)).save(buffer, "PNG")
    kit.logo.save("demo-logo.png", ContentFile(buffer.getvalue()), save=False)
    kit.save()
    logger.info("brand kit %s: default kit created", kit.pk)
    return kit
