"""How the app writes values for shoppers, the same in chat, widgets and banners."""

CURRENCY_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}


def format_price(price, currency):
    """Write a price the way shoppers read it: "£1.65", "12.00 CNY"."""
    if price is None:
        return ""
    symbol = CURRENCY_SYMBOLS.get((currency or "").upper())
    return f"{symbol}{price}" if symbol else f"{price} {currency}".strip()
