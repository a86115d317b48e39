"""The demo store's pages: catalogue, cart, checkout, orders and sign in."""

import re
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from shop.models import Category, Order, OrderLine, Product
from shop.search import database_search, products_in_order, search_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return Category.objects.create(name="Kitchen", slug="kitchen")


@pytest.fixture
def make_product(category):
    counter = iter(range(1, 1000))

    def make(**fields):
        n = next(counter)
        values = {
            "sku": f"SKU{n}",
            "title": f"Product number {n}",
            "category": category,
            "price": Decimal("2.50"),
            "stock": 10,
        }
        values.update(fields)
        return Product.objects.create(**values)

    return make


@pytest.fixture
def cake_stand(make_product):
    return make_product(
        title="Regency Cakestand 3 Tier", price=Decimal("12.75"), stock=5
    )


@pytest.fixture
def make_order():
    def make(customer, number, **fields):
        order = Order.objects.create(
            number=number, customer=customer, created_at=timezone.now(), **fields
        )
        OrderLine.objects.create(
            order=order, title=f"Line of {number}", quantity=2, unit_price=1
        )
        return order

    return make


def _add(client, product, quantity=1):
    url = reverse("shop:cart_add", args=[product.pk])
    return client.post(url, {"quantity": quantity})


# --- Pages ----------------------------------------------------------------


def test_catalogue_pages_render_and_list_the_product(client, category, cake_stand):
    for url in [
        reverse("shop:home"),
        reverse("shop:category", args=[category.slug]),
        reverse("shop:search") + "?q=cakestand",
        reverse("shop:product", args=[cake_stand.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Regency Cakestand 3 Tier" in response.text, url


def test_empty_cart_search_and_sign_in_pages_render(client):
    for url in [reverse("shop:cart"), reverse("shop:search"), reverse("shop:login")]:
        assert client.get(url).status_code == 200, url


def test_every_page_carries_the_chat_widget(client, make_product):
    product = make_product()
    for url in [
        reverse("shop:home"),
        reverse("shop:cart"),
        reverse("shop:product", args=[product.pk]),
    ]:
        text = client.get(url).text
        assert text.count("data-ai-assist-chat") == 1, url
        assert text.index("data-ai-assist-chat") < text.index("</body>")


def test_product_page_shows_price_with_currency_and_stock(client, make_product):
    product = make_product(price=Decimal("1234.5"), currency="EUR", stock=3)
    response = client.get(reverse("shop:product", args=[product.pk]))
    assert "€1,234.50" in response.text
    assert "Only 3 left" in response.text


def test_product_without_image_gets_an_initials_tile(client, make_product):
    product = make_product(title="White Hanging Heart T-Light Holder")
    response = client.get(reverse("shop:product", args=[product.pk]))
    assert "product-tile product-tile-detail" in response.text
    assert ">WH<" in response.text
    assert "<img" not in response.text


def test_product_with_image_shows_it_with_alt_text(client, make_product):
    product = make_product(title="Party Bunting", image="products/bunting.jpg")
    response = client.get(reverse("shop:product", args=[product.pk]))
    assert 'src="/media/products/bunting.jpg" alt="Party Bunting"' in response.text
    assert "product-tile" not in response.text


def test_unpublished_product_is_not_found(client, make_product):
    product = make_product(is_published=False)
    response = client.get(reverse("shop:product", args=[product.pk]))
    assert response.status_code == 404


def test_category_page_is_paginated(client, category, make_product):
    for _ in range(30):
        make_product()
    url = reverse("shop:category", args=[category.slug])
    first = client.get(url)
    second = client.get(url, {"page": 2})
    assert len(first.context["page"].object_list) == 24
    assert len(second.context["page"].object_list) == 6
    assert "Page 2 of 2" in second.text


def test_search_ranks_the_best_match_first_and_hides_unpublished(make_product):
    wanted = make_product(title="Jumbo Bag Red Retrospot")
    make_product(title="Jumbo Bag Pink Polkadot")
    hidden = make_product(title="Red Retrospot Jumbo Cup", is_published=False)

    results = search_products("red jumbo", limit=10)

    assert results[0] == wanted
    assert hidden not in results
    assert search_products("   ", limit=10) == []


def test_database_search_needs_every_word(make_product):
    wanted = make_product(title="Jumbo Bag Red Retrospot")
    make_product(title="Jumbo Bag Pink Polkadot")
    make_product(title="Red Retrospot Cup", is_published=False)
    assert database_search("red jumbo", limit=10) == [wanted]


def test_products_in_order_keeps_the_ranking_and_skips_hidden_ones(make_product):
    first, second = make_product(), make_product()
    hidden = make_product(is_published=False)
    ids = [str(second.pk), "999999", str(hidden.pk), str(first.pk)]
    assert products_in_order(ids) == [second, first]


# --- Cart -----------------------------------------------------------------


def test_add_to_cart_stores_product_id_string_and_quantity(client, cake_stand):
    response = _add(client, cake_stand, 2)
    assert response.status_code == 302
    assert client.session["cart"] == {str(cake_stand.pk): 2}

    page = client.get(reverse("shop:cart"))
    assert "Regency Cakestand 3 Tier" in page.text
    assert "£25.50" in page.text
    assert page.context["cart_count"] == 2


def test_add_to_cart_is_capped_by_stock(client, cake_stand):
    _add(client, cake_stand, 4)
    _add(client, cake_stand, 4)
    assert client.session["cart"] == {str(cake_stand.pk): 5}


def test_out_of_stock_product_cannot_be_added(client, make_product):
    product = make_product(stock=0)
    _add(client, product)
    assert client.session.get("cart", {}) == {}


def test_cart_quantity_update_and_remove(client, cake_stand, make_product):
    other = make_product()
    _add(client, cake_stand)
    _add(client, other)

    client.post(reverse("shop:cart_update", args=[cake_stand.pk]), {"quantity": 3})
    assert client.session["cart"][str(cake_stand.pk)] == 3

    client.post(reverse("shop:cart_remove", args=[cake_stand.pk]))
    assert client.session["cart"] == {str(other.pk): 1}

    client.post(reverse("shop:cart_update", args=[other.pk]), {"quantity": 0})
    assert client.session["cart"] == {}


def test_cart_drops_products_that_were_unpublished(client, cake_stand):
    _add(client, cake_stand)
    Product.objects.filter(pk=cake_stand.pk).update(is_published=False)
    page = client.get(reverse("shop:cart"))
    assert "Your cart is empty" in page.text
    assert client.session["cart"] == {}


def test_cart_changes_need_post(client, cake_stand):
    response = client.get(reverse("shop:cart_add", args=[cake_stand.pk]))
    assert response.status_code == 405


# --- Checkout -------------------------------------------------------------


def test_checkout_creates_order_with_lines_and_takes_stock(
    client, django_user_model, cake_stand, make_product
):
    user = django_user_model.objects.create_user("ann", "ann@example.com", "pw")
    client.force_login(user)
    mug = make_product(title="Enamel Mug", price=Decimal("3.00"), stock=10)
    _add(client, cake_stand, 2)
    _add(client, mug, 3)

    response = client.post(reverse("shop:checkout"), {"email": ""})

    order = Order.objects.get(customer=user)
    assert response.status_code == 302
    assert response.url == reverse("shop:order_detail", args=[order.number])
    lines = {line.title: (line.quantity, line.unit_price) for line in order.lines.all()}
    assert lines == {
        "Regency Cakestand 3 Tier": (2, Decimal("12.75")),
        "Enamel Mug": (3, Decimal("3.00")),
    }
    assert order.email == "ann@example.com"
    assert order.status == Order.Status.PLACED
    assert order.total == Decimal("34.50")
    cake_stand.refresh_from_db()
    mug.refresh_from_db()
    assert (cake_stand.stock, mug.stock) == (3, 7)
    assert client.session["cart"] == {}

    confirmation = client.get(response.url)
    assert "your order is placed" in confirmation.text
    assert order.number in confirmation.text
    # The thanks are said once; later visits show the plain order page.
    again = client.get(response.url)
    assert "your order is placed" not in again.text
    assert order.number in again.text


def test_guest_checkout_needs_email_and_sees_its_confirmation(client, cake_stand):
    _add(client, cake_stand)
    refused = client.post(reverse("shop:checkout"), {"email": ""})
    assert refused.status_code == 200
    assert refused.context["form"].errors["email"]
    assert not Order.objects.exists()

    placed = client.post(reverse("shop:checkout"), {"email": "guest@example.com"})
    order = Order.objects.get()
    assert order.customer is None
    assert order.email == "guest@example.com"
    assert client.get(placed.url).status_code == 200
    # Another visitor cannot read the guest's order.
    assert Client().get(placed.url).status_code == 404


def test_checkout_refuses_more_than_the_stock_left(client, cake_stand):
    _add(client, cake_stand, 5)
    Product.objects.filter(pk=cake_stand.pk).update(stock=2)

    response = client.post(reverse("shop:checkout"), {"email": "g@example.com"})

    assert response.status_code == 200
    assert "Only 2 of" in response.text
    assert not Order.objects.exists()
    cake_stand.refresh_from_db()
    assert cake_stand.stock == 2


def test_failed_checkout_leaves_every_stock_untouched(client, cake_stand, make_product):
    mug = make_product(title="Enamel Mug", stock=10)
    _add(client, mug, 2)
    _add(client, cake_stand, 5)
    Product.objects.filter(pk=cake_stand.pk).update(stock=1)

    client.post(reverse("shop:checkout"), {"email": "g@example.com"})

    mug.refresh_from_db()
    assert mug.stock == 10
    assert not Order.objects.exists()
    assert client.session["cart"] == {str(mug.pk): 2, str(cake_stand.pk): 5}


def test_checkout_refuses_a_cart_mixing_currencies(client, cake_stand, make_product):
    _add(client, cake_stand)
    _add(client, make_product(currency="EUR"))
    response = client.post(reverse("shop:checkout"), {"email": "g@example.com"})
    assert "more than one currency" in response.text
    assert not Order.objects.exists()


def test_checkout_with_empty_cart_goes_back_to_cart(client):
    response = client.post(reverse("shop:checkout"), {"email": "g@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("shop:cart")


# --- Orders and accounts --------------------------------------------------


def test_orders_page_shows_only_the_signed_in_customers_orders(
    client, django_user_model, make_order
):
    ann = django_user_model.objects.create_user("ann", password="pw")
    bob = django_user_model.objects.create_user("bob", password="pw")
    make_order(
        ann,
        "536365",
        status=Order.Status.SHIPPED,
        carrier="Royal Mail",
        tracking_code="RM123456789GB",
        shipped_at=timezone.now(),
    )
    make_order(bob, "536366")
    client.force_login(ann)

    response = client.get(reverse("shop:orders"))

    assert response.status_code == 200
    assert "536365" in response.text
    assert "Royal Mail" in response.text
    assert "RM123456789GB" in response.text
    assert "Shipped" in response.text
    assert "536366" not in response.text
    other = client.get(reverse("shop:order_detail", args=["536366"]))
    assert other.status_code == 404


def test_orders_page_redirects_anonymous_shoppers_to_sign_in(client):
    response = client.get(reverse("shop:orders"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("shop:login"))
    assert "next=" in response.url


def test_sign_in_and_sign_out(client, django_user_model):
    django_user_model.objects.create_user("ann", password="secret-pw")
    response = client.post(
        reverse("shop:login"), {"username": "ann", "password": "secret-pw"}
    )
    assert response.status_code == 302
    assert "My orders" in client.get(reverse("shop:home")).text
    assert "Sign out" in client.get(reverse("shop:home")).text

    client.post(reverse("shop:logout"))
    assert "_auth_user_id" not in client.session


def test_state_changing_posts_need_a_csrf_token(cake_stand, django_user_model):
    browser = Client(enforce_csrf_checks=True)
    user = django_user_model.objects.create_user("ann", password="pw")
    browser.force_login(user)

    for url in [
        reverse("shop:cart_add", args=[cake_stand.pk]),
        reverse("shop:cart_update", args=[cake_stand.pk]),
        reverse("shop:cart_remove", args=[cake_stand.pk]),
        reverse("shop:checkout"),
        reverse("shop:logout"),
    ]:
        assert browser.post(url, {"quantity": 1}).status_code == 403, url

    # The real form carries the token and goes through.
    page = browser.get(reverse("shop:product", args=[cake_stand.pk]))
    token = page.context["csrf_token"]
    added = browser.post(
        reverse("shop:cart_add", args=[cake_stand.pk]),
        {"quantity": 1, "csrfmiddlewaretoken": str(token)},
    )
    assert added.status_code == 302
    assert browser.session["cart"] == {str(cake_stand.pk): 1}


def test_store_admin_lists_render_with_filters(
    admin_client, cake_stand, make_order, django_user_model
):
    make_order(django_user_model.objects.create_user("ann"), "536365")
    for url in [
        reverse("admin:shop_product_changelist") + "?stock_state=low",
        reverse("admin:shop_category_changelist"),
        reverse("admin:shop_order_changelist"),
        reverse("admin:shop_order_change", args=[Order.objects.get().pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url
    low = admin_client.get(
        reverse("admin:shop_product_changelist"), {"stock_state": "low"}
    )
    assert cake_stand.sku in low.text


def test_recommendation_cards_use_the_store_tiles():
    # The demo overrides one block of the app's item template: a product
    # without a photo gets the store's colour tile, in its category's hue.
    from django.template.loader import render_to_string

    from ai_assist.adapters import ProductData
    from ai_assist.recommend.services import Recommendation
    from shop.templatetags.storefront import tile_hue

    product = ProductData(
        id="7",
        title="Lunch bag red",
        category="Bags",
        sku="20725",
        price=Decimal("1.65"),
    )
    rec = Recommendation(product, "Popular right now", "trending", "tok")

    html = render_to_string(
        "ai_assist/recommendations/item.html", {"rec": rec, "product": product}
    )

    assert '<span class="tile-initials">LB</span>' in html
    hue = int(re.search(r"--hue: (\d+)", html).group(1))
    category_hue = tile_hue(Category(slug="bags"))
    assert min(abs(hue - category_hue), 360 - abs(hue - category_hue)) <= 20
    assert "Popular right now" in html
