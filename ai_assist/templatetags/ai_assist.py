"""Template tags of django-ai-assist: ``{% load ai_assist %}``."""

from django import template

register = template.Library()


# --- Chat ----------------------------------------------------------------------


@register.inclusion_tag("ai_assist/chat/widget.html", takes_context=True)
def ai_assist_chat(context, product=None):
    """Render the shopper chat widget (launcher button and panel).

    On a product page the product (``product=`` or a ``product`` variable in
    the context) is passed to the assistant, so "does this one come in red?"
    is understood. Needs the request in the context.
    """
    from ..chat.widget import widget_context

    product = product if product is not None else context.get("product")
    product_id = getattr(product, "pk", product) or ""
    return widget_context(context["request"], product_id=product_id)


# --- Banners -------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def ai_banner(context, slot):
    """Show a live banner for ``slot`` (A/B rotation) and count the impression.

    Renders ``ai_assist/banners/slot_<slot>.html`` if a project defines
    one, else ``ai_assist/banners/slot.html``; renders nothing when no
    variant is live for the slot.
    """
    from ..banners.slots import slot_context

    banner = slot_context(slot, context.get("request"))
    if banner is None:
        return ""
    names = [f"ai_assist/banners/slot_{slot}.html", "ai_assist/banners/slot.html"]
    template = context.template.engine.select_template(names)
    return template.render(context.new(banner))


# --- Recommendations -------------------------------------------------------------


@register.simple_tag(takes_context=True)
def ai_recommendations(context, kind, product=None, limit=4):
    """Render a recommendation widget: ``{% ai_recommendations "similar" %}``.

    ``kind`` is ``similar``, ``bought_together``, ``for_you`` or
    ``trending``; ``product`` defaults to a ``product`` in the context.
    The request in the context gives the shopper, cart and session. Renders
    ``ai_assist/recommendations/<kind>.html`` if present, else
    ``ai_assist/recommendations/list.html``; nothing when the list is empty.
    """
    from ..recommend.widgets import render_widget

    if product is None and kind in ("similar", "bought_together"):
        product = context.get("product")
    return render_widget(context.get("request"), kind, product=product, limit=limit)


# --- Formatting -------------------------------------------------------------------


@register.filter
def ai_price(product):
    """A product's price with its currency symbol ("£2.08"), as chat shows it."""
    from ..formatting import format_price

    return format_price(product.price, product.currency)
