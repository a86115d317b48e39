from django.urls import include, path

from .banners.views import banner_click
from .recommend.views import recommendation_click

app_name = "ai_assist"

urlpatterns = [
    path("api/", include("ai_assist.api.urls")),
    path("banners/<int:variant_id>/click/", banner_click, name="banner_click"),
    path("r/<str:token>/", recommendation_click, name="recommendation_click"),
]
