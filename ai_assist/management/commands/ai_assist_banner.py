"""Render a set of banners for one product, without the admin."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from ...adapters import get_adapter
from ...banners.brand import brand_style, get_default_brand_kit
from ...banners.copy import CopyBrief, CopyError, write_copy
from ...banners.render import BannerSpec, encode_image, get_renderer
from ...banners.sizes import DEFAULT_SIZES, SizeError, parse_sizes, size_label
from ...banners.workflow import load_photo_for_product


class Command(BaseCommand):
    help = (
        "Render banners for one product into a folder, e.g. "
        "ai_assist_banner --product SKU --lang zh-hans --sizes 1200x628 --out out/"
    )

    def add_arguments(self, parser):
        parser.add_argument("--product", required=True, help="the product's SKU")
        parser.add_argument("--out", required=True, help="folder for the images")
        parser.add_argument("--lang", default="en", choices=["en", "zh-hans"])
        parser.add_argument(
            "--sizes",
            default=",".join(DEFAULT_SIZES),
            help="comma-separated WIDTHxHEIGHT list (default: %(default)s)",
        )
        parser.add_argument(
            "--goal",
            default="sale",
            choices=["sale", "new_arrival", "seasonal", "bundle"],
        )
        parser.add_argument(
            "--tone",
            default="friendly",
            choices=["friendly", "playful", "premium", "urgent"],
        )
        parser.add_argument("--discount", default="", help='e.g. "20%% off"')
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--copywriter",
            default=None,
            help="alias in AI_ASSIST['COPYWRITERS']; 'templates' is instant",
        )
        parser.add_argument("--format", default=None, choices=["png", "webp"])

    def handle(self, *args, **options):
        try:
            sizes = parse_sizes(options["sizes"])
        except SizeError as exc:
            raise CommandError(str(exc)) from None
        adapter = get_adapter()
        product = adapter.find_product_by_sku(options["product"])
        if product is None:
            raise CommandError(f"No product with SKU {options['product']!r}.")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)

        started = time.perf_counter()
        brief = CopyBrief.from_product(
            product,
            goal=options["goal"],
            tone=options["tone"],
            language=options["lang"],
            discount_text=options["discount"],
        )
        try:
            copy = write_copy(
                brief, seed=options["seed"], copywriter=options["copywriter"]
            ).best
        except CopyError as exc:
            raise CommandError(str(exc)) from None
        spec = BannerSpec(
            headline=copy.headline,
            description=copy.description,
            cta=copy.cta,
            language=options["lang"],
            seed=options["seed"],
            photo=load_photo_for_product(product.id),
            brand=brand_style(get_default_brand_kit()),
            motif=product.title,
        )
        results = get_renderer().render_set(spec, sizes)
        stem = slugify(product.sku or product.id) or "product"
        for size, result in zip(sizes, results, strict=True):
            data, extension = encode_image(result.image, options["format"])
            path = out / f"{stem}-{options['lang']}-{size_label(size)}.{extension}"
            path.write_bytes(data)
            self.stdout.write(str(path))
        self.stdout.write(
            f"copy ({copy.source}): {copy.headline} | {copy.description} | "
            f"{copy.cta}\n{len(results)} banners in "
            f"{time.perf_counter() - started:.2f} s"
        )
