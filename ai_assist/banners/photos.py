"""
Product photos and logos: checking uploads, opening, and cutting out.

Photos arrive in every mode Pillow knows (RGB, RGBA, palette, CMYK,
greyscale, 16-bit) and often with an EXIF orientation instead of rotated
pixels. :func:`open_photo` turns any of them into upright RGB or RGBA.
Studio shots on white get their background removed by
:func:`cut_out`, so the product sits on the banner's own colours.
"""

import logging

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from PIL import (
    Image,
    ImageChops,
    ImageDraw,
    ImageFilter,
    ImageOps,
    UnidentifiedImageError,
)

from ..conf import ai_settings

logger = logging.getLogger(__name__)

ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP", "GIF"}
# Far above any product shot, far below what would exhaust a worker.
MAX_PIXELS = 40_000_000
# Pixels whose darkest channel is above this count as studio white.
WHITE_THRESHOLD = 232


class PhotoError(ValueError):
    """A photo or logo that cannot be used, with a reason for people."""


def validate_image_upload(upload):
    """Reject uploads that are too large or are not images.

    Used as a model-field validator, so the admin shows a form error
    naming the problem instead of failing later in a worker.
    """
    limit = ai_settings.MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("The file is %(size)s; uploads may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    try:
        image_format, (width, height) = _probe(upload)
    except PhotoError as exc:
        raise ValidationError(str(exc), code="invalid_image") from exc
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("%(format)s images are not accepted; use PNG, JPEG, WebP or GIF.")
            % {"format": image_format},
            code="invalid_format",
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("The image is %(w)s x %(h)s pixels; at most %(max)s megapixels.")
            % {"w": width, "h": height, "max": MAX_PIXELS // 1_000_000},
            code="too_many_pixels",
        )


def _probe(fileobj):
    position = fileobj.tell() if hasattr(fileobj, "tell") else None
    try:
        with Image.open(fileobj) as image:
            image.verify()
            return image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise PhotoError(_("The file is not an image that can be read.")) from None
    finally:
        if position is not None:
            fileobj.seek(position)


def open_photo(fileobj):
    """Open an image file as upright RGB or RGBA.

    Applies the EXIF orientation, converts CMYK, palette, greyscale and
    16-bit images, and keeps transparency where the file has it. Raises
    :class:`PhotoError` for files that are not images.
    """
    try:
        image = Image.open(fileobj)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise PhotoError(_("The file is not an image that can be read.")) from None
    image = ImageOps.exif_transpose(image)
    return normalise_mode(image)


def normalise_mode(image):
    """Return ``image`` as RGB, or RGBA when it has any transparency."""
    if image.mode == "RGBA":
        return image
    if image.mode == "P":
        has_alpha = "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if image.mode in ("LA", "PA", "La"):
        return image.convert("RGBA")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits before colour conversion.
        image = image.point(lambda v: v / 256).convert("L")
    if image.mode == "F":
        image = image.convert("L")
    if image.mode == "CMYK":
        return image.convert("RGB")
    return image.convert("RGB")


def has_white_backdrop(image):
    """Whether the photo's border is (nearly) all studio white."""
    rgb = image.convert("RGB")
    rgb.thumbnail((200, 200))
    width, height = rgb.size
    border = []
    for x in range(width):
        border.extend((rgb.getpixel((x, 0)), rgb.getpixel((x, height - 1))))
    for y in range(height):
        border.extend((rgb.getpixel((0, y)), rgb.getpixel((width - 1, y))))
    white = sum(1 for p in border if min(p) > WHITE_THRESHOLD)
    return white / len(border) > 0.85


def cut_out(image):
    """Return the product as RGBA with its white studio backdrop removed.

    The backdrop is the near-white area connected to the border, found by
    flood fill on a small copy, so white parts inside the product (a white
    hood lining) stay. Photos that already have transparency or no white
    backdrop come back unchanged but trimmed to their content.
    """
    if image.mode == "RGBA" and image.getextrema()[3][0] < 250:
        return _trim(image)
    if not has_white_backdrop(image):
        return image.convert("RGBA")

    small = image.convert("RGB")
    small.thumbnail((320, 320))
    r, g, b = small.split()
    darkest = ImageChops.darker(ImageChops.darker(r, g), b)
    mask = darkest.point(lambda v: 255 if v > WHITE_THRESHOLD else 0)
    width, height = mask.size
    step = max(1, min(width, height) // 40)
    seeds = [(x, 0) for x in range(0, width, step)]
    seeds += [(x, height - 1) for x in range(0, width, step)]
    seeds += [(0, y) for y in range(0, height, step)]
    seeds += [(width - 1, y) for y in range(0, height, step)]
    for seed in seeds:
        if mask.getpixel(seed) == 255:
            ImageDraw.floodfill(mask, seed, 128, thresh=0)
    alpha = mask.point(lambda v: 0 if v == 128 else 255)
    alpha = alpha.filter(ImageFilter.MaxFilter(3))
    alpha = alpha.resize(image.size, Image.Resampling.BILINEAR)
    alpha = alpha.filter(ImageFilter.GaussianBlur(1.2))

    result = image.convert("RGBA")
    result.putalpha(ImageChops.darker(result.getchannel("A"), alpha))
    return _trim(result)


def _trim(image):
    box = image.getchannel("A").point(lambda v: 255 if v > 16 else 0).getbbox()
    return image.crop(box) if box else image


def fit_into(image, width, height):
    """Scale ``image`` to fit inside ``width`` x ``height``, keeping its shape."""
    scale = min(width / image.width, height / image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)
