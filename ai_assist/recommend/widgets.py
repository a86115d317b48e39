"""Rendering a recommendation list for the template tag."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .services import note_product_view, recommend


def template_names(kind):
    """The templates a widget of ``kind`` tries, most specific first."""
    return [
        f"ai_assist/recommendations/{kind}.html",
        "ai_assist/recommendations/list.html",
    ]


def render_widget(request, kind, *, product=None, limit=4):
    """Return the widget's HTML (empty when there is nothing to show).

    Showing a product's own widgets counts as a view of that product.
    """
    if product is not None and request is not None:
        note_product_view(
            request, getattr(product, "pk", getattr(product, "id", product))
        )
    recommendations = recommend(kind, product=product, request=request, limit=limit)
    if not recommendations:
        return ""
    html = render_to_string(
        template_names(kind),
        {"recommendations": recommendations, "kind": kind},
        request=request,
    )
    return mark_safe(html)  # rendered by the template engine, escaped there
