"""
Fonts for banner text, chosen so that every character has a glyph.

Latin text uses Poppins, shipped in ``ai_assist/fonts``. Chinese text uses
Noto Sans CJK SC from the ``noto-cjk-sans-otc`` package, which a pip
install brings along; the Debian CJK fonts are tried after it, for hosts
that removed the package. ``AI_ASSIST["BANNER_FONT"]`` and
``["BANNER_CJK_FONT"]`` replace either. Whether a font can draw a text is
read from its character map, so a missing glyph is never drawn as a box.
"""

import importlib.util
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from ..conf import ai_settings

logger = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
LATIN_FONTS = {
    "bold": FONT_DIR / "Poppins-Bold.ttf",
    "regular": FONT_DIR / "Poppins-Regular.ttf",
}
# Face 2 of the Noto Sans CJK collection is the Simplified Chinese one.
CJK_PACKAGE = "noto_cjk_sans_otc"
CJK_PACKAGE_FILE = "NotoSansCJK-Regular.ttc"
CJK_PACKAGE_INDEX = 2
# Debian's fonts-noto-cjk and fonts-wqy-microhei, last resorts on servers.
SYSTEM_CJK_FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]


@dataclass(frozen=True)
class FontFace:
    """One face of a font file; ``index`` picks a face in a collection.

    ``bold`` says whether the face is drawn bold; a regular face asked to
    look bold is drawn with a thin outline of its own colour instead.
    """

    path: str
    index: int = 0
    bold: bool = False

    def font(self, size):
        """Return the face at ``size`` pixels (cached per process)."""
        return _load_font(self.path, self.index, int(size))

    def covers(self, text):
        """Whether every visible character of ``text`` has a glyph here."""
        cmap = _cmap(self.path, self.index)
        return all(ord(ch) in cmap for ch in text if not ch.isspace())

    def missing(self, text):
        """The visible characters of ``text`` this face cannot draw."""
        cmap = _cmap(self.path, self.index)
        return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


@lru_cache(maxsize=256)
def _load_font(path, index, size):
    return ImageFont.truetype(path, size=size, index=index)


@lru_cache(maxsize=16)
def _cmap(path, index):
    from fontTools.ttLib import TTFont

    # lazy=True reads only the tables asked for; a CJK collection is 19 MB.
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or ())
    finally:
        font.close()


def _parse_setting(value):
    """Accept ``"path"``, ``"path#index"`` or ``(path, index)``."""
    if not value:
        return None
    if isinstance(value, (list, tuple)):
        return str(value[0]), int(value[1])
    text = str(value)
    if "#" in text:
        path, _, index = text.rpartition("#")
        return path, int(index)
    return text, 0


def _package_cjk_font():
    spec = importlib.util.find_spec(CJK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / CJK_PACKAGE_FILE
    return (str(path), CJK_PACKAGE_INDEX) if path.exists() else None


def get_latin_face(weight="bold"):
    """The face for Latin text: ``BANNER_FONT`` or the shipped Poppins."""
    configured = _parse_setting(ai_settings.BANNER_FONT)
    if configured:
        return FontFace(*configured, bold=weight == "bold")
    return FontFace(str(LATIN_FONTS[weight]), 0, bold=True)


def get_cjk_face(weight="bold"):
    """The face for Chinese text, or None when no CJK font can be found.

    Tries ``BANNER_CJK_FONT``, then the ``noto-cjk-sans-otc`` package, then
    the Debian font folders. The packaged face is regular weight, so bold
    text is drawn with a thin outline (see :class:`FontFace`).
    """
    configured = _parse_setting(ai_settings.BANNER_CJK_FONT)
    candidates = [configured] if configured else []
    candidates.append(_package_cjk_font())
    candidates.extend(SYSTEM_CJK_FONTS)
    for candidate in candidates:
        if candidate and Path(candidate[0]).exists():
            is_bold = "bold" in Path(candidate[0]).name.lower()
            return FontFace(candidate[0], candidate[1], bold=is_bold)
    return None


def face_for(text, weight="bold", *, preferred=None):
    """Return a face that has a glyph for every character of ``text``.

    ``preferred`` (a brand kit's font) wins when it covers the text; then
    the Latin face; then the CJK face. When nothing covers everything, the
    face missing the fewest characters is returned and a warning logged,
    so a banner is still made.
    """
    faces = [f for f in (preferred, get_latin_face(weight)) if f is not None]
    cjk = get_cjk_face(weight)
    if cjk is not None:
        faces.append(cjk)
    for face in faces:
        if face.covers(text):
            return face
    best = min(faces, key=lambda f: len(f.missing(text)))
    logger.warning(
        "banner font %s: no glyph for %d characters",
        Path(best.path).name,
        len(best.missing(text)),
    )
    return best


def validate_font_upload(upload):
    """Reject font uploads that are too large or that FreeType cannot read."""
    import io

    from django.core.exceptions import ValidationError
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    limit = ai_settings.MAX_UPLOAD_BYTES
    if getattr(upload, "size", 0) > limit:
        raise ValidationError(
            _("The font file is larger than %(limit)s.")
            % {"limit": filesizeformat(limit)},
            code="too_large",
        )
    position = upload.tell()
    try:
        ImageFont.truetype(io.BytesIO(upload.read()), size=12)
    except OSError:
        raise ValidationError(
            _("The file is not a TrueType or OpenType font."), code="invalid_font"
        ) from None
    finally:
        upload.seek(position)
