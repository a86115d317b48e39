"""The demo store: a small catalogue with orders, shaped like many real shops."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("shop:category", args=[self.slug])


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
    )
    brand = models.CharField(_("brand"), max_length=120, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    stock = models.PositiveIntegerField(_("stock"), default=0)
    is_published = models.BooleanField(_("published"), default=True)
    image = models.ImageField(_("image"), upload_to="products/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["is_published", "category"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("shop:product", args=[self.pk])


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PROCESSING = "processing", _("Processing")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=32, unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
    )
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLACED
    )
    currency = models.CharField(_("currency"), max_length=3, default="GBP")
    carrier = models.CharField(_("shipping carrier"), max_length=60, blank=True)
    tracking_code = models.CharField(_("tracking code"), max_length=60, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.number

    @property
    def total(self):
        return sum(line.total for line in self.lines.all())


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, related_name="order_lines"
    )
    title = models.CharField(_("title"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)

    def __str__(self):
        return f"{self.quantity} x {self.title}"

    @property
    def total(self):
        return self.unit_price * self.quantity
