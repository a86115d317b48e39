"""Recommendations: precomputed neighbour lists, views, builds and events."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Signal(models.TextChoices):
    """The precomputed lists a recommendation can be blended from."""

    CO_PURCHASE = "co_purchase", _("Bought in the same order")
    CO_CUSTOMER = "co_customer", _("Bought by the same customers")
    CONTENT = "content", _("Similar text")
    TRENDING = "trending", _("Trending")


class Kind(models.TextChoices):
    """The widgets a store can show."""

    SIMILAR = "similar", _("Similar products")
    BOUGHT_TOGETHER = "bought_together", _("Bought together")
    FOR_YOU = "for_you", _("For you")
    TRENDING = "trending", _("Trending")


class NeighbourList(models.Model):
    """One product's top-k neighbours under one signal, as built in batch.

    ``neighbours`` is ``[[product_id, score], ...]``, best first. The
    trending list is stored once, under an empty ``product_id``. Lists are
    read through the cache and filtered against live data on every read.
    """

    signal = models.CharField(_("signal"), max_length=20, choices=Signal.choices)
    product_id = models.CharField(_("product id"), max_length=64, blank=True)
    neighbours = models.JSONField(_("neighbours"), default=list)
    built_at = models.DateTimeField(_("built at"), default=timezone.now)

    class Meta:
        verbose_name = _("neighbour list")
        verbose_name_plural = _("neighbour lists")
        constraints = [
            models.UniqueConstraint(
                fields=["signal", "product_id"], name="ai_assist_neighbour_unique"
            )
        ]

    def __str__(self):
        return f"{self.signal}:{self.product_id or '*'}"


class ProductView(models.Model):
    """How often a product page was seen on one day (feeds trending)."""

    product_id = models.CharField(_("product id"), max_length=64)
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("product views")
        verbose_name_plural = _("product views")
        constraints = [
            models.UniqueConstraint(
                fields=["product_id", "day"], name="ai_assist_product_view_day"
            )
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self):
        return f"{self.product_id} on {self.day}: {self.views}"


class RecommendationBuild(models.Model):
    """One run of the batch rebuild, with what it built and what it cost."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("recommendation build")
        verbose_name_plural = _("recommendation builds")

    def __str__(self):
        return f"build {self.pk} ({self.status})"

    @property
    def seconds(self):
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 1)


class RecommendationEvent(models.Model):
    """An impression, click, add-to-cart or order attributed to a widget.

    Every item shown gets a ``token``; its impression is stored with it,
    and later events carry the same token back (on the click link, in the
    session for the cart, matched against orders in the batch run).
    """

    class Action(models.TextChoices):
        IMPRESSION = "impression", _("Impression")
        CLICK = "click", _("Click")
        CART = "cart", _("Added to cart")
        ORDER = "order", _("Ordered")

    token = models.CharField(_("token"), max_length=32, db_index=True)
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    kind = models.CharField(_("widget"), max_length=20, choices=Kind.choices)
    product_id = models.CharField(_("product id"), max_length=64)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    session_key = models.CharField(_("session"), max_length=64, blank=True)
    order_id = models.CharField(_("order id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("recommendation event")
        verbose_name_plural = _("recommendation events")
        indexes = [models.Index(fields=["action", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["token", "action"], name="ai_assist_rec_event_once"
            )
        ]

    def __str__(self):
        return f"{self.action} {self.kind} {self.product_id}"
