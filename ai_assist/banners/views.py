"""The click-through redirect of storefront banners."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from .slots import follow_click


@never_cache
def banner_click(request, variant_id):
    """Count a click on a banner and redirect to its product page."""
    target = follow_click(variant_id, request.GET.get("slot", ""))
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    return HttpResponseRedirect(target)
