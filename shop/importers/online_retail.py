"""Import the UCI Online Retail invoices as products, customers and orders.

The file (CSV, optionally gzipped) has one row per invoice line. The rules:

* **Products** are stock codes made of five digits and an optional variant
  suffix (``85123A``). Every other code is a service or accounting entry
  (postage, carriage, fees, discounts, manual corrections, vouchers, bad
  debt...), and so is a numeric code whose name says it is one ("Next Day
  Carriage", "Gift Voucher"). Codes are compared upper-cased, since the data
  spells some variants both ways. A product's title is its most frequent
  name on sales lines, shown in title case with the original words, and its
  price the median unit price of those lines, in GBP.
* **Sales lines** are lines of ordinary invoices with a positive quantity and
  a positive price. Cancellations (invoice numbers starting with ``C``) are
  not imported: the data does not say which order they cancel, so they are
  only counted. Lines with zero price or negative quantity on ordinary
  invoices are stock adjustments ("damaged", "found"...) and are counted too.
* **Customers** become user accounts with a made-up but stable username,
  the email ``customer-<id>@example.com`` (the account's natural key) and the
  shared demo password :data:`DEMO_CUSTOMER_PASSWORD`. The data holds no
  names, and the accounts get none.
* **Orders** are invoices with at least one sales line of a product; the
  order number is the invoice number and dates are UK local time. Invoices
  without a customer id are imported as guest orders (no account) with the
  email ``guest-<number>@example.com``, so a guest order lookup can be tried.
  Shipping states come from :mod:`shop.importers.shipping`, relative to the
  newest invoice in the file.

Re-importing the same file changes nothing. Importing a larger file later
(after a ``--limit`` run) updates prices, titles and order lines to match.
Products keep the stock and publication flag they got when created, since
the store itself changes those.
"""

import csv
import functools
import gzip
import hashlib
import io
import logging
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from tqdm import tqdm

from shop.models import Order, OrderLine, Product

from .rules import giftware_category
from .shipping import shipping_state
from .sync import (
    WRITE_BATCH,
    ImportDataError,
    ensure_categories,
    fetch_by_key,
    initial_stock,
    sync_rows,
)

logger = logging.getLogger(__name__)

# Every imported customer account shares this password so that any of them
# can be tried in the demo. Demo data only: never import real customers so.
DEMO_CUSTOMER_PASSWORD = "shopper-demo-123"
CURRENCY = "GBP"
SOURCE_TIMEZONE = ZoneInfo("Europe/London")
REQUIRED_COLUMNS = (
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
)

PRODUCT_CODE = re.compile(r"\d{5}[A-Z]{0,3}")
# Names that mark a numeric code as a charge rather than goods. "Carriage"
# only counts as the last word: a "carriage clock" is a product.
SERVICE_NAME = re.compile(
    r"\b(postage|vouchers?|fees?|discount|commission|bank charges|bad debt)\b"
    r"|\bcarriage$",
    re.IGNORECASE,
)
CENT = Decimal("0.01")
PRODUCT_FIELDS = ("title", "description", "category_id", "price", "currency")
ORDER_FIELDS = (
    "customer_id",
    "email",
    "created_at",
    "currency",
    "status",
    "carrier",
    "tracking_code",
    "shipped_at",
    "delivered_at",
)


@dataclass
class Invoice:
    """One invoice's sales lines: ``(stock code, quantity, unit price)``."""

    number: str
    created: str
    customer_id: str
    country: str
    lines: list = field(default_factory=list)


@dataclass
class RetailData:
    """What one pass over the file collected, before anything is written."""

    names: dict = field(default_factory=lambda: defaultdict(Counter))
    prices: dict = field(default_factory=lambda: defaultdict(list))
    invoices: dict = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    cancelled_invoices: set = field(default_factory=set)


def import_online_retail(path, *, limit=None, progress=True):
    """Import the file at ``path`` (first ``limit`` data rows if given).

    Returns a Counter of what happened (``products_created``,
    ``orders_updated``, ``lines_cancelled``...), for the caller to report.
    Raises :class:`ImportDataError` when the file is not in the expected
    format. Everything is written in one transaction.
    """
    data = read_invoice_lines(path, limit=limit, progress=progress)
    products = build_products(data)
    with transaction.atomic():
        counts = data.counts
        product_pks = _sync_products(products, counts)
        invoices = _invoices_with_products(data, products)
        customer_pks = _sync_customers(invoices, counts)
        _sync_orders(invoices, products, product_pks, customer_pks, counts, progress)
    logger.info("online retail import from %s: %s", path, dict(counts))
    return counts


# Reading -------------------------------------------------------------------


def read_invoice_lines(path, *, limit=None, progress=False):
    """Read the file into a :class:`RetailData`, skipping what is not a sale.

    The copy in ``data/`` is UTF-8; exports of the original spreadsheet are
    often Latin-1, which is tried when UTF-8 fails.
    """
    for encoding in ("utf-8", "latin-1"):
        try:
            return _read(path, encoding, limit, progress)
        except UnicodeDecodeError:
            logger.info("online retail file %s: not %s, retrying", path, encoding)
        except (OSError, EOFError, csv.Error) as exc:
            raise ImportDataError(f"{path}: cannot read the file ({exc})") from exc
    raise ImportDataError(f"{path}: unknown text encoding")


def _read(path, encoding, limit, progress):
    data = RetailData()
    with open(path, "rb") as raw, _progress_bar(raw, limit, progress) as bar:
        binary = gzip.GzipFile(fileobj=raw) if str(path).endswith(".gz") else raw
        text = io.TextIOWrapper(binary, encoding=encoding, newline="")
        reader = csv.reader(text)
        columns = _column_indexes(next(reader, []))
        for index, row in enumerate(reader):
            if limit is not None and index >= limit:
                break
            if index % 5000 == 0:
                bar.update((index if limit else raw.tell()) - bar.n)
            try:
                _read_row(data, [row[i] for i in columns])
            except (IndexError, ValueError, ArithmeticError):
                # One damaged line should not sink a 500,000-line import.
                data.counts["lines_malformed"] += 1
        bar.update(bar.total - bar.n)
    data.counts["invoices_cancelled"] = len(data.cancelled_invoices)
    return data


def _progress_bar(raw, limit, progress):
    # Without a limit the bar follows the bytes read from disk, which works
    # for compressed files too and needs no first pass to count lines.
    if limit:
        total, unit, scale = limit, " lines", False
    else:
        total, unit, scale = os.fstat(raw.fileno()).st_size, "B", True
    return tqdm(
        total=total,
        desc="Reading invoice lines",
        unit=unit,
        unit_scale=scale,
        disable=not progress or None,
        mininterval=0.5,
    )


def _column_indexes(header):
    header = [name.strip().lstrip("\ufeff") for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportDataError(
            f"not an Online Retail file: missing column(s) {', '.join(missing)}"
        )
    return [header.index(name) for name in REQUIRED_COLUMNS]


def _read_row(data, row):
    number, code, name, quantity, created, price, customer_id, country = row
    data.counts["lines_read"] += 1
    number = number.strip()
    if number.startswith("C"):
        data.counts["lines_cancelled"] += 1
        data.cancelled_invoices.add(number)
        return
    quantity = int(quantity)
    price = Decimal(price).quantize(CENT, ROUND_HALF_UP)
    if quantity <= 0 or price <= 0:
        data.counts["lines_adjustment"] += 1
        return

    code = code.strip().upper()
    name = " ".join(name.split())
    if name:
        data.names[code][name] += 1
    data.prices[code].append(price)
    invoice = data.invoices.get(number)
    if invoice is None:
        _local_time(created)  # reject a bad date here, not while writing
        customer_id = customer_id.strip().removesuffix(".0")
        invoice = Invoice(number, created, customer_id, country.strip())
        data.invoices[number] = invoice
    invoice.lines.append((code, quantity, price))


# Products ------------------------------------------------------------------


def is_product(code, name):
    """Whether a stock code (upper-cased) and its name denote real goods."""
    return bool(PRODUCT_CODE.fullmatch(code)) and not SERVICE_NAME.search(name)


def build_products(data):
    """Return ``{sku: field dict}`` for every product code with a sale."""
    products = {}
    for code, prices in data.prices.items():
        names = data.names.get(code)
        name = names.most_common(1)[0][0] if names else ""
        if not name or not is_product(code, name):
            continue
        title = display_title(name)
        category = giftware_category(title)
        products[code] = {
            "title": title[:300],
            "description": f"{title}, from our {category} range.",
            "category": category,
            "price": median_price(prices),
            "currency": CURRENCY,
        }
    return products


def median_price(prices):
    """Median of a list of Decimals, rounded to pence."""
    ordered = sorted(prices)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return ((ordered[middle - 1] + ordered[middle]) / 2).quantize(CENT, ROUND_HALF_UP)


_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or"}
_SMALL_WORDS |= {"the", "to", "with"}
_ACRONYMS = {"LED", "UK", "USA", "DIY", "XL", "XXL", "PVC", "DVD", "CD", "ABC"}


def display_title(name):
    """Turn an upper-case catalogue name into readable title case.

    The words stay the same, so a search for "lunch bag" still finds "LUNCH
    BAG RED RETROSPOT". Names already in mixed case are kept as written.
    """
    name = " ".join(name.split())
    if name != name.upper():
        return name
    words = []
    for position, word in enumerate(name.split(" ")):
        if word in _ACRONYMS or any(ch.isdigit() for ch in word):
            words.append(word)
        elif position and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append(_capitalise(word))
    return " ".join(words)


def _capitalise(word):
    # "T-LIGHT" -> "T-Light", "PURPLE/TURQ" -> "Purple/Turq",
    # "CHILDREN'S" -> "Children's" (str.title would give "Children'S").
    parts = re.split(r"([-/])", word)
    return "".join(part[:1].upper() + part[1:].lower() for part in parts)


def _sync_products(products, counts):
    category_pks = ensure_categories(p["category"] for p in products.values())
    wanted = {
        sku: {
            "title": p["title"],
            "description": p["description"],
            "category_id": category_pks[p["category"]],
            "price": p["price"],
            "currency": p["currency"],
        }
        for sku, p in products.items()
    }
    create_only = {sku: {"stock": initial_stock(sku)} for sku in products}
    pks, result = sync_rows(
        Product, "sku", wanted, update_fields=PRODUCT_FIELDS, create_only=create_only
    )
    _add_counts(counts, "products", result)
    return pks


# Customers -----------------------------------------------------------------

_ADJECTIVES = (
    "amber azure bold brave bright brisk calm clever cosy crisp dapper eager "
    "fair fancy gentle glad golden happy hazel jolly keen kind lively lucky "
    "merry mellow nimble noble plucky polite proud quick quiet rosy rustic "
    "sandy silver snug sunny swift tidy warm witty zesty"
).split()
_NOUNS = (
    "badger beaver bramble clover comet daisy dove falcon fern finch fox "
    "hare hazel heron ivy kestrel kite lark maple marten meadow otter owl "
    "pebble pine plover puffin quail raven robin rowan sparrow squirrel "
    "starling swallow teal thistle thrush vole walnut willow wren"
).split()


def customer_email(customer_id):
    """The natural key of an imported customer's account."""
    return f"customer-{customer_id}@example.com"


def customer_username(customer_id, taken):
    """A made-up, stable username such as ``jolly_otter42``.

    The same id always proposes the same name; when that name is in
    ``taken`` the number is moved on until it is free.
    """
    digest = hashlib.sha256(f"customer:{customer_id}".encode()).digest()
    adjective = _ADJECTIVES[digest[0] % len(_ADJECTIVES)]
    noun = _NOUNS[digest[1] % len(_NOUNS)]
    number = 10 + int.from_bytes(digest[2:4]) % 90
    while f"{adjective}_{noun}{number}" in taken:
        number += 1
    return f"{adjective}_{noun}{number}"


def _sync_customers(invoices, counts):
    first_seen = {}
    for invoice in invoices:
        if invoice.customer_id:
            created_at = _local_time(invoice.created)
            earliest = first_seen.get(invoice.customer_id, created_at)
            first_seen[invoice.customer_id] = min(earliest, created_at)
    if not first_seen:
        return {}

    user_model = get_user_model()
    emails = {customer_email(cid): cid for cid in first_seen}
    existing = fetch_by_key(user_model, "email", emails)
    taken = set(user_model.objects.values_list("username", flat=True))
    # Hashing is slow on purpose, so every new account shares one hash.
    password = make_password(DEMO_CUSTOMER_PASSWORD)
    wanted = {}
    create_only = {}
    for email, cid in sorted(emails.items(), key=lambda item: item[1]):
        if email in existing:
            continue
        username = customer_username(cid, taken)
        taken.add(username)
        wanted[email] = {}
        create_only[email] = {
            "username": username,
            "password": password,
            "date_joined": first_seen[cid],
        }
    pks, result = sync_rows(user_model, "email", wanted, create_only=create_only)
    result["unchanged"] += len(existing)
    pks.update((email, user.pk) for email, user in existing.items())
    _add_counts(counts, "customers", result)
    return {cid: pks[email] for email, cid in emails.items()}


# Orders --------------------------------------------------------------------


def _invoices_with_products(data, products):
    # Only lines of products count; an invoice left empty (postage alone,
    # a voucher) is not an order, and its customer gets no account for it.
    invoices = []
    for invoice in data.invoices.values():
        lines = [line for line in invoice.lines if line[0] in products]
        data.counts["lines_non_product"] += len(invoice.lines) - len(lines)
        if lines:
            invoice.lines = lines
            invoices.append(invoice)
        else:
            data.counts["invoices_without_products"] += 1
    return invoices


def _sync_orders(invoices, products, product_pks, customer_pks, counts, progress):
    if not invoices:
        return
    reference_time = max(_local_time(invoice.created) for invoice in invoices)

    wanted = {}
    for invoice in invoices:
        created_at = _local_time(invoice.created)
        customer_pk = customer_pks.get(invoice.customer_id)
        wanted[invoice.number] = {
            "customer_id": customer_pk,
            "email": (
                customer_email(invoice.customer_id)
                if customer_pk
                else f"guest-{invoice.number}@example.com"
            ),
            "created_at": created_at,
            "currency": CURRENCY,
            **shipping_state(
                invoice.number, created_at, invoice.country, reference_time
            ),
        }
    order_pks, result = sync_rows(Order, "number", wanted, update_fields=ORDER_FIELDS)
    _add_counts(counts, "orders", result)
    counts["orders_guest"] = sum(1 for v in wanted.values() if not v["customer_id"])

    lines_by_order = {
        order_pks[invoice.number]: [
            (product_pks[code], products[code]["title"], quantity, price)
            for code, quantity, price in invoice.lines
        ]
        for invoice in invoices
    }
    _sync_order_lines(lines_by_order, counts, progress)


def _sync_order_lines(lines_by_order, counts, progress):
    current = defaultdict(list)
    order_pks = list(lines_by_order)
    for start in range(0, len(order_pks), 900):
        rows = (
            OrderLine.objects.filter(order_id__in=order_pks[start : start + 900])
            .order_by("order_id", "pk")
            .values_list("order_id", "product_id", "title", "quantity", "unit_price")
        )
        for order_pk, *line in rows:
            current[order_pk].append(tuple(line))

    stale = {pk for pk in current if current[pk] != lines_by_order[pk]}
    stale = sorted(stale)
    for start in range(0, len(stale), 900):
        OrderLine.objects.filter(order_id__in=stale[start : start + 900]).delete()
    counts["orders_lines_rewritten"] = len(stale)

    new_lines = [
        OrderLine(
            order_id=order_pk,
            product_id=product_pk,
            title=title,
            quantity=quantity,
            unit_price=price,
        )
        for order_pk, lines in lines_by_order.items()
        if order_pk not in current or current[order_pk] != lines
        for product_pk, title, quantity, price in lines
    ]
    with tqdm(
        total=len(new_lines),
        desc="Writing order lines",
        unit=" lines",
        unit_scale=True,
        disable=not progress or None,
    ) as bar:
        for start in range(0, len(new_lines), WRITE_BATCH):
            batch = new_lines[start : start + WRITE_BATCH]
            OrderLine.objects.bulk_create(batch)
            bar.update(len(batch))
    counts["order_lines_created"] = len(new_lines)


# Helpers -------------------------------------------------------------------

# The UCI spreadsheet exported to CSV writes "12/1/2010 8:26"; the copy in
# data/ writes ISO dates. Both are UK local time.
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")


@functools.lru_cache(maxsize=65536)
def _local_time(text):
    # Cached: an invoice repeats its timestamp on every line.
    for date_format in DATE_FORMATS:
        try:
            naive = datetime.strptime(text.strip(), date_format)
        except ValueError:
            continue
        # As UTC: arithmetic on London wall-clock times would land in the
        # hour that clocks skip or repeat when daylight saving changes.
        return naive.replace(tzinfo=SOURCE_TIMEZONE).astimezone(UTC)
    raise ValueError(f"unknown date format: {text!r}")


def _add_counts(counts, prefix, result):
    for name, value in result.items():
        counts[f"{prefix}_{name}"] += value
