"""Banner images: layout bounds, contrast, CJK glyphs, photo modes, uploads."""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

import pytest
from PIL import Image, ImageChops, ImageDraw

from ai_assist.banners import photos
from ai_assist.banners.fonts import face_for, get_cjk_face
from ai_assist.banners.palette import MIN_CONTRAST, contrast_ratio
from ai_assist.banners.render import BannerSpec, BrandStyle, PillowRenderer
from ai_assist.banners.sizes import SIZE_PRESETS, SizeError, parse_size, parse_sizes

ALL_SIZES = [parse_size(s) for s in SIZE_PRESETS]
PHOTO_DIRS = [
    Path(__file__).resolve().parent.parent / "data" / "product-photos" / "images",
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "data"
    / "product-photos"
    / "images",
]
BRAND = BrandStyle(
    name="Test Store",
    colours={
        "primary": (30, 58, 138),
        "accent": (249, 115, 22),
        "background": (248, 250, 252),
    },
)
LONG_TITLE = (
    "Extra long product title for an ergonomic stainless steel insulated water "
    "bottle with a leak-proof lid, carry loop and powder-coated finish in "
    "midnight blue, suitable for hiking, cycling and the office"
)[:200]
CHINESE = "舒适红色连帽衫，柔软抓绒面料，宽松兜帽设计"


def studio_photo(size=(400, 300)):
    """A red product on a white studio backdrop."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).ellipse((100, 60, 300, 240), fill=(220, 30, 40))
    return image


def assert_layout_is_clean(result):
    canvas = result.safe.__class__(0, 0, result.width, result.height)
    assert result.texts, "no text drawn"
    for text in result.texts:
        assert canvas.contains(text.box), (text.field, text.box)
        assert text.contrast >= MIN_CONTRAST, (text.field, text.contrast)
        if text.field == "cta":
            assert result.button.contains(text.box)
            continue
        assert result.safe.contains(text.box), (text.field, text.box, result.safe)
        for other in (result.logo, result.button):
            if other is not None and text.field != "logo":
                assert not text.box.intersects(other), (text.field, text.box, other)
    if result.button is not None:
        assert result.safe.contains(result.button)
    if result.logo is not None:
        assert canvas.contains(result.logo)


@pytest.mark.parametrize(
    "headline,description,photo,language",
    [
        (LONG_TITLE, LONG_TITLE, studio_photo(), "en"),
        (
            CHINESE,
            "秋冬必备，柔软舒适，宽松兜帽，百搭款式。",
            studio_photo(),
            "zh-hans",
        ),
        ("Brass desk lamp", "A warm light for late reading.", None, "en"),
        (LONG_TITLE, "", None, "en"),
    ],
    ids=["long-title", "chinese", "no-photo", "long-no-photo"],
)
def test_text_stays_inside_the_safe_area_and_off_logo_and_button(
    headline, description, photo, language
):
    spec = BannerSpec(
        headline,
        description,
        "Shop the collection",
        language=language,
        seed=5,
        photo=photo,
        brand=BRAND,
        motif="Lamp",
    )
    for result in PillowRenderer().render_set(spec, ALL_SIZES):
        assert result.image.size == (result.width, result.height)
        assert result.text("headline") is not None
        assert_layout_is_clean(result)


def test_a_long_title_is_shrunk_then_ellipsized():
    spec = BannerSpec(LONG_TITLE, "", "Shop", seed=1, brand=BRAND)
    result = PillowRenderer().render(spec, (300, 250))
    headline = result.text("headline")
    assert headline.lines[-1].endswith("…")
    assert len("".join(headline.lines)) < len(LONG_TITLE)


def test_every_seed_keeps_contrast_on_light_and_dark_brands():
    dark = BrandStyle(
        colours={"primary": (20, 20, 20), "text": (40, 40, 40), "accent": (30, 30, 30)}
    )
    pale = BrandStyle(
        colours={
            "primary": (250, 240, 200),
            "text": (255, 255, 200),
            "background": (255, 255, 255),
            "accent": (255, 250, 240),
        }
    )
    for brand in (dark, pale, BRAND):
        for seed in range(4):
            spec = BannerSpec(
                "Warm red hoodie",
                "Brushed fleece.",
                "Shop now",
                seed=seed,
                brand=brand,
                photo=studio_photo(),
            )
            for result in PillowRenderer().render_set(spec, [(1200, 628), (300, 250)]):
                for text in result.texts:
                    assert text.contrast >= MIN_CONTRAST
                    assert contrast_ratio(text.colour, text.colour) == 1


def test_chinese_text_is_drawn_with_a_font_that_has_its_glyphs():
    from fontTools.ttLib import TTFont

    text = CHINESE + "立即选购，限时八折！"
    face = face_for(text)
    assert face == get_cjk_face()
    font = TTFont(face.path, fontNumber=face.index, lazy=True)
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in text)

    # And the drawn glyph is not the font's missing-glyph box.
    def draw(ch):
        image = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(image).text((10, 0), ch, font=face.font(60), fill=255)
        return image

    notdef = draw("\ue000")  # a private-use code point no font maps
    for ch in "舒适连帽衫":
        assert ImageChops.difference(draw(ch), notdef).getbbox() is not None


def test_the_latin_font_is_used_for_english_and_covers_it():
    face = face_for("Warm hoodie – £45, 20% off…")
    assert face.path.endswith("Poppins-Bold.ttf")


def test_configured_fonts_win(tmp_path):
    with override_settings(AI_ASSIST={"BANNER_CJK_FONT": get_cjk_face().path + "#2"}):
        assert get_cjk_face().index == 2


def _save(image, fmt, **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    buffer.seek(0)
    return buffer


def test_photos_in_any_mode_come_out_as_rgb_or_rgba():
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 0))
    rgba.putpixel((5, 5), (0, 255, 0, 255))
    opened = photos.open_photo(_save(rgba, "PNG"))
    assert opened.mode == "RGBA" and opened.getpixel((0, 0))[3] == 0

    palette = Image.new("P", (40, 30), 0)
    palette.putpalette([255, 255, 255, 200, 0, 0] + [0] * 762)
    palette.putpixel((10, 10), 1)
    palette.info["transparency"] = 0
    opened = photos.open_photo(_save(palette, "PNG", transparency=0))
    assert opened.mode == "RGBA"
    assert opened.getpixel((0, 0))[3] == 0
    assert opened.getpixel((10, 10)) == (200, 0, 0, 255)

    cmyk = Image.new("CMYK", (40, 30), (255, 0, 0, 0))  # pure cyan
    opened = photos.open_photo(_save(cmyk, "JPEG"))
    r, g, b = opened.getpixel((20, 15))
    assert opened.mode == "RGB" and r < 40 and g > 200 and b > 200

    grey16 = Image.new("I;16", (40, 30), 40000)
    opened = photos.open_photo(_save(grey16, "PNG"))
    assert opened.mode == "RGB" and 140 < opened.getpixel((0, 0))[0] < 170


def test_exif_rotated_photos_are_turned_upright():
    stored = Image.new("RGB", (200, 100), "blue")
    ImageDraw.Draw(stored).rectangle((0, 0, 99, 99), fill="red")  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    opened = photos.open_photo(_save(stored, "JPEG", exif=exif, quality=95))
    assert opened.size == (100, 200)
    top, bottom = opened.getpixel((50, 20)), opened.getpixel((50, 180))
    assert top[0] > 200 and top[2] < 60  # the red half is now on top
    assert bottom[2] > 200


def test_a_white_studio_backdrop_is_cut_out():
    cut = photos.cut_out(studio_photo())
    assert cut.mode == "RGBA"
    # Trimmed to the product, corners transparent, centre opaque.
    assert cut.size[0] < 400
    assert cut.getpixel((0, 0))[3] < 20
    assert cut.getpixel((cut.width // 2, cut.height // 2))[3] == 255


def test_uploads_that_are_not_images_or_too_large_are_refused():
    with pytest.raises(ValidationError, match="not an image"):
        photos.validate_image_upload(SimpleUploadedFile("x.png", b"not an image"))
    good = SimpleUploadedFile("p.png", _save(studio_photo(), "PNG").getvalue())
    photos.validate_image_upload(good)
    with override_settings(AI_ASSIST={"MAX_UPLOAD_BYTES": 100}):
        with pytest.raises(ValidationError, match="at most"):
            photos.validate_image_upload(good)


def test_size_lists_are_parsed_with_readable_errors():
    assert parse_sizes("1200x628, 300X250") == [(1200, 628), (300, 250)]
    with pytest.raises(SizeError, match="WIDTHxHEIGHT"):
        parse_sizes("big")
    with pytest.raises(SizeError, match="out of range"):
        parse_sizes("1x1")


def test_a_real_product_photo_renders_cleanly():
    folder = next((d for d in PHOTO_DIRS if d.is_dir()), None)
    if folder is None:
        pytest.skip("product photos not present")
    with open(folder / "solidus_hoodie_red_1.png", "rb") as handle:
        photo = photos.open_photo(handle)
    spec = BannerSpec(
        "Cosy red hoodie",
        "Brushed fleece, roomy hood.",
        "Shop now",
        seed=2,
        photo=photo,
        brand=BRAND,
    )
    for result in PillowRenderer().render_set(spec, ALL_SIZES):
        assert result.photo is not None
        assert_layout_is_clean(result)
        assert not result.photo.intersects(result.text("headline").box)


def test_system_checks_report_a_missing_cjk_font_and_bad_backends(monkeypatch):
    from django.core.checks import run_checks

    from ai_assist.banners import fonts

    def ids():
        return {m.id for m in run_checks(tags=["ai_assist"])}

    assert not {"ai_assist.W010", "ai_assist.E010"} & ids()
    monkeypatch.setattr(fonts, "SYSTEM_CJK_FONTS", [])
    monkeypatch.setattr(fonts, "_package_cjk_font", lambda: None)
    with override_settings(
        AI_ASSIST={"COPYWRITER": "nope", "BANNER_RENDERER": "no.such.Renderer"}
    ):
        assert {"ai_assist.W010", "ai_assist.E010"} <= ids()


def test_chinese_lines_break_after_a_pause_not_mid_word():
    from ai_assist.banners.layout import text_width, wrap

    font = face_for(CHINESE).font(60)
    text = "精选好物：保温不锈钢水杯"
    width = text_width(font, "精选好物：保温不锈") + 5
    assert wrap(text, font, width) == ["精选好物：", "保温不锈钢水杯"]
    # No line starts with closing punctuation.
    for line in wrap(CHINESE + "。", font, 200):
        assert line[0] not in "，。：、"
