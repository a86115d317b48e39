"""Forms of the storefront."""

from django import forms

from .cart import MAX_LINE_QUANTITY


class QuantityForm(forms.Form):
    """A quantity for adding to the cart (1+) or changing a line (0 removes)."""

    quantity = forms.IntegerField(min_value=0, max_value=MAX_LINE_QUANTITY)


class CheckoutForm(forms.Form):
    """The shopper's contact for the order; required from guests only."""

    email = forms.EmailField(
        label="Email for your receipt",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        signed_in = bool(user and user.is_authenticated)
        self.fields["email"].required = not signed_in
        if signed_in:
            self.fields["email"].initial = user.email
