"""A small store with orders shaped to give each recommendation signal."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory, override_settings
from django.utils import timezone

import pytest

from ai_assist.retrieval.embedders import reset_embedders
from ai_assist.retrieval.vectors import clear_vector_cache
from shop.models import Order, OrderLine, Product

HASHING = "ai_assist.testing.embedders.HashingEmbedder"

TITLES = {
    "teapot": "Blue china teapot",
    "cup": "Blue china tea cup",
    "saucer": "Blue china saucer",
    "cosy": "Knitted teapot cosy",
    "gloves": "Garden gloves green",
    "trowel": "Garden trowel steel",
    "can": "Garden watering can",
    "bag": "Brown paper bag",
    "lamp": "Brass desk lamp",
}


@pytest.fixture
def hashing_embedder():
    with override_settings(
        AI_ASSIST={"EMBEDDER": HASHING, "MULTILINGUAL_EMBEDDER": HASHING}
    ):
        reset_embedders()
        clear_vector_cache()
        yield
    reset_embedders()
    clear_vector_cache()


def make_product(key_or_title, **fields):
    title = TITLES.get(key_or_title, key_or_title)
    fields.setdefault("price", Decimal("4.50"))
    fields.setdefault("stock", 10)
    sku = fields.pop("sku", f"SKU-{key_or_title}-{Product.objects.count()}")
    return Product.objects.create(sku=sku, title=title, **fields)


def make_order(customer, products, *, days_ago=1):
    number = f"N{Order.objects.count() + 1:05d}"
    order = Order.objects.create(
        number=number,
        customer=customer,
        created_at=timezone.now() - timedelta(days=days_ago),
    )
    for product in products:
        OrderLine.objects.create(
            order=order,
            product=product,
            title=product.title,
            quantity=1,
            unit_price=product.price,
        )
    return order


@pytest.fixture
def store(db, hashing_embedder):
    """Tea things go together, garden things go together, the paper bag
    is in almost every order (a best-seller), the lamp is never bought."""
    users = get_user_model().objects
    alice = users.create_user("alice", password="pw-alice-123")
    bob = users.create_user("bob", password="pw-bob-123")
    carol = users.create_user("carol", password="pw-carol-123")
    p = SimpleNamespace(**{key: make_product(key) for key in TITLES})

    for i in range(4):
        make_order(None, [p.teapot, p.cup, p.bag], days_ago=10 + i)
        make_order(None, [p.gloves, p.trowel, p.bag], days_ago=12 + i)
    make_order(None, [p.teapot, p.saucer, p.cup], days_ago=5)
    make_order(None, [p.can, p.trowel], days_ago=6)
    make_order(None, [p.bag], days_ago=2)
    make_order(None, [p.bag], days_ago=3)
    make_order(alice, [p.teapot], days_ago=20)
    make_order(alice, [p.cosy], days_ago=8)
    make_order(bob, [p.gloves], days_ago=9)
    make_order(carol, [p.teapot, p.cosy, p.cup], days_ago=30)
    return SimpleNamespace(products=p, alice=alice, bob=bob, carol=carol)


@pytest.fixture
def built(store):
    from ai_assist.recommend.rebuild import rebuild_recommendations

    rebuild_recommendations()
    return store


def make_request(user=None, cart=None, viewed=None):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    if cart:
        request.session["cart"] = {str(k): v for k, v in cart.items()}
    if viewed:
        request.session["ai_assist_viewed"] = [str(v) for v in viewed]
    return request


def ids(recommendations):
    return [r.product.id for r in recommendations]
