"""The click-through redirect of recommendation links."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from ..adapters import get_adapter
from .tracking import record_click


@never_cache
def recommendation_click(request, token):
    """Record a click on a recommended item and go to its product page.

    An unknown token, or a product that is gone, leads to the home page.
    """
    impression = record_click(token, request)
    target = "/"
    if impression is not None:
        product = get_adapter().get_product(impression.product_id)
        if product is not None and product.url:
            target = product.url
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)
