"""Import the Icecat electronics catalogue as a second, richer catalogue.

Each row becomes a product with SKU ``icecat-<id>``: the marketing title,
the supplier as brand, the short description (plus model number and colour
when the title does not already say them) as description, and the price.
Prices are integers in cents; the Chorus project that published the set
indexed them as US dollars, so they are imported as USD. Categories come
from the row's product type when it names one, otherwise from keyword rules
over the title (:data:`shop.importers.rules.ELECTRONICS_RULES`).

Rows without a positive price are skipped. Like the other importer it is
idempotent, and stock is only set when a product is created.
"""

import csv
import gzip
import logging
from collections import Counter
from decimal import Decimal

from django.db import transaction

from tqdm import tqdm

from shop.models import Product

from .rules import electronics_category
from .sync import ImportDataError, ensure_categories, initial_stock, sync_rows

logger = logging.getLogger(__name__)

CURRENCY = "USD"
SKU_PREFIX = "icecat-"
REQUIRED_COLUMNS = ("id", "title", "supplier", "price")
PRODUCT_FIELDS = (
    "title",
    "description",
    "brand",
    "category_id",
    "price",
    "currency",
)


def import_icecat(path, *, limit=None, progress=True):
    """Import the Icecat CSV (or CSV.GZ) at ``path``; return a Counter.

    ``limit`` reads only the first N products. Raises
    :class:`~shop.importers.sync.ImportDataError` for a file
    without the expected columns.
    """
    counts = Counter()
    products = read_products(path, limit=limit, progress=progress, counts=counts)
    with transaction.atomic():
        category_pks = ensure_categories(p["category"] for p in products.values())
        wanted = {
            sku: {
                **{k: v for k, v in p.items() if k != "category"},
                "category_id": category_pks[p["category"]],
            }
            for sku, p in products.items()
        }
        create_only = {
            sku: {"stock": initial_stock(sku), "is_published": True} for sku in wanted
        }
        _, result = sync_rows(
            Product,
            "sku",
            wanted,
            update_fields=PRODUCT_FIELDS,
            create_only=create_only,
        )
    for name, value in result.items():
        counts[f"products_{name}"] += value
    logger.info("icecat import from %s: %s", path, dict(counts))
    return counts


def read_products(path, *, limit=None, progress=False, counts=None):
    """Return ``{sku: field dict}`` for the usable rows of the file."""
    counts = Counter() if counts is None else counts
    opener = gzip.open if str(path).endswith(".gz") else open
    products = {}
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(REQUIRED_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise ImportDataError(
                    "not an Icecat product file: missing column(s) "
                    + ", ".join(sorted(missing))
                )
            rows = tqdm(
                reader,
                total=limit,
                desc="Reading products",
                unit=" products",
                disable=not progress or None,
            )
            for index, row in enumerate(rows):
                if limit is not None and index >= limit:
                    break
                counts["rows_read"] += 1
                product = product_from_row(row)
                if product is None:
                    counts["rows_skipped"] += 1
                    continue
                products[SKU_PREFIX + row["id"].strip()] = product
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportDataError(f"{path}: cannot read the file ({exc})") from exc
    return products


def product_from_row(row):
    """Map one CSV row to product fields, or None when it cannot be sold."""
    title = " ".join(row["title"].split())
    try:
        cents = int(row["price"])
    except (TypeError, ValueError):
        return None
    if not row["id"].strip() or not title or cents <= 0:
        return None

    kind = (row.get("attr_t_type") or "").strip()
    category = electronics_category(kind) if kind else None
    if category in (None, electronics_category.fallback):
        category = electronics_category(title)
    return {
        "title": title[:300],
        "description": _description(row, title),
        "brand": (row.get("supplier") or "").strip()[:120],
        "category": category,
        "price": Decimal(cents) / 100,
        "currency": CURRENCY,
    }


def _description(row, title):
    # The short description is the summary; model number and colour are
    # added when the title leaves them out, since shoppers search for both.
    parts = [" ".join((row.get("short_description") or "").split())]
    model = " ".join((row.get("name") or "").split())
    if model and model.lower() not in title.lower():
        parts.append(f"Model: {model}.")
    colour = (row.get("attr_t_product_colour") or "").strip()
    if colour and colour.lower() not in title.lower():
        parts.append(f"Colour: {colour.replace(',', ', ')}.")
    return " ".join(part for part in parts if part)
