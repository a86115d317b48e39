from django.contrib import admin

from .models import Category, Order, OrderLine, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "title", "category", "price", "stock", "is_published"]
    list_filter = ["is_published", "category"]
    list_editable = ["stock", "is_published"]
    search_fields = ["sku", "title", "brand"]
    autocomplete_fields = ["category"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    raw_id_fields = ["product"]
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "created_at", "status", "carrier"]
    list_filter = ["status", "carrier"]
    search_fields = ["number", "customer__username", "email", "tracking_code"]
    date_hierarchy = "created_at"
    raw_id_fields = ["customer"]
    inlines = [OrderLineInline]
