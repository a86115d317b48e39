from decimal import Decimal

from django.test import override_settings

import pytest

from ai_assist.adapters import get_adapter
from ai_assist.testing.factories import product_factory
from tests.testhost.settings import TESTHOST_AI_ASSIST

pytestmark = pytest.mark.django_db


def test_product_factory_builds_demo_shop_products():
    product = product_factory()(title="Brass lamp", price=Decimal("25.00"))

    data = get_adapter().get_product(product.pk)
    assert (data.title, data.price, data.stock) == ("Brass lamp", Decimal("25.00"), 10)


@override_settings(AI_ASSIST=TESTHOST_AI_ASSIST)
def test_product_factory_speaks_our_names_to_another_host():
    item = product_factory()(title="Cast iron pan", price=Decimal("39"))

    assert item.name == "Cast iron pan"
    assert get_adapter().get_product(item.pk).title == "Cast iron pan"
