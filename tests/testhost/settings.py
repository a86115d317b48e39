"""The AI_ASSIST dict that points the app at the second host."""

TESTHOST_AI_ASSIST = {
    "PRODUCT_MODEL": "testhost.Item",
    "ORDER_MODEL": "testhost.Purchase",
    "ORDER_LINE_MODEL": "testhost.PurchaseItem",
    "DEFAULT_CURRENCY": "EUR",
    "FIELD_MAP": {
        "product": {
            "sku": "code",
            "title": "name",
            "description": "blurb",
            "category": "section__label",
            "brand": "maker",
            "price": "unit_cost",
            "currency": None,
            "stock": None,
            "is_published": "visible",
            "image": "picture",
            "url": "link",
            "created_at": "added",
        },
        "order": {
            "number": "reference",
            "customer": "buyer",
            "email": "contact_email",
            "created_at": "placed_on",
            "status": "state",
            "currency": None,
            "carrier": "courier",
            "tracking_code": "tracking",
            "shipped_at": "dispatched",
            "delivered_at": "arrived",
        },
        "order_line": {
            "order": "purchase",
            "product": "item",
            "title": None,
            "quantity": "count",
            "unit_price": "cost",
        },
    },
}
