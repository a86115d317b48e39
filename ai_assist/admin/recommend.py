"""Admin for recommendations: builds (with "rebuild now"), lists, events."""

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from ..conf import ai_settings
from ..models.recommend import (
    NeighbourList,
    RecommendationBuild,
    RecommendationEvent,
)
from ..recommend import charts, tracking

# --- Builds --------------------------------------------------------------------


@admin.register(RecommendationBuild)
class RecommendationBuildAdmin(admin.ModelAdmin):
    list_display = ["pk", "status", "started_at", "seconds", "products", "order_lines"]
    list_filter = ["status"]
    search_fields = ["error"]
    readonly_fields = ["status", "started_at", "finished_at", "stats", "error"]
    actions = ["rebuild_now"]
    change_list_template = "admin/ai_assist/recommendationbuild/change_list.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("products"))
    def products(self, run):
        return run.stats.get("products")

    @admin.display(description=_("order lines"))
    def order_lines(self, run):
        return run.stats.get("order_lines")

    def get_urls(self):
        rebuild = self.admin_site.admin_view(self.rebuild_view)
        return [
            path("rebuild/", rebuild, name="ai_assist_recommendation_rebuild"),
            *super().get_urls(),
        ]

    def rebuild_view(self, request):
        """The "Rebuild now" button: queue a rebuild and come back."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            messages.error(request, _("You may not rebuild recommendations."))
        else:
            self._queue(request)
        return HttpResponseRedirect(
            reverse("admin:ai_assist_recommendationbuild_changelist")
        )

    @admin.action(description=_("Rebuild recommendations now"))
    def rebuild_now(self, request, queryset):
        self._queue(request)

    def _queue(self, request):
        from ..tasks import rebuild_recommendations

        rebuild_recommendations.delay_on_commit()
        self.message_user(
            request,
            _("A rebuild of every recommendation list was queued."),
            messages.SUCCESS,
        )


# --- Lists ---------------------------------------------------------------------


@admin.register(NeighbourList)
class NeighbourListAdmin(admin.ModelAdmin):
    list_display = ["product_id", "signal", "size", "built_at"]
    list_filter = ["signal"]
    search_fields = ["product_id"]
    readonly_fields = ["signal", "product_id", "neighbours", "built_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("neighbours"))
    def size(self, row):
        return len(row.neighbours or ())


# --- Events and their chart ------------------------------------------------------


@admin.register(RecommendationEvent)
class RecommendationEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "kind", "product_id", "position", "user"]
    list_filter = ["action", "kind", "created_at"]
    search_fields = ["product_id", "token", "order_id"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    change_list_template = "admin/ai_assist/recommendationevent/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        try:
            days = max(7, min(int(request.GET.get("chart_days", 30)), 365))
        except ValueError:
            days = 30
        # chart_days is ours, not a field lookup for the changelist filters.
        request.GET = request.GET.copy()
        request.GET.pop("chart_days", None)
        stats = tracking.widget_stats(days)
        extra_context = {
            **(extra_context or {}),
            "chart_days": days,
            "attribution_days": ai_settings.ATTRIBUTION_DAYS,
            "ctr_chart": charts.line_chart(stats, "ctr"),
            "conversion_chart": charts.line_chart(stats, "conversion"),
        }
        return super().changelist_view(request, extra_context)
