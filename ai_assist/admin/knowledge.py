"""Admin for knowledge articles: the policies and FAQ the assistant quotes."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..chat.knowledge import seed_knowledge
from ..models import KnowledgeArticle


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "tags", "is_published", "updated_at"]
    list_filter = ["language", "is_published"]
    list_editable = ["is_published"]
    search_fields = ["title", "slug", "body", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "language", "tags", "body", "is_published"]
    actions = ["add_starter_articles"]

    @admin.action(description=_("Add the starter articles that are missing"))
    def add_starter_articles(self, request, queryset):
        # The selection does not matter: seeding only adds missing articles.
        created = seed_knowledge()
        self.message_user(
            request,
            ngettext(
                "%(count)d starter article added.",
                "%(count)d starter articles added.",
                created,
            )
            % {"count": created},
            messages.SUCCESS,
        )
