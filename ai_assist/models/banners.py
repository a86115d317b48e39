"""Banner studio: brand kits, campaigns, variants and their images and events."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from ..banners.fonts import validate_font_upload
from ..banners.photos import validate_image_upload
from ..banners.sizes import DEFAULT_SIZES

hex_colour = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Give a colour as #rrggbb, e.g. #1e3a8a.")
)


def _default_sizes():
    return list(DEFAULT_SIZES)


class BrandKit(models.Model):
    """A store's look: colours, logo and optional fonts for its banners."""

    name = models.CharField(_("name"), max_length=100)
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#1e3a8a", validators=[hex_colour]
    )
    secondary_color = models.CharField(
        _("secondary colour"), max_length=7, default="#93c5fd", validators=[hex_colour]
    )
    accent_color = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#f97316",
        validators=[hex_colour],
        help_text=_("Fills the call-to-action button."),
    )
    background_color = models.CharField(
        _("background colour"),
        max_length=7,
        default="#f8fafc",
        validators=[hex_colour],
        help_text=_("The light backdrop used by half of the variants."),
    )
    text_color = models.CharField(
        _("text colour"),
        max_length=7,
        default="#111827",
        validators=[hex_colour],
        help_text=_("Preferred text colour; replaced where it would be hard to read."),
    )
    logo = models.ImageField(
        _("logo"),
        upload_to="ai_assist/brand/",
        blank=True,
        validators=[validate_image_upload],
        help_text=_("PNG with transparency works best."),
    )
    headline_font = models.FileField(
        _("headline font"),
        upload_to="ai_assist/brand/fonts/",
        blank=True,
        validators=[validate_font_upload],
        help_text=_("A .ttf or .otf file; empty uses the app's fonts."),
    )
    body_font = models.FileField(
        _("body font"),
        upload_to="ai_assist/brand/fonts/",
        blank=True,
        validators=[validate_font_upload],
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used by campaigns that name no brand kit, and by the CLI."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand kit")
        verbose_name_plural = _("brand kits")

    def __str__(self):
        return self.name


class Campaign(models.Model):
    """A brief for banners: which products, why, in what voice and sizes."""

    class Goal(models.TextChoices):
        SALE = "sale", _("Sale")
        NEW_ARRIVAL = "new_arrival", _("New arrival")
        SEASONAL = "seasonal", _("Seasonal")
        BUNDLE = "bundle", _("Bundle")

    class Tone(models.TextChoices):
        FRIENDLY = "friendly", _("Friendly")
        PLAYFUL = "playful", _("Playful")
        PREMIUM = "premium", _("Premium")
        URGENT = "urgent", _("Urgent")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        CHINESE = "zh-hans", _("Simplified Chinese")

    name = models.CharField(_("name"), max_length=120)
    product_ids = models.JSONField(
        _("products"),
        default=list,
        help_text=_("Ids of the host store's products, in order."),
    )
    goal = models.CharField(_("goal"), max_length=20, choices=Goal, default=Goal.SALE)
    tone = models.CharField(
        _("tone"), max_length=20, choices=Tone, default=Tone.FRIENDLY
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language, default=Language.ENGLISH
    )
    discount_text = models.CharField(
        _("discount text"),
        max_length=60,
        blank=True,
        help_text=_(
            'Exactly what the offer is, e.g. "20% off" or "八折". Copy may only '
            "mention discounts written here."
        ),
    )
    ends_at = models.DateField(
        _("ends on"),
        null=True,
        blank=True,
        help_text=_("Last day of the offer; live banners stop after it."),
    )
    sizes = models.JSONField(_("sizes"), default=_default_sizes)
    brand_kit = models.ForeignKey(
        BrandKit,
        verbose_name=_("brand kit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
        help_text=_("Empty uses the default brand kit."),
    )
    slot = models.SlugField(
        _("storefront slot"),
        max_length=50,
        default="home_hero",
        help_text=_('Where live variants show, e.g. "home_hero" or "category_top".'),
    )
    variants_per_product = models.PositiveSmallIntegerField(
        _("variants per product"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("banner campaign")
        verbose_name_plural = _("banner campaigns")

    def __str__(self):
        return self.name


class BannerVariantQuerySet(models.QuerySet):
    def showing(self, slot, now=None):
        """Live variants for ``slot`` whose schedule includes ``now``."""
        now = now or timezone.now()
        return (
            self.filter(status=BannerVariant.Status.LIVE, campaign__slot=slot)
            .filter(models.Q(starts_at__isnull=True) | models.Q(starts_at__lte=now))
            .filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now))
        )


class BannerVariant(models.Model):
    """One version of a campaign's banner for one product, in every size.

    ``status`` is the review workflow (draft, in review, approved, live,
    archived; see :mod:`ai_assist.banners.workflow`); ``job_status`` and
    ``progress`` track the image generation, which runs in Celery.
    ``generation`` counts generation requests so a repeated or stale task
    can tell it has nothing to do.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        LIVE = "live", _("Live")
        ARCHIVED = "archived", _("Archived")

    class JobStatus(models.TextChoices):
        IDLE = "idle", _("Not generated")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="variants",
    )
    product_id = models.CharField(_("product id"), max_length=64)
    product_title = models.CharField(_("product"), max_length=300, blank=True)
    seed = models.PositiveIntegerField(_("seed"), default=0)

    headline = models.CharField(_("headline"), max_length=120, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    cta = models.CharField(_("call to action"), max_length=60, blank=True)
    copy_source = models.CharField(_("copy source"), max_length=20, blank=True)
    copy_edited = models.BooleanField(
        _("copy edited by staff"),
        default=False,
        help_text=_("Regenerating keeps edited copy and only redraws the images."),
    )
    candidates = models.JSONField(_("copy candidates"), default=list, blank=True)
    photo_override = models.ImageField(
        _("photo"),
        upload_to="ai_assist/banners/photos/",
        blank=True,
        validators=[validate_image_upload],
        help_text=_("Optional; replaces the product's own photo in this variant."),
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT
    )
    starts_at = models.DateTimeField(_("live from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("live until"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    job_status = models.CharField(
        _("generation"), max_length=20, choices=JobStatus, default=JobStatus.IDLE
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    generation = models.PositiveIntegerField(_("generation number"), default=0)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)

    # Counters kept beside the event rows, so click-through needs no scan.
    impressions = models.PositiveIntegerField(_("impressions"), default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BannerVariantQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "product_id", "seed"]
        verbose_name = _("banner variant")
        verbose_name_plural = _("banner variants")
        permissions = [
            ("approve_bannervariant", _("Can approve and publish banner variants")),
        ]
        indexes = [models.Index(fields=["status", "campaign"])]

    def __str__(self):
        product = Truncator(self.product_title or self.product_id).chars(40)
        return f"{self.campaign} / {product} #{self.pk}"

    @property
    def click_through_rate(self):
        """Clicks per impression, or None before the first impression."""
        return self.clicks / self.impressions if self.impressions else None


class BannerImage(models.Model):
    """One rendered size of a variant, stored through the storage API."""

    variant = models.ForeignKey(
        BannerVariant,
        verbose_name=_("variant"),
        on_delete=models.CASCADE,
        related_name="images",
    )
    size = models.CharField(_("size"), max_length=16)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    image = models.FileField(_("image"), upload_to="ai_assist/banners/", max_length=255)
    generation = models.PositiveIntegerField(_("generation number"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["variant", "-width"]
        verbose_name = _("banner image")
        verbose_name_plural = _("banner images")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "size"], name="ai_assist_banner_image_size"
            )
        ]

    def __str__(self):
        return f"{self.variant_id} {self.size}"


class BannerEvent(models.Model):
    """An impression or a click of a live variant in a storefront slot."""

    class Kind(models.TextChoices):
        IMPRESSION = "impression", _("Impression")
        CLICK = "click", _("Click")

    variant = models.ForeignKey(
        BannerVariant,
        verbose_name=_("variant"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    slot = models.CharField(_("slot"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("banner event")
        verbose_name_plural = _("banner events")
        indexes = [models.Index(fields=["variant", "kind", "created_at"])]

    def __str__(self):
        return f"{self.kind} of variant {self.variant_id}"


class BannerTransition(models.Model):
    """A move of a variant between workflow states: who, when and why."""

    variant = models.ForeignKey(
        BannerVariant,
        verbose_name=_("variant"),
        on_delete=models.CASCADE,
        related_name="transitions",
    )
    from_status = models.CharField(_("from"), max_length=20)
    to_status = models.CharField(_("to"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("banner state change")
        verbose_name_plural = _("banner state changes")

    def __str__(self):
        return f"{self.variant_id}: {self.from_status} -> {self.to_status}"
