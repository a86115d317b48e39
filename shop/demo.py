"""Demo extras that ``manage.py seed_demo`` adds after the catalogue import.

``SEED_STEPS`` lists the steps by dotted path, in order. A step is a function
``step(write)`` that makes its changes idempotently (a second run changes
nothing) and reports what a visitor needs to know, such as credentials, by
calling ``write(line)``. Features that need demo content of their own (help
articles for the chat, a brand kit for banners) add their function here.
"""

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.utils.text import slugify

from shop.importers.online_retail import DEMO_CUSTOMER_PASSWORD
from shop.importers.sync import ensure_categories, initial_stock, sync_rows
from shop.models import Order, Product

SEED_STEPS = [
    "shop.demo.seed_shopper_accounts",
    "shop.demo.seed_sample_merchandise",
    "shop.demo.seed_help_articles",
    "shop.demo.seed_brand_kit",
]

PHOTOS_DIR = Path(settings.BASE_DIR) / "data" / "product-photos"
SAMPLE_CATEGORY = "Sample merchandise"
# Wholesale customers have hundreds of orders; a shopper's history should
# still fit on a page or two.
SHOPPER_MAX_ORDERS = 40


# Shopper accounts ----------------------------------------------------------


def seed_shopper_accounts(write):
    """Give two imported customers memorable usernames and the demo password.

    ``shopper`` is the customer with the most orders (up to
    :data:`SHOPPER_MAX_ORDERS`) among those with an order still on its way,
    so order-status questions have interesting answers; ``newshopper`` has a
    single order, not yet delivered. The accounts keep their real order
    history.
    """
    user_model = get_user_model()
    open_statuses = [Order.Status.PLACED, Order.Status.PROCESSING, "shipped"]
    customers = user_model.objects.annotate(
        orders_count=Count("orders"),
        open_orders=Count("orders", filter=Q(orders__status__in=open_statuses)),
    ).filter(is_staff=False, orders_count__gt=0)

    choices = [
        (
            "shopper",
            customers.filter(
                open_orders__gt=0, orders_count__lte=SHOPPER_MAX_ORDERS
            ).order_by("-orders_count", "pk"),
        ),
        (
            "newshopper",
            customers.filter(orders_count=1, open_orders=1).order_by("pk"),
        ),
    ]
    for username, candidates in choices:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            reserved = [name for name, _ in choices]
            user = candidates.exclude(username__in=reserved).first()
            if user is None:
                write(f"No imported customer fits '{username}'; import orders first.")
                continue
            user.username = username
            user.save(update_fields=["username"])
        if not user.check_password(DEMO_CUSTOMER_PASSWORD):
            user.set_password(DEMO_CUSTOMER_PASSWORD)
            user.save(update_fields=["password"])
        orders = user.orders.count()
        write(
            f"Shopper account: {username} / {DEMO_CUSTOMER_PASSWORD} "
            f"({orders} order{'s' if orders != 1 else ''})"
        )
    write(
        "Every imported customer account also signs in with the password "
        f"{DEMO_CUSTOMER_PASSWORD!r}."
    )


# Sample merchandise --------------------------------------------------------


def seed_sample_merchandise(write):
    """Add the Solidus sample products with their studio photos.

    The photos (``data/product-photos``, BSD 3-Clause) are real product
    cut-outs, which the giftware catalogue lacks; the banner studio uses
    them. Prices are the sample store's figures, in the store's own
    currency (pounds): a cart must never mix currencies.
    """
    manifest = PHOTOS_DIR / "manifest.csv"
    if not manifest.exists():
        write(f"Sample merchandise skipped: {manifest} not found.")
        return

    products = _read_manifest(manifest)
    category_pk = ensure_categories([SAMPLE_CATEGORY])[SAMPLE_CATEGORY]
    wanted = {
        sku: {
            "title": item["name"],
            "description": item["description"],
            "brand": "Solidus",
            "category_id": category_pk,
            "price": item["price"],
            "currency": "GBP",
        }
        for sku, item in products.items()
    }
    pks, counts = sync_rows(
        Product,
        "sku",
        wanted,
        update_fields=(
            "title",
            "description",
            "brand",
            "category_id",
            "price",
            "currency",
        ),
        create_only={sku: {"stock": initial_stock(sku)} for sku in wanted},
    )
    attached = _attach_photos(products, pks)
    write(
        f"Sample merchandise: {len(products)} products "
        f"({counts['created']} new), {attached} photos attached."
    )


def _read_manifest(path):
    images = defaultdict(list)
    rows = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            slug = slugify(row["product_name"])
            sku = slug if slug.startswith("solidus-") else f"solidus-{slug}"
            rows.setdefault(sku, row)
            images[sku].append(row)

    products = {}
    for sku, row in rows.items():
        colours = sorted({r["variant_color"] for r in images[sku]} - {""})
        description = f"{row['product_name']} from the Solidus sample store."
        if colours:
            description += f" Available in {_join(colours)}."
        products[sku] = {
            "name": row["product_name"],
            "price": Decimal(row["price_usd"]).quantize(Decimal("0.01")),
            "description": description,
            "photo": sorted(r["file"] for r in images[sku])[0],
        }
    return products


def _attach_photos(products, pks):
    attached = 0
    for product in Product.objects.filter(pk__in=pks.values()):
        item = products[product.sku]
        name = f"products/{Path(item['photo']).name}"
        if product.image and default_storage.exists(product.image.name):
            continue
        if not default_storage.exists(name):
            with (PHOTOS_DIR / item["photo"]).open("rb") as handle:
                name = default_storage.save(name, File(handle))
        # update(), not save(): a new photo needs no re-embedding of the text.
        Product.objects.filter(pk=product.pk).update(image=name)
        attached += 1
    return attached


def _join(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# The app's own demo content --------------------------------------------------


def seed_help_articles(write):
    """Starter shipping, returns, payment and contact articles for the chat."""
    from ai_assist.chat.knowledge import seed_knowledge

    created = seed_knowledge()
    write(f"Help articles: {created} created (edit them in the admin).")


def seed_brand_kit(write):
    """A default brand kit, so the banner studio works out of the box."""
    from ai_assist.banners.brand import seed_default_brand_kit

    kit = seed_default_brand_kit(name="Larkspur")
    write(f"Brand kit: {kit.name!r} is the default.")
