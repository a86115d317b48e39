"""The store adapter reads the demo shop and a differently shaped host alike."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

import pytest

from ai_assist.adapters import ModelStoreAdapter
from shop.models import Category, Order, OrderLine, Product
from tests.testhost.models import Item, Purchase, PurchaseItem, Section
from tests.testhost.settings import TESTHOST_AI_ASSIST

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop_data():
    user = get_user_model().objects.create_user("ann", "ann@example.com", "pw")
    other = get_user_model().objects.create_user("bob", "bob@example.com", "pw")
    bags = Category.objects.create(name="Bags", slug="bags")
    bag = Product.objects.create(
        sku="20725",
        title="LUNCH BAG RED RETROSPOT",
        category=bags,
        brand="Retrospot",
        price=Decimal("1.65"),
        stock=12,
    )
    hidden = Product.objects.create(
        sku="X1", title="HIDDEN", price=Decimal("1"), is_published=False
    )
    now = timezone.now()
    old = Order.objects.create(
        number="1001", customer=user, created_at=now - timedelta(days=9)
    )
    new = Order.objects.create(
        number="1002",
        customer=user,
        email="ann@example.com",
        created_at=now,
        status=Order.Status.SHIPPED,
        carrier="DPD",
        tracking_code="DPD123",
    )
    theirs = Order.objects.create(number="2001", customer=other, created_at=now)
    for order in (old, new, theirs):
        OrderLine.objects.create(
            order=order, product=bag, title=bag.title, quantity=2, unit_price=bag.price
        )
    return {"user": user, "other": other, "bag": bag, "hidden": hidden}


def test_reads_products_with_category_and_url(shop_data):
    product = ModelStoreAdapter().get_product(shop_data["bag"].pk)

    assert product.id == str(shop_data["bag"].pk)
    assert product.title == "LUNCH BAG RED RETROSPOT"
    assert product.category == "Bags"
    assert product.price == Decimal("1.65")
    assert product.currency == "GBP"
    assert product.stock == 12 and product.in_stock
    assert product.url == f"/product/{shop_data['bag'].pk}/"


def test_published_only_leaves_out_unpublished(shop_data):
    adapter = ModelStoreAdapter()
    every = {p.sku for p in adapter.iter_products()}
    published = {p.sku for p in adapter.iter_products(published_only=True)}

    assert every == {"20725", "X1"}
    assert published == {"20725"}


def test_get_products_ignores_malformed_and_missing_ids(shop_data):
    found = ModelStoreAdapter().get_products([shop_data["bag"].pk, "nope", "999999"])

    assert list(found) == [str(shop_data["bag"].pk)]


def test_orders_are_the_users_own_newest_first(shop_data):
    orders = ModelStoreAdapter().get_orders(shop_data["user"])

    assert [o.number for o in orders] == ["1002", "1001"]
    assert orders[0].status == "shipped" and orders[0].carrier == "DPD"
    assert orders[0].lines[0].quantity == 2
    assert orders[0].total == Decimal("3.30")


def test_another_customers_order_is_indistinguishable_from_none(shop_data):
    adapter = ModelStoreAdapter()

    assert adapter.get_order_for_user(shop_data["user"], "2001") is None
    assert adapter.get_order_for_user(shop_data["user"], "9999") is None
    assert adapter.get_order_for_user(shop_data["user"], "1002").number == "1002"


def test_guest_lookup_needs_number_and_email(shop_data):
    adapter = ModelStoreAdapter()

    assert adapter.get_order_for_guest("1002", "ANN@example.com").number == "1002"
    assert adapter.get_order_for_guest("1002", "bob@example.com") is None
    assert adapter.get_order_for_guest("1002", "") is None


def test_purchases_are_flat_rows_oldest_first(shop_data):
    rows = list(ModelStoreAdapter().iter_purchases())

    assert [r.order_id for r in rows][0] == str(Order.objects.get(number="1001").pk)
    assert {r.customer_id for r in rows} == {
        str(shop_data["user"].pk),
        str(shop_data["other"].pk),
    }
    assert all(r.product_id == str(shop_data["bag"].pk) for r in rows)


@pytest.fixture
def testhost():
    buyer = get_user_model().objects.create_user("cy", "cy@example.com", "pw")
    section = Section.objects.create(label="Cookware")
    pan = Item.objects.create(
        code="PAN-1",
        name="Cast iron pan",
        blurb="Heavy pan for searing.",
        section=section,
        maker="Forge",
        unit_cost=Decimal("39.00"),
        link="/items/pan-1",
        picture="https://img.example/pan.jpg",
    )
    Item.objects.create(code="LID", name="Glass lid", unit_cost=5, visible=False)
    purchase = Purchase.objects.create(
        reference="P-77",
        buyer=buyer,
        contact_email="cy@example.com",
        placed_on=timezone.now(),
        state="dispatched",
        courier="UPS",
        tracking="1Z999",
    )
    PurchaseItem.objects.create(
        purchase=purchase, item=pan, count=1, cost=pan.unit_cost
    )
    return {"buyer": buyer, "pan": pan}


@override_settings(AI_ASSIST=TESTHOST_AI_ASSIST)
def test_second_host_products_through_field_map(testhost):
    adapter = ModelStoreAdapter()
    products = list(adapter.iter_products(published_only=True))

    assert len(products) == 1
    pan = products[0]
    assert pan.id == str(testhost["pan"].pk)  # a UUID, as text
    assert (pan.sku, pan.title, pan.category, pan.brand) == (
        "PAN-1",
        "Cast iron pan",
        "Cookware",
        "Forge",
    )
    assert pan.price == Decimal("39.00") and pan.currency == "EUR"
    assert pan.stock is None and pan.in_stock
    assert pan.url == "/items/pan-1"
    assert pan.image_url == "https://img.example/pan.jpg"
    assert adapter.find_product_by_sku("PAN-1").id == pan.id


@override_settings(AI_ASSIST=TESTHOST_AI_ASSIST)
def test_second_host_orders_through_field_map(testhost):
    adapter = ModelStoreAdapter()
    [order] = adapter.get_orders(testhost["buyer"])

    assert (order.number, order.status, order.carrier, order.tracking_code) == (
        "P-77",
        "dispatched",
        "UPS",
        "1Z999",
    )
    assert order.lines[0].title == "Cast iron pan"
    assert order.lines[0].unit_price == Decimal("39.00")
    assert adapter.get_order_for_guest("P-77", "cy@example.com").number == "P-77"
    [row] = adapter.iter_purchases()
    assert row.product_id == str(testhost["pan"].pk)
    assert row.customer_id == str(testhost["buyer"].pk)


def test_cart_is_read_from_the_session(rf):
    request = rf.get("/")
    request.session = {"cart": {"5": 2, 7: "1"}}

    assert ModelStoreAdapter().get_cart(request) == {"5": 2, "7": 1}
