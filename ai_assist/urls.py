from django.urls import include, path

app_name = "ai_assist"

urlpatterns = [
    path("api/", include("ai_assist.api.urls")),
]
