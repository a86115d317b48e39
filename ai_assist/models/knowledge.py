"""Knowledge articles: the store's policies and FAQ the assistant quotes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KnowledgeArticle(models.Model):
    """One policy or FAQ page, in one language, managed in the admin.

    The assistant answers shipping, returns, payment and account questions
    by quoting the published article closest in meaning to the question,
    so the wording here is what shoppers read.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        help_text=_("Shared by the translations of one article."),
    )
    body = models.TextField(
        _("body"),
        help_text=_(
            "Plain text. The first paragraph is what the assistant quotes, "
            "so put the answer there."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        default="en",
        help_text=_('A language code such as "en" or "zh-hans".'),
    )
    tags = models.CharField(
        _("tags"),
        max_length=200,
        blank=True,
        help_text=_(
            "Comma-separated topics (shipping, returns, payment, account, "
            "contact); the assistant prefers articles tagged with the topic "
            "of the question."
        ),
    )
    is_published = models.BooleanField(_("published"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["slug", "language"]
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "language"], name="ai_assist_knowledge_slug_language"
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.language})"

    @property
    def tag_list(self):
        return [t.strip().lower() for t in self.tags.split(",") if t.strip()]

    @property
    def summary(self):
        """The first paragraph: the part the assistant quotes."""
        return self.body.strip().split("\n\n", 1)[0].strip()
