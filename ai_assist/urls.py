from django.urls import include, path

from .banners.views import banner_click

app_name = "ai_assist"

urlpatterns = [
    path("api/", include("ai_assist.api.urls")),
    path(
        "banners/<int:variant_id>/click/", banner_click, name="banner_click"
    ),
]
