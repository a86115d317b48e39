"""What the chat widget's template needs, gathered for the template tag."""

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..conf import ai_settings


def widget_strings():
    """The widget's interface text in the active language, for its script."""
    return {
        "open": _("Chat with us"),
        "close": _("Close chat"),
        "title": _("Shop assistant"),
        "intro": _("Hi! Ask me about products, your order, delivery or returns."),
        "placeholder": _("Type your question…"),
        "send": _("Send"),
        "you": _("You"),
        "assistant": _("Assistant"),
        "thinking": _("The assistant is writing…"),
        "addToCart": _("Add to cart"),
        "added": _("Added to cart"),
        "outOfStock": _("Out of stock"),
        "view": _("View product"),
        "noImage": _("No image"),
        "order": _("Order"),
        "status": _("Status"),
        "placed": _("Placed"),
        "shipped": _("Shipped"),
        "delivered": _("Delivered"),
        "tracking": _("Tracking"),
        "total": _("Total"),
        "items": _("Items"),
        "checkOrder": _("Check an order"),
        "orderNumber": _("Order number"),
        "email": _("Email used for the order"),
        "lookUp": _("Look up"),
        "orderFound": _("Order found. You can now ask about it."),
        "networkError": _("We could not reach the assistant. Please try again."),
        "newChat": _("New conversation"),
    }


def widget_context(request, product_id=""):
    """Return the template context of the chat widget for this request.

    ``product_id`` is the product the page shows, if any; replies to
    "is this one waterproof?" use it. Getting the CSRF token here also makes
    Django set the CSRF cookie the widget's requests send back.
    """
    user = getattr(request, "user", None)
    return {
        "csrf_token": get_token(request),
        "conversations_url": reverse("ai_assist:chat-conversations"),
        "cart_url": reverse("ai_assist:chat-cart-add"),
        "language": get_language() or "",
        "product_id": str(product_id or ""),
        "signed_in": bool(user and user.is_authenticated),
        "max_length": ai_settings.MAX_MESSAGE_LENGTH,
        "strings": widget_strings(),
    }
