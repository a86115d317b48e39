from .models import Category


def store(request):
    """Navigation categories and the cart size for every storefront page."""
    cart = request.session.get("cart") or {}
    return {
        "nav_categories": Category.objects.all()[:12],
        "cart_count": sum(int(q) for q in cart.values()),
    }
