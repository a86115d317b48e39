"""Admin for the banner studio: brand kits, campaigns, variants and review."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ManyToManyRawIdWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..adapters import get_adapter
from ..banners import workflow
from ..banners.sizes import SIZE_PRESETS
from ..conf import ai_settings
from ..models import BannerEvent, BannerTransition, BannerVariant, BrandKit, Campaign

# --- Brand kits ------------------------------------------------------------------


@admin.register(BrandKit)
class BrandKitAdmin(admin.ModelAdmin):
    list_display = ["name", "swatches", "is_default", "updated_at"]
    list_filter = ["is_default"]
    search_fields = ["name"]

    @admin.display(description=_("colours"))
    def swatches(self, kit):
        colours = [
            kit.primary_color,
            kit.secondary_color,
            kit.accent_color,
            kit.background_color,
            kit.text_color,
        ]
        return format_html_join(
            "",
            '<span title="{0}" style="display:inline-block;width:18px;height:18px;'
            'margin-right:3px;border:1px solid #ccc;background:{0}"></span>',
            ((c,) for c in colours),
        )


# --- Campaigns -------------------------------------------------------------------


class _ProductRelation:
    """Just enough of a relation for Django's raw-id widget to open the
    host product's changelist as a picker, without a database relation to
    a model named only in settings."""

    def __init__(self, model):
        self.model = model
        self.limit_choices_to = {}

    def get_related_field(self):
        return self.model._meta.pk


class ProductPicker(ManyToManyRawIdWidget):
    """The raw-id picker, keeping the typed text (ids or SKUs) as it is."""

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")

    def format_value(self, value):
        return value if isinstance(value, str) else super().format_value(value)


class CampaignForm(forms.ModelForm):
    products = forms.CharField(
        label=_("Products"),
        help_text=_(
            "Product ids or SKUs, separated by commas; the magnifier opens "
            "the product list."
        ),
    )
    sizes = forms.MultipleChoiceField(
        label=_("Sizes"),
        choices=list(SIZE_PRESETS.items()),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "products",
            "goal",
            "tone",
            "language",
            "discount_text",
            "ends_at",
            "sizes",
            "brand_kit",
            "slot",
            "variants_per_product",
        ]

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        model = get_adapter().get_product_model()
        if model is not None and admin_site is not None:
            self.fields["products"].widget = ProductPicker(
                _ProductRelation(model), admin_site
            )
        if self.instance.pk:
            self.initial["products"] = ",".join(self.instance.product_ids)
        # A new campaign starts with the model's default sizes ticked, so a
        # first save does not fail on an empty choice.
        self.initial.setdefault("sizes", list(self.instance.sizes or []))

    def clean_products(self):
        """Resolve each id or SKU through the adapter; name the unknown ones."""
        adapter = get_adapter()
        tokens = [t.strip() for t in self.cleaned_data["products"].split(",")]
        tokens = [t for t in tokens if t]
        found = adapter.get_products(tokens)
        ids, unknown = [], []
        for token in tokens:
            product = found.get(token) or adapter.find_product_by_sku(token)
            if product is None:
                unknown.append(token)
            elif product.id not in ids:
                ids.append(product.id)
        if unknown:
            raise ValidationError(
                _("No product with id or SKU: %(list)s") % {"list": ", ".join(unknown)}
            )
        if not ids:
            raise ValidationError(_("Pick at least one product."))
        return ids

    def save(self, commit=True):
        self.instance.product_ids = self.cleaned_data["products"]
        self.instance.sizes = self.cleaned_data["sizes"]
        return super().save(commit)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignForm
    change_form_template = "admin/ai_assist/campaign/change_form.html"
    list_display = [
        "name",
        "goal",
        "language",
        "slot",
        "product_count",
        "variant_count",
        "progress",
        "created_at",
    ]
    list_filter = ["goal", "language", "slot"]
    search_fields = ["name", "discount_text"]
    actions = ["generate"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        site = self.admin_site

        class BoundForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, admin_site=site, **inner)

        return BoundForm

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("products"))
    def product_count(self, campaign):
        return len(campaign.product_ids)

    @admin.display(description=_("variants"))
    def variant_count(self, campaign):
        return campaign.variants.count()

    @admin.display(description=_("progress"))
    def progress(self, campaign):
        state = workflow.campaign_progress(campaign)
        return format_html(
            '<progress value="{}" max="100"></progress> {}%',
            state["progress"],
            state["progress"],
        )

    @admin.action(description=_("Generate banners"))
    def generate(self, request, queryset):
        total = sum(workflow.generate_campaign(c, request.user) for c in queryset)
        self.message_user(
            request,
            ngettext(
                "%d variant queued for generation.",
                "%d variants queued for generation.",
                total,
            )
            % total,
        )

    # --- Pages of one campaign ----------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/generate/",
                view(self.generate_view),
                name="ai_assist_campaign_generate",
            ),
            path(
                "<int:pk>/progress/",
                view(self.progress_view),
                name="ai_assist_campaign_progress",
            ),
            *super().get_urls(),
        ]

    def generate_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_change_permission(request, campaign):
            raise PermissionDenied
        self.generate(request, Campaign.objects.filter(pk=pk))
        return HttpResponseRedirect(
            reverse("admin:ai_assist_campaign_change", args=[pk])
        )

    def progress_view(self, request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        return JsonResponse(workflow.campaign_progress(campaign))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        campaign = self.get_object(request, object_id)
        if campaign is not None:
            variants = campaign.variants.prefetch_related("images").order_by(
                "product_id", "pk"
            )
            extra_context.update(
                variants=variants,
                can_approve=workflow.can_approve(request.user),
                progress=workflow.campaign_progress(campaign),
            )
        return super().change_view(request, object_id, form_url, extra_context)


# --- Variants --------------------------------------------------------------------


class TransitionInline(admin.TabularInline):
    """Who moved the variant when: a read-only log."""

    model = BannerTransition
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "user", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class VariantForm(forms.ModelForm):
    class Meta:
        model = BannerVariant
        fields = ["headline", "description", "cta", "photo_override"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 60})}

    def clean(self):
        data = super().clean()
        limits = ai_settings.COPY_LIMITS
        for name in ("headline", "description", "cta"):
            value = data.get(name) or ""
            if len(value) > int(limits[name]):
                self.add_error(
                    name, _("At most %(n)s characters.") % {"n": limits[name]}
                )
        return data


@admin.register(BannerVariant)
class BannerVariantAdmin(admin.ModelAdmin):
    form = VariantForm
    list_display = [
        "id",
        "campaign",
        "product_title",
        "status",
        "job_status",
        "progress_bar",
        "impressions",
        "clicks",
        "ctr",
    ]
    list_filter = ["status", "job_status", "campaign__language", "campaign"]
    search_fields = ["product_title", "headline", "campaign__name"]
    list_select_related = ["campaign"]
    readonly_fields = [
        "campaign",
        "product_title",
        "status",
        "job_status",
        "progress_bar",
        "failure",
        "sizes_side_by_side",
        "seed",
        "copy_source",
        "candidate_table",
        "starts_at",
        "ends_at",
        "approved_by",
        "approved_at",
        "impressions",
        "clicks",
        "ctr",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "campaign",
                    "product_title",
                    "status",
                    "job_status",
                    "progress_bar",
                    "failure",
                ]
            },
        ),
        (_("Images"), {"fields": ["sizes_side_by_side", "seed", "photo_override"]}),
        (
            _("Copy"),
            {
                "fields": [
                    "headline",
                    "description",
                    "cta",
                    "copy_source",
                    "candidate_table",
                ],
                "description": _(
                    "Saving changed copy or a new photo redraws every size."
                ),
            },
        ),
        (
            _("Review"),
            {"fields": ["starts_at", "ends_at", "approved_by", "approved_at"]},
        ),
        (_("Performance"), {"fields": ["impressions", "clicks", "ctr"]}),
    ]
    inlines = [TransitionInline]
    actions = [
        "submit",
        "approve",
        "approve_publish",
        "publish",
        "archive",
        "new_seed",
        "retry",
    ]

    def has_add_permission(self, request):
        return False  # variants are made by generating a campaign

    # --- Display ----------------------------------------------------------

    @admin.display(description=_("progress"))
    def progress_bar(self, variant):
        return format_html(
            '<progress value="{}" max="100"></progress> {}%',
            variant.progress,
            variant.progress,
        )

    @admin.display(description=_("click-through"))
    def ctr(self, variant):
        rate = variant.click_through_rate
        return "–" if rate is None else f"{rate:.1%}"

    @admin.display(description=_("failure"))
    def failure(self, variant):
        return variant.error or "–"

    @admin.display(description=_("every size"))
    def sizes_side_by_side(self, variant):
        return format_html(
            '<div style="display:flex;gap:12px;flex-wrap:wrap;align-items:flex-end">'
            "{}</div>",
            format_html_join(
                "",
                '<figure style="margin:0"><a href="{0}" target="_blank">'
                '<img src="{0}" alt="{1}" style="max-height:180px;max-width:420px;'
                'border:1px solid #ddd"></a><figcaption>{1}</figcaption></figure>',
                ((image.image.url, image.size) for image in variant.images.all()),
            ),
        )

    @admin.display(description=_("candidates"))
    def candidate_table(self, variant):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    c.get("headline"),
                    c.get("description"),
                    c.get("cta"),
                    c.get("source"),
                    c.get("rejected") or c.get("score"),
                )
                for c in variant.candidates
            ),
        )
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "{}</table>",
            _("headline"),
            _("description"),
            _("call to action"),
            _("source"),
            _("score or why dropped"),
            rows,
        )

    # --- Saving -------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        copy_fields = {"headline", "description", "cta"}
        if (
            copy_fields & set(form.changed_data)
            or "photo_override" in form.changed_data
        ):
            copy = {
                k: form.cleaned_data[k] for k in copy_fields if k in form.changed_data
            }
            try:
                workflow.request_generation(obj, copy=copy or None, user=request.user)
            except workflow.WorkflowError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, _("Redrawing every size with the new copy."))

    # --- Workflow ---------------------------------------------------------

    def _apply(self, request, queryset, action):
        done = 0
        for variant in queryset:
            try:
                if action in ("new_seed", "retry"):
                    workflow.request_generation(
                        variant, new_seed=action == "new_seed", user=request.user
                    )
                elif action == "approve_publish":
                    workflow.approve_and_publish(variant, request.user)
                else:
                    workflow.transition(variant, action, request.user)
                done += 1
            except (workflow.WorkflowError, PermissionDenied) as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%d variant updated.", "%d variants updated.", done) % done,
            )

    @admin.action(description=_("Submit for review"))
    def submit(self, request, queryset):
        self._apply(request, queryset, "submit")

    @admin.action(description=_("Approve"), permissions=["approve"])
    def approve(self, request, queryset):
        self._apply(request, queryset, "approve")

    @admin.action(description=_("Approve and go live"), permissions=["approve"])
    def approve_publish(self, request, queryset):
        self._apply(request, queryset, "approve_publish")

    @admin.action(description=_("Publish (go live)"), permissions=["approve"])
    def publish(self, request, queryset):
        self._apply(request, queryset, "publish")

    @admin.action(description=_("Archive"))
    def archive(self, request, queryset):
        self._apply(request, queryset, "archive")

    @admin.action(description=_("Regenerate with a new seed"))
    def new_seed(self, request, queryset):
        self._apply(request, queryset, "new_seed")

    @admin.action(description=_("Retry generation"))
    def retry(self, request, queryset):
        self._apply(request, queryset, "retry")

    def has_approve_permission(self, request):
        return workflow.can_approve(request.user)

    def get_urls(self):
        return [
            path(
                "<int:pk>/do/<slug:action>/",
                self.admin_site.admin_view(self.action_view),
                name="ai_assist_bannervariant_do",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request, pk, action):
        """One workflow button on the campaign page, then back to it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        variant = get_object_or_404(BannerVariant, pk=pk)
        if not self.has_change_permission(request, variant):
            raise PermissionDenied
        schedule = {
            "starts_at": parse_datetime(request.POST.get("starts_at") or ""),
            "ends_at": parse_datetime(request.POST.get("ends_at") or ""),
        }
        try:
            if action in ("new_seed", "retry"):
                workflow.request_generation(
                    variant, new_seed=action == "new_seed", user=request.user
                )
            elif action == "publish":
                workflow.publish_variant(variant, request.user, **schedule)
            elif action == "approve_publish":
                workflow.approve_and_publish(variant, request.user, **schedule)
            else:
                workflow.transition(variant, action, request.user)
        except (workflow.WorkflowError, PermissionDenied) as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, _("Variant %(id)s updated.") % {"id": pk})
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
            target = reverse("admin:ai_assist_bannervariant_change", args=[pk])
        return HttpResponseRedirect(target)


@admin.register(BannerEvent)
class BannerEventAdmin(admin.ModelAdmin):
    """Impressions and clicks, read-only."""

    list_display = ["created_at", "kind", "slot", "variant"]
    list_filter = ["kind", "slot"]
    date_hierarchy = "created_at"
    raw_id_fields = ["variant"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
