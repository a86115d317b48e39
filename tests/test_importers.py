"""The demo store's importers, on a hand-picked sample of the real UCI rows.

``tests/data/online_retail_sample.csv`` holds 29 real lines: ordinary
invoices with and without a customer, two cancellations (one a discount),
postage, bank charges, a gift voucher, a numeric carriage code, stock
adjustments, and stock code 85123A under two names, two prices and a
lower-case spelling.
"""

import csv
import gzip
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

import pytest

from shop.importers.icecat import import_icecat
from shop.importers.online_retail import (
    DEMO_CUSTOMER_PASSWORD,
    ImportDataError,
    display_title,
    import_online_retail,
    is_product,
)
from shop.importers.rules import electronics_category, giftware_category
from shop.importers.shipping import shipping_state
from shop.models import Category, Order, OrderLine, Product

SAMPLE = Path(__file__).parent / "data" / "online_retail_sample.csv"

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row the importers write, for before/after comparisons."""
    return {
        "products": list(Product.objects.order_by("sku").values()),
        "orders": list(Order.objects.order_by("number").values()),
        "lines": list(OrderLine.objects.order_by("pk").values()),
        "users": list(get_user_model().objects.order_by("pk").values()),
        "categories": list(Category.objects.order_by("pk").values()),
    }


# UCI Online Retail ---------------------------------------------------------


def test_import_counts_products_orders_and_customers():
    counts = import_online_retail(SAMPLE, progress=False)

    assert counts["lines_read"] == 29
    assert Product.objects.count() == 17 == counts["products_created"]
    assert set(Order.objects.values_list("number", flat=True)) == {
        "536365",
        "536367",
        "536370",
        "536373",
        "536544",
        "536982",
        "581334",
        "581395",
    }
    # Customers with at least one product order; ids that only appear on
    # cancellations or charges get no account.
    emails = set(get_user_model().objects.values_list("email", flat=True))
    assert emails == {
        f"customer-{cid}@example.com"
        for cid in ("17850", "13047", "12583", "17841", "16892")
    }
    assert OrderLine.objects.filter(order__number="536365").count() == 7


def test_cancellations_are_counted_not_imported():
    counts = import_online_retail(SAMPLE, progress=False)

    assert counts["lines_cancelled"] == 2
    assert counts["invoices_cancelled"] == 2
    assert not Order.objects.filter(number__startswith="C").exists()
    # 35004C appears only on a cancellation, so it never became a product.
    assert not Product.objects.filter(sku="35004C").exists()


def test_postage_fees_and_vouchers_are_not_products():
    counts = import_online_retail(SAMPLE, progress=False)

    skus = set(Product.objects.values_list("sku", flat=True))
    assert not skus & {"POST", "BANK CHARGES", "GIFT_0001_20", "23444", "D"}
    assert counts["lines_non_product"] == 4
    # An invoice of charges alone is not an order either.
    assert counts["invoices_without_products"] == 3
    assert not Order.objects.filter(number__in=["536779", "540238", "554835"])
    # The order keeps its goods and drops the postage line.
    order = Order.objects.get(number="536370")
    assert order.lines.count() == 4


def test_non_product_rule_generalises_beyond_the_known_codes():
    assert is_product("85123A", "WHITE HANGING HEART T-LIGHT HOLDER")
    assert is_product("85168B", "BLACK BAROQUE CARRIAGE CLOCK")
    for code, name in [
        ("POST", "POSTAGE"),
        ("C2", "CARRIAGE"),
        ("DOT", "DOTCOM POSTAGE"),
        ("PADS", "PADS TO MATCH ALL CUSHIONS"),
        ("GIFT_0001_50", "Dotcomgiftshop Gift Voucher £50.00"),
        ("23444", "Next Day Carriage"),
        ("22016", "Dotcomgiftshop Gift Voucher £100.00"),
        ("99999", "EXPRESS HANDLING FEE"),
    ]:
        assert not is_product(code, name), code


def test_stock_adjustments_are_skipped():
    counts = import_online_retail(SAMPLE, progress=False)

    assert counts["lines_adjustment"] == 2
    assert not Order.objects.filter(number__in=["536414", "536589"]).exists()


def test_product_title_is_the_most_frequent_name_and_price_the_median():
    import_online_retail(SAMPLE, progress=False)

    # 85123A is sold as WHITE three times (once spelled 85123a) and as
    # CREAM twice, at 2.55, 2.55, 6.77, 2.95 and 2.95.
    product = Product.objects.get(sku="85123A")
    assert product.title == "White Hanging Heart T-Light Holder"
    assert product.price == Decimal("2.95")
    assert product.currency == "GBP"
    assert product.category.name == "Candles & Lights"
    assert not Product.objects.filter(sku="85123a").exists()


def test_titles_read_well_and_keep_their_words():
    assert display_title("LUNCH BAG RED RETROSPOT") == "Lunch Bag Red Retrospot"
    assert display_title("POPPY'S PLAYHOUSE BEDROOM ") == "Poppy's Playhouse Bedroom"
    assert display_title("SET OF 3 CAKE TINS") == "Set of 3 Cake Tins"
    assert display_title("RED TOADSTOOL LED NIGHT LIGHT") == (
        "Red Toadstool LED Night Light"
    )
    assert display_title("Dr. Jam's Arouzer Stress Ball") == (
        "Dr. Jam's Arouzer Stress Ball"
    )
    import_online_retail(SAMPLE, progress=False)
    assert Product.objects.get(sku="22900").title == "Set 2 Tea Towels I Love London"


def test_categories_come_from_title_keywords_with_a_fallback():
    assert giftware_category("Jumbo Bag Red Retrospot") == "Bags"
    assert giftware_category("Paper Chain Kit 50's Christmas") == "Christmas"
    assert giftware_category("Scottie Dog Hot Water Bottle") == "Home Decor"
    assert giftware_category("Inflatable Political Globe") == "Gifts"
    assert electronics_category("HP 57 toner cartridge Original") == "Ink & Toner"
    assert electronics_category("Equip Stripping Tool") == "Electronics & Office"


def test_guest_invoices_become_orders_without_an_account():
    import_online_retail(SAMPLE, progress=False)

    order = Order.objects.get(number="536544")
    assert order.customer is None
    assert order.email == "guest-536544@example.com"
    assert order.lines.count() == 4


def test_orders_keep_invoice_lines_and_uk_times():
    import_online_retail(SAMPLE, progress=False)

    order = Order.objects.get(number="536365")
    assert order.customer.email == "customer-17850@example.com"
    assert order.email == order.customer.email
    # 08:26 in London in December is 08:26 UTC.
    assert order.created_at == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    line = order.lines.get(product__sku="71053")
    assert (line.title, line.quantity, line.unit_price) == (
        "White Metal Lantern",
        6,
        Decimal("3.39"),
    )


def test_shipping_states_follow_the_age_of_the_order():
    import_online_retail(SAMPLE, progress=False)

    old = Order.objects.get(number="536365")
    assert old.status == "delivered"
    assert old.carrier and old.tracking_code
    assert old.created_at < old.shipped_at < old.delivered_at
    # The newest orders in the file were placed hours before its last line.
    newest = Order.objects.get(number="581395")
    assert newest.status == "placed"
    assert not newest.carrier and newest.shipped_at is None


def test_shipping_state_is_deterministic_and_ships_abroad_by_air():
    placed = datetime(2011, 6, 1, 10, 0, tzinfo=UTC)
    later = datetime(2011, 7, 1, tzinfo=UTC)
    first = shipping_state("560000", placed, "France", later)
    assert first == shipping_state("560000", placed, "France", later)
    assert first["status"] == "delivered"
    assert first["carrier"] in {"DHL", "Parcelforce", "DPD"}
    soon = shipping_state("560000", placed, "France", first["shipped_at"])
    assert soon["status"] == "shipped" and soon["delivered_at"] is None


def test_customer_accounts_have_made_up_names_and_the_demo_password():
    import_online_retail(SAMPLE, progress=False)

    user = get_user_model().objects.get(email="customer-17850@example.com")
    assert "17850" not in user.username
    assert not user.first_name and not user.last_name
    assert user.check_password(DEMO_CUSTOMER_PASSWORD)


def test_second_import_changes_nothing():
    import_online_retail(SAMPLE, progress=False)
    before = snapshot()

    counts = import_online_retail(SAMPLE, progress=False)

    assert snapshot() == before
    for kind in ("products", "customers", "orders"):
        assert counts[f"{kind}_created"] == counts[f"{kind}_updated"] == 0
    assert counts["order_lines_created"] == 0


def test_limit_reads_only_the_first_lines():
    counts = import_online_retail(SAMPLE, limit=7, progress=False)

    assert counts["lines_read"] == 7
    assert list(Order.objects.values_list("number", flat=True)) == ["536365"]
    assert Product.objects.count() == 7
    assert get_user_model().objects.count() == 1


def test_full_import_after_a_limited_one_catches_up():
    import_online_retail(SAMPLE, limit=15, progress=False)
    assert Product.objects.get(sku="85123A").price == Decimal("2.55")

    counts = import_online_retail(SAMPLE, progress=False)

    assert Product.objects.get(sku="85123A").price == Decimal("2.95")
    assert counts["products_updated"] == 1
    assert Order.objects.count() == 8
    assert OrderLine.objects.filter(order__number="536365").count() == 7


def test_reimport_keeps_stock_changed_by_the_store():
    import_online_retail(SAMPLE, progress=False)
    Product.objects.filter(sku="71053").update(stock=3)

    import_online_retail(SAMPLE, progress=False)

    assert Product.objects.get(sku="71053").stock == 3


def test_gzipped_file_imports_like_the_plain_one(tmp_path):
    packed = tmp_path / "sample.csv.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))

    counts = import_online_retail(packed, progress=False)

    assert counts["products_created"] == 17


def test_wrong_file_is_a_readable_command_error(tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("sku,title\n1,Mug\n")
    with pytest.raises(ImportDataError, match="missing column"):
        import_online_retail(bad, progress=False)
    with pytest.raises(CommandError, match="InvoiceNo"):
        call_command("import_online_retail", str(bad), "--no-progress")


def test_command_prints_a_summary(capsys):
    call_command("import_online_retail", str(SAMPLE), "--no-progress")

    out = capsys.readouterr().out
    assert "Products: 17 created, 0 updated, 0 unchanged" in out
    assert "2 cancellation lines" in out
    assert DEMO_CUSTOMER_PASSWORD in out


# Icecat --------------------------------------------------------------------

ICECAT_COLUMNS = [
    "id",
    "title",
    "name",
    "supplier",
    "price",
    "short_description",
    "attr_t_product_colour",
    "attr_t_type",
]
ICECAT_ROWS = [
    [
        "3920564",
        "Xerox 006R90321 toner cartridge Original Black 6 pc(s)",
        "006R90321",
        "Xerox",
        "4995",
        "Toner (6 Per Box) for CopyCentre C65 Digital Copier",
        "",
        "Original",
    ],
    [
        "20219",
        "HP USB Optical 3-button Mouse",
        "USB Optical 3-button Mouse",
        "HP",
        "1795",
        "",
        "Black",
        "",
    ],
    ["111", "Priceless cable", "X1", "ACME", "0", "", "", ""],
]


@pytest.fixture
def icecat_file(tmp_path):
    path = tmp_path / "products_flat.csv.gz"
    with gzip.open(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ICECAT_COLUMNS)
        writer.writerows(ICECAT_ROWS)
    return path


def test_icecat_prices_in_cents_become_dollars(icecat_file):
    counts = import_icecat(icecat_file, progress=False)

    toner = Product.objects.get(sku="icecat-3920564")
    assert toner.price == Decimal("49.95")
    assert toner.currency == "USD"
    assert toner.brand == "Xerox"
    assert toner.category.name == "Ink & Toner"
    assert toner.description.startswith("Toner (6 Per Box)")
    mouse = Product.objects.get(sku="icecat-20219")
    assert mouse.price == Decimal("17.95")
    assert mouse.category.name == "Keyboards & Mice"
    assert "Colour: Black." in mouse.description
    # A product without a price cannot be sold.
    assert counts["rows_skipped"] == 1
    assert not Product.objects.filter(sku="icecat-111").exists()


def test_icecat_second_import_changes_nothing(icecat_file):
    import_icecat(icecat_file, progress=False)
    before = snapshot()

    counts = import_icecat(icecat_file, progress=False)

    assert snapshot() == before
    assert counts["products_unchanged"] == 2


def test_icecat_limit(icecat_file, capsys):
    call_command("import_icecat", str(icecat_file), "--limit", "1", "--no-progress")

    assert list(Product.objects.values_list("sku", flat=True)) == ["icecat-3920564"]
    assert "1 created" in capsys.readouterr().out


# seed_demo -----------------------------------------------------------------


def test_seed_demo_names_shoppers_and_adds_sample_merchandise(
    settings, tmp_path, capsys
):
    settings.MEDIA_ROOT = tmp_path
    import_online_retail(SAMPLE, progress=False)

    call_command("seed_demo")
    out = capsys.readouterr().out

    user_model = get_user_model()
    shopper = user_model.objects.get(username="shopper")
    newshopper = user_model.objects.get(username="newshopper")
    assert shopper != newshopper
    assert shopper.check_password(DEMO_CUSTOMER_PASSWORD)
    assert shopper.orders.exclude(status="delivered").exists()
    assert f"shopper / {DEMO_CUSTOMER_PASSWORD}" in out
    mug = Product.objects.get(sku="solidus-mug-set")
    assert mug.currency == "GBP" and mug.category.name == "Sample merchandise"
    assert (tmp_path / mug.image.name).exists()

    before = snapshot()
    call_command("seed_demo")
    assert snapshot() == before
