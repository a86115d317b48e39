"""Storefront views of the demo store (placeholders until the storefront lands)."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("The storefront is being built.")


home = category = search = product_detail = cart = cart_add = _todo
cart_remove = checkout = orders = _todo
