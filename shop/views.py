"""Storefront views of the demo store.

Views parse the request, call a service (``catalog``, ``cart``,
``checkout``, ``search``) and render; the logic lives in those modules.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import cart as carts
from . import catalog
from .checkout import (
    CheckoutError,
    can_view_order,
    place_order,
    pop_confirmation,
)
from .forms import CheckoutForm, QuantityForm
from .models import Category, Order, OrderLine
from .search import search_products

PRODUCTS_PER_PAGE = 24
ORDERS_PER_PAGE = 10
SEARCH_LIMIT = 48


def home(request):
    """The front page: categories and a few products to start from."""
    return render(
        request,
        "shop/home.html",
        {
            "categories": catalog.categories_with_counts()[:12],
            "featured": catalog.featured_products(),
        },
    )


def category(request, slug):
    """One category's published products, sorted and paginated."""
    current = get_object_or_404(Category, slug=slug)
    sort = request.GET.get("sort", catalog.DEFAULT_SORT)
    products = catalog.sorted_products(
        catalog.published_products().filter(category=current), sort
    )
    page = Paginator(products, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/category.html",
        {
            "category": current,
            "page": page,
            "sort": sort if sort in catalog.SORT_OPTIONS else catalog.DEFAULT_SORT,
            "sort_options": {k: v[0] for k, v in catalog.SORT_OPTIONS.items()},
        },
    )


def search(request):
    """Search results for ``?q=``."""
    query = request.GET.get("q", "").strip()[:200]
    results = search_products(query, limit=SEARCH_LIMIT) if query else []
    return render(request, "shop/search.html", {"query": query, "results": results})


def product_detail(request, pk):
    """One published product with its price, stock and an add-to-cart form."""
    product = get_object_or_404(catalog.published_products(), pk=pk)
    in_cart = carts.get_cart(request.session).get(str(product.pk), 0)
    return render(
        request,
        "shop/product_detail.html",
        {"product": product, "in_cart": in_cart},
    )


# --- The cart ---------------------------------------------------------------


def cart(request):
    """The cart page."""
    contents = carts.get_cart_contents(request.session)
    return render(request, "shop/cart.html", {"contents": contents})


@require_POST
def cart_add(request, pk):
    """Add a product to the cart, then go back where the shopper came from."""
    product = get_object_or_404(catalog.published_products(), pk=pk)
    form = QuantityForm(request.POST or {"quantity": 1})
    quantity = form.cleaned_data["quantity"] if form.is_valid() else 1
    try:
        in_cart = carts.add_to_cart(request.session, product, quantity)
    except carts.CartError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Added “{product.title}” to your cart ({in_cart} in it)."
        )
    return _redirect_back(request, "shop:cart")


@require_POST
def cart_update(request, pk):
    """Change the quantity of one cart line (0 removes it)."""
    product = get_object_or_404(catalog.published_products(), pk=pk)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please enter a quantity between 0 and 99.")
        return redirect("shop:cart")
    wanted = form.cleaned_data["quantity"]
    quantity = carts.set_quantity(request.session, product, wanted)
    if quantity < wanted:
        messages.warning(
            request,
            f"Only {product.stock} of “{product.title}” in stock.",
        )
    return redirect("shop:cart")


@require_POST
def cart_remove(request, pk):
    """Remove one product from the cart."""
    carts.remove_from_cart(request.session, pk)
    messages.info(request, "Removed from your cart.")
    return redirect("shop:cart")


# --- Checkout and orders -----------------------------------------------------


def checkout(request):
    """Review the cart and place the order (signed in, or as a guest with email)."""
    contents = carts.get_cart_contents(request.session)
    if not contents.lines:
        messages.info(request, "Your cart is empty.")
        return redirect("shop:cart")

    form = CheckoutForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            order = place_order(
                request.session, user=request.user, email=form.cleaned_data["email"]
            )
        except CheckoutError as error:
            form.add_error(None, str(error))
        else:
            return redirect("shop:order_detail", number=order.number)
    return render(request, "shop/checkout.html", {"contents": contents, "form": form})


def order_detail(request, number):
    """One order: the confirmation page after checkout, and from "My orders"."""
    order = get_object_or_404(_orders_with_lines(), number=number)
    if not can_view_order(request, order):
        raise Http404("No such order.")
    just_placed = pop_confirmation(request.session, order)
    return render(
        request,
        "shop/order_detail.html",
        {"order": order, "just_placed": just_placed},
    )


@login_required
def orders(request):
    """The signed-in customer's orders, newest first."""
    mine = _orders_with_lines().filter(customer=request.user)
    page = Paginator(mine, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "shop/orders.html", {"page": page})


def _orders_with_lines():
    lines = OrderLine.objects.select_related("product__category").order_by("pk")
    return Order.objects.prefetch_related(Prefetch("lines", queryset=lines))


def _redirect_back(request, default):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)
