"""
The only door between ``ai_assist`` and the host store.

Everything the app knows about products, orders and carts it reads through
the adapter named in ``AI_ASSIST["STORE_ADAPTER"]``. The default,
:class:`ModelStoreAdapter`, maps host models named by label and a field map
in settings, so a store whose fields are named differently needs settings,
not code. A store whose data lives elsewhere (an ERP, a remote API)
subclasses :class:`StoreAdapter` and overrides its few methods.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from .conf import ai_settings


@dataclass(frozen=True)
class ProductData:
    """A product as the app sees it; ``id`` is the host's primary key as text."""

    id: str
    title: str
    description: str = ""
    sku: str = ""
    category: str = ""
    brand: str = ""
    price: Decimal | None = None
    currency: str = ""
    stock: int | None = None  # None: the store does not track stock
    is_published: bool = True
    url: str = ""
    image_url: str = ""
    created_at: datetime | None = None

    @property
    def in_stock(self):
        return self.stock is None or self.stock > 0

    @property
    def text(self):
        """The text that retrieval and embeddings index for this product."""
        parts = [self.title, self.brand, self.category, self.description]
        return " \n".join(p for p in parts if p)


@dataclass(frozen=True)
class OrderLineData:
    product_id: str
    title: str
    quantity: int
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class OrderData:
    """One order with its shipping state, as shown to its own customer."""

    id: str
    number: str
    created_at: datetime | None
    status: str
    currency: str = ""
    carrier: str = ""
    tracking_code: str = ""
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    lines: list[OrderLineData] = field(default_factory=list)

    @property
    def total(self):
        return sum(
            (line.unit_price or Decimal(0)) * line.quantity for line in self.lines
        )


@dataclass(frozen=True)
class PurchaseRow:
    """One order line in the flat shape the recommender trains on."""

    order_id: str
    customer_id: str | None
    product_id: str
    quantity: int
    created_at: datetime


class StoreAdapter:
    """
    The interface the app uses to read the host store.

    Subclass it and name the subclass in ``AI_ASSIST["STORE_ADAPTER"]`` when
    the default model mapping does not fit. Product ids are always passed and
    returned as strings. Only :meth:`add_to_cart` writes to the store.
    """

    def get_product_model(self):
        """Return the host's product model class, or None if there is none.

        Used to refresh indexes when a product is saved or deleted.
        """
        return None

    def iter_products(self, *, published_only=False):
        """Yield every product as :class:`ProductData`, in a stable order."""
        raise NotImplementedError

    def get_products(self, ids):
        """Return ``{id: ProductData}`` for the ids that exist, read live."""
        raise NotImplementedError

    def get_product(self, product_id):
        """Return one product's live data, or None."""
        return self.get_products([product_id]).get(str(product_id))

    def find_product_by_sku(self, sku):
        """Return the product with this SKU, or None."""
        raise NotImplementedError

    def open_product_image(self, product_id):
        """Return the product's main photo as an open binary file, or None.

        The banner studio draws banners from it; the caller closes it.
        """
        return None

    def get_orders(self, user, *, limit=10):
        """Return the user's own orders, newest first."""
        raise NotImplementedError

    def get_order_for_user(self, user, number):
        """Return the user's order with this number, or None.

        An order of another customer must give None, exactly as a number
        that does not exist does.
        """
        raise NotImplementedError

    def get_order_for_guest(self, number, email):
        """Return the order when both its number and its email match."""
        raise NotImplementedError

    def iter_purchases(self, *, since=None, until=None):
        """Yield :class:`PurchaseRow` for every order line, oldest first."""
        raise NotImplementedError

    def get_cart(self, request):
        """Return ``{product_id: quantity}`` for the request's current cart."""
        cart = request.session.get(ai_settings.CART_SESSION_KEY) or {}
        return {str(pid): int(qty) for pid, qty in dict(cart).items()}

    def add_to_cart(self, request, product_id, quantity):
        """Add ``quantity`` of a product to the request's cart; return the cart.

        The chat's product cards call this. The default keeps the session
        cart under ``CART_SESSION_KEY`` that :meth:`get_cart` reads; a store
        with a cart model overrides both. Callers have already checked that
        the product exists and is in stock. This is the one method that
        writes to the store.
        """
        cart = self.get_cart(request)
        product_id = str(product_id)
        cart[product_id] = cart.get(product_id, 0) + int(quantity)
        request.session[ai_settings.CART_SESSION_KEY] = cart
        request.session.modified = True
        return cart


# Our field names and the host's, for the default shop-like layout. A host
# overrides single entries through AI_ASSIST["FIELD_MAP"].
DEFAULT_FIELD_MAP = {
    "product": {
        "sku": "sku",
        "title": "title",
        "description": "description",
        "category": "category__name",
        "brand": "brand",
        "price": "price",
        "currency": "currency",
        "stock": "stock",
        "is_published": "is_published",
        "image": "image",
        "url": None,  # None: use the model's get_absolute_url()
        "created_at": "created_at",
    },
    "order": {
        "number": "number",
        "customer": "customer",
        "email": "email",
        "created_at": "created_at",
        "status": "status",
        "currency": "currency",
        "carrier": "carrier",
        "tracking_code": "tracking_code",
        "shipped_at": "shipped_at",
        "delivered_at": "delivered_at",
    },
    "order_line": {
        "order": "order",
        "product": "product",
        "title": "title",
        "quantity": "quantity",
        "unit_price": "unit_price",
    },
}


def _resolve(obj, path):
    """Follow a ``"a__b"`` path of attributes; None anywhere gives None."""
    for part in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj() if callable(obj) else obj


def _file_url(value):
    if not value:
        return ""
    if hasattr(value, "url"):
        try:
            return value.url
        except ValueError:  # a FieldFile with no file attached
            return ""
    return str(value)


class ModelStoreAdapter(StoreAdapter):
    """
    Reads Django models named by label in settings.

    ``PRODUCT_MODEL``, ``ORDER_MODEL`` and ``ORDER_LINE_MODEL`` name the
    models; ``FIELD_MAP`` renames fields, e.g.::

        "FIELD_MAP": {
            "product": {"title": "name", "price": "unit_price",
                        "category": "section__label", "stock": None},
            "order": {"number": "reference", "customer": "buyer"},
        }
    """

    # --- Mapping -----------------------------------------------------------

    def fields(self, kind):
        mapped = dict(DEFAULT_FIELD_MAP[kind])
        mapped.update((ai_settings.FIELD_MAP or {}).get(kind, {}))
        return mapped

    def get_product_model(self):
        return apps.get_model(ai_settings.PRODUCT_MODEL)

    def get_order_model(self):
        return apps.get_model(ai_settings.ORDER_MODEL)

    def get_order_line_model(self):
        return apps.get_model(ai_settings.ORDER_LINE_MODEL)

    def _relations(self, model, paths):
        """Return the related fields to select_related for these paths."""
        related = []
        for path in paths:
            if path and "__" in path:
                head = path.rsplit("__", 1)[0]
                try:
                    model._meta.get_field(head.split("__")[0])
                except FieldDoesNotExist:
                    continue
                related.append(head)
        return related

    # --- Products ----------------------------------------------------------

    def product_queryset(self):
        model = self.get_product_model()
        related = self._relations(model, self.fields("product").values())
        return model._default_manager.select_related(*related).order_by("pk")

    def to_product(self, obj):
        """Turn one host product instance into :class:`ProductData`."""
        f = self.fields("product")

        def get(name, default=""):
            path = f.get(name)
            value = _resolve(obj, path) if path else None
            return default if value is None else value

        url_path = f.get("url")
        if url_path:
            url = _resolve(obj, url_path) or ""
        else:
            url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        price = get("price", None)
        stock = get("stock", None)
        return ProductData(
            id=str(obj.pk),
            sku=str(get("sku")),
            title=str(get("title")),
            description=str(get("description")),
            category=str(get("category")),
            brand=str(get("brand")),
            price=Decimal(str(price)) if price is not None else None,
            currency=str(get("currency")) or ai_settings.DEFAULT_CURRENCY,
            stock=int(stock) if stock is not None else None,
            is_published=bool(get("is_published", True)),
            url=str(url),
            image_url=_file_url(get("image", None)),
            created_at=get("created_at", None),
        )

    def iter_products(self, *, published_only=False):
        qs = self.product_queryset()
        published = self.fields("product").get("is_published")
        if published_only and published:
            qs = qs.filter(**{published: True})
        for obj in qs.iterator(chunk_size=2000):
            yield self.to_product(obj)

    def get_products(self, ids):
        ids = [str(i) for i in ids]
        if not ids:
            return {}
        pk = self.get_product_model()._meta.pk
        valid = []
        for value in ids:
            try:
                value = pk.to_python(value)
                # Out of the column's range ("99999999999999999999") the
                # database would raise rather than match nothing.
                pk.run_validators(value)
            except Exception:  # a malformed id matches nothing
                continue
            valid.append(value)
        objs = self.product_queryset().filter(pk__in=valid)
        return {str(o.pk): self.to_product(o) for o in objs}

    def find_product_by_sku(self, sku):
        path = self.fields("product").get("sku")
        if not path:
            return None
        obj = self.product_queryset().filter(**{path: sku}).first()
        return self.to_product(obj) if obj else None

    def open_product_image(self, product_id):
        path = self.fields("product").get("image")
        model = self.get_product_model()
        try:
            pk = model._meta.pk.to_python(str(product_id))
        except Exception:  # a malformed id has no image
            return None
        obj = model._default_manager.filter(pk=pk).first() if path else None
        value = _resolve(obj, path) if obj is not None else None
        if not value or not getattr(value, "name", ""):
            return None
        try:
            return value.storage.open(value.name, "rb")
        except OSError:
            return None

    # --- Orders ------------------------------------------------------------

    def order_queryset(self):
        model = self.get_order_model()
        f = self.fields("order")
        lines = self.fields("order_line")
        line_model = self.get_order_line_model()
        order_fk = line_model._meta.get_field(lines["order"])
        qs = model._default_manager.select_related(*self._relations(model, f.values()))
        return qs.prefetch_related(order_fk.remote_field.get_accessor_name())

    def to_order(self, obj):
        """Turn one host order instance into :class:`OrderData`."""
        f = self.fields("order")
        lf = self.fields("order_line")
        line_model = self.get_order_line_model()
        accessor = line_model._meta.get_field(
            lf["order"]
        ).remote_field.get_accessor_name()
        lines = []
        for line in getattr(obj, accessor).all():
            product = _resolve(line, lf["product"])
            title = _resolve(line, lf["title"]) if lf.get("title") else None
            if not title and product is not None:
                title = self.to_product(product).title
            price = _resolve(line, lf["unit_price"]) if lf.get("unit_price") else None
            lines.append(
                OrderLineData(
                    product_id=str(product.pk) if product is not None else "",
                    title=str(title or ""),
                    quantity=int(_resolve(line, lf["quantity"]) or 0),
                    unit_price=Decimal(str(price)) if price is not None else None,
                )
            )

        def get(name):
            path = f.get(name)
            return _resolve(obj, path) if path else None

        return OrderData(
            id=str(obj.pk),
            number=str(get("number")),
            created_at=get("created_at"),
            status=str(get("status") or ""),
            currency=str(get("currency") or ai_settings.DEFAULT_CURRENCY),
            carrier=str(get("carrier") or ""),
            tracking_code=str(get("tracking_code") or ""),
            shipped_at=get("shipped_at"),
            delivered_at=get("delivered_at"),
            lines=lines,
        )

    def get_orders(self, user, *, limit=10):
        if user is None or not user.is_authenticated:
            return []
        f = self.fields("order")
        qs = self.order_queryset().filter(**{f["customer"]: user})
        qs = qs.order_by(f"-{f['created_at']}", "-pk")
        return [self.to_order(o) for o in qs[:limit]]

    def get_order_for_user(self, user, number):
        if user is None or not user.is_authenticated or not number:
            return None
        f = self.fields("order")
        obj = (
            self.order_queryset()
            .filter(**{f["customer"]: user, f["number"]: str(number)})
            .first()
        )
        return self.to_order(obj) if obj else None

    def get_order_for_guest(self, number, email):
        f = self.fields("order")
        if not number or not email or not f.get("email"):
            return None
        obj = (
            self.order_queryset()
            .filter(**{f["number"]: str(number), f"{f['email']}__iexact": email})
            .first()
        )
        return self.to_order(obj) if obj else None

    def iter_purchases(self, *, since=None, until=None):
        f = self.fields("order")
        lf = self.fields("order_line")
        order = lf["order"]
        created = f"{order}__{f['created_at']}"
        qs = self.get_order_line_model()._default_manager.all()
        if since is not None:
            qs = qs.filter(**{f"{created}__gte": since})
        if until is not None:
            qs = qs.filter(**{f"{created}__lt": until})
        rows = qs.order_by(created, order).values_list(
            order, f"{order}__{f['customer']}", lf["product"], lf["quantity"], created
        )
        for order_id, customer_id, product_id, quantity, created_at in rows.iterator(
            chunk_size=5000
        ):
            yield PurchaseRow(
                order_id=str(order_id),
                customer_id=str(customer_id) if customer_id is not None else None,
                product_id=str(product_id),
                quantity=int(quantity or 0),
                created_at=created_at,
            )


@cache
def _adapter_for(path):
    return ai_settings.import_class("STORE_ADAPTER")()


def get_adapter():
    """Return the configured store adapter (one instance per dotted path)."""
    return _adapter_for(ai_settings.STORE_ADAPTER)
