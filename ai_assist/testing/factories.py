"""
factory-boy factories for host projects' tests.

``product_factory()`` builds a factory for whatever model
``AI_ASSIST["PRODUCT_MODEL"]`` names, filling the fields that ``FIELD_MAP``
maps, so a host's tests can create catalogue rows without knowing our
names::

    from ai_assist.testing.factories import product_factory

    ProductFactory = product_factory()
    lamp = ProductFactory(title="Brass desk lamp", price=25)

Keyword arguments use *our* names (title, price, stock ...); they are
translated to the host's field names.
"""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from ..adapters import get_adapter

# Values for our field names; only direct fields of the host model are set.
_DECLARATIONS = {
    "sku": factory.Sequence(lambda n: f"SKU-{n:05d}"),
    "title": factory.Sequence(lambda n: f"Test product {n}"),
    "description": "",
    "brand": "",
    "price": Decimal("9.99"),
    "currency": "GBP",
    "stock": 10,
    "is_published": True,
}


class _MappedFactory(DjangoModelFactory):
    """Translates our field names to the host's before creating the row."""

    class Meta:
        abstract = True

    _field_map = {}

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        return {cls._field_map.get(key, key): value for key, value in kwargs.items()}


def product_factory():
    """Return a factory class for the configured host product model."""
    adapter = get_adapter()
    model = adapter.get_product_model()
    mapped = adapter.fields("product")
    direct = {f.name for f in model._meta.get_fields() if getattr(f, "concrete", False)}
    attrs = {}
    field_map = {}
    for ours, declaration in _DECLARATIONS.items():
        theirs = mapped.get(ours)
        if theirs and "__" not in theirs and theirs in direct:
            attrs[ours] = declaration
            field_map[ours] = theirs
    attrs["_field_map"] = field_map
    attrs["Meta"] = type("Meta", (), {"model": model})
    return type(f"{model.__name__}Factory", (_MappedFactory,), attrs)
