"""Rendering a recommendation list for the template tag."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..models.recommend import Kind, Signal
from .services import note_product_view, recommend

# The signals that make a "bought together" list what its title says. A
# list filled only from the others (a product nobody has ordered yet) gets
# a neutral title instead.
PAIR_SIGNALS = {Signal.CO_PURCHASE, Signal.CO_CUSTOMER}


def template_names(kind):
    """The templates a widget of ``kind`` tries, most specific first."""
    return [
        f"ai_assist/recommendations/{kind}.html",
        "ai_assist/recommendations/list.html",
    ]


# Set on the request once a widget has linked the default stylesheet, so a
# page with four widgets links it once.
_STYLES_LINKED = "_ai_assist_recs_styles"
# The product ids the request's widgets have shown so far.
_SHOWN = "_ai_assist_recs_shown"


def render_widget(request, kind, *, product=None, limit=4):
    """Return the widget's HTML (empty when there is nothing to show).

    Showing a product's own widgets counts as a view of that product. A
    product shown by one widget is not shown again by the next widget on
    the same page (a new guest's "for you" would otherwise repeat
    "trending" item for item). The first widget rendered for a request
    links the default stylesheet (``include_styles`` in the context).
    ``filled_up`` tells a "bought together" template that no item came
    from orders, so its title should not claim they did.
    """
    if product is not None and request is not None:
        note_product_view(
            request, getattr(product, "pk", getattr(product, "id", product))
        )
    shown = getattr(request, _SHOWN, None)
    if shown is None:
        shown = set()
        if request is not None:
            setattr(request, _SHOWN, shown)
    recommendations = recommend(
        kind, product=product, request=request, limit=limit, exclude=shown
    )
    if not recommendations:
        return ""
    shown.update(rec.product.id for rec in recommendations)
    include_styles = not getattr(request, _STYLES_LINKED, False)
    if request is not None:
        setattr(request, _STYLES_LINKED, True)
    html = render_to_string(
        template_names(kind),
        {
            "recommendations": recommendations,
            "kind": kind,
            "include_styles": include_styles,
            "filled_up": kind == Kind.BOUGHT_TOGETHER
            and not any(rec.source in PAIR_SIGNALS for rec in recommendations),
        },
        request=request,
    )
    return mark_safe(html)  # rendered by the template engine, escaped there
