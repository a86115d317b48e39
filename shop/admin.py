"""The demo store's own admin: catalogue and orders for the shop's staff."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import Category, Order, OrderLine, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "product_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description=_("products"), ordering="_product_count")
    def product_count(self, obj):
        return obj._product_count


class StockFilter(admin.SimpleListFilter):
    """Products by stock state, as the storefront shows it."""

    title = _("stock")
    parameter_name = "stock_state"

    def lookups(self, request, model_admin):
        return [
            ("out", _("Out of stock")),
            ("low", _("5 or fewer")),
            ("in", _("In stock")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "out":
            return queryset.filter(stock=0)
        if self.value() == "low":
            return queryset.filter(stock__gt=0, stock__lte=5)
        if self.value() == "in":
            return queryset.filter(stock__gt=0)
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "title",
        "category",
        "brand",
        "price",
        "currency",
        "stock",
        "is_published",
    ]
    list_filter = ["is_published", StockFilter, "category", "currency"]
    list_editable = ["stock", "is_published"]
    list_select_related = ["category"]
    search_fields = ["sku", "title", "brand"]
    autocomplete_fields = ["category"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["publish", "unpublish"]

    @admin.action(description=_("Publish the selected products"))
    def publish(self, request, queryset):
        count = queryset.update(is_published=True)
        self.message_user(request, _("%d products published.") % count)

    @admin.action(description=_("Unpublish the selected products"))
    def unpublish(self, request, queryset):
        count = queryset.update(is_published=False)
        self.message_user(request, _("%d products unpublished.") % count)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    raw_id_fields = ["product"]
    fields = ["product", "title", "quantity", "unit_price", "line_total"]
    readonly_fields = ["line_total"]
    extra = 0

    @admin.display(description=_("total"))
    def line_total(self, obj):
        return obj.total if obj.pk else "-"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "email", "created_at", "status", "carrier"]
    list_filter = ["status", "carrier"]
    list_select_related = ["customer"]
    search_fields = ["number", "customer__username", "email", "tracking_code"]
    date_hierarchy = "created_at"
    raw_id_fields = ["customer"]
    inlines = [OrderLineInline]
    fieldsets = [
        (None, {"fields": ["number", "customer", "email", "created_at", "currency"]}),
        (
            _("Fulfilment"),
            {
                "fields": [
                    "status",
                    "carrier",
                    "tracking_code",
                    "shipped_at",
                    "delivered_at",
                ]
            },
        ),
    ]
