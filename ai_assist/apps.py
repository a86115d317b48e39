from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AIAssistConfig(AppConfig):
    name = "ai_assist"
    verbose_name = _("AI assistant")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers them)
        from .recommend import receivers as recommend_receivers  # noqa: F401
        from .retrieval import receivers as retrieval_receivers  # noqa: F401

        receivers.connect_product_signals()
