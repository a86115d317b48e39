"""Banner campaigns end to end: generation, storage, review, slots, CLI, admin."""

import io
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

import pytest
from PIL import Image, ImageDraw

from ai_assist.banners import workflow
from ai_assist.banners.brand import seed_default_brand_kit
from ai_assist.models import BannerEvent, BannerVariant, BrandKit, Campaign
from ai_assist.retrieval.embedders import reset_embedders
from shop.models import Category, Product

HASHING = "ai_assist.testing.embedders.HashingEmbedder"
MEMORY_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_banners():
    """Templates for copy, hashing embeddings, files kept in memory."""
    with override_settings(
        STORAGES=MEMORY_STORAGES,
        AI_ASSIST={
            "COPYWRITER": "templates",
            "BANNER_EAGER_THREAD": False,
            "EMBEDDER": HASHING,
            "MULTILINGUAL_EMBEDDER": HASHING,
        },
    ):
        reset_embedders()
        yield
    reset_embedders()


def png_bytes(size=(300, 240)):
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((80, 60, 220, 180), fill=(30, 120, 60))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def products():
    category = Category.objects.create(name="Bags", slug="bags")
    tote = Product.objects.create(
        sku="TOTE-1",
        title="Canvas tote bag",
        description="Sturdy canvas tote.",
        category=category,
        brand="Solidus",
        price=Decimal("15.99"),
        stock=5,
    )
    tote.image.save("tote.png", ContentFile(png_bytes()), save=True)
    mug = Product.objects.create(
        sku="MUG-1",
        title="Stoneware mug",
        description="Holds 350 ml.",
        category=category,
        price=Decimal("9.00"),
        stock=5,
    )
    return tote, mug


@pytest.fixture
def campaign(products):
    return Campaign.objects.create(
        name="Autumn sale",
        product_ids=[str(p.pk) for p in products],
        goal="sale",
        discount_text="20% off",
        sizes=["1200x628", "300x250"],
        variants_per_product=2,
        brand_kit=seed_default_brand_kit(),
    )


@pytest.fixture
def approver(django_user_model):
    user = django_user_model.objects.create_user("ann", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="approve_bannervariant"))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("ed", password="pw", is_staff=True)


@pytest.fixture(autouse=True)
def on_commit_runs(monkeypatch):
    """Tasks are queued on commit; inside a test, commit never comes."""
    from django.db import transaction

    def run_now(func, using=None, robust=False):
        func()

    monkeypatch.setattr(transaction, "on_commit", run_now)


def generated(campaign):
    workflow.generate_campaign(campaign)
    return list(campaign.variants.order_by("pk"))


def test_generation_stores_every_size_through_the_storage_api(campaign):
    variants = generated(campaign)
    assert len(variants) == 4
    for variant in variants:
        assert (variant.job_status, variant.progress, variant.error) == (
            "done",
            100,
            "",
        )
        assert variant.headline and variant.cta
        sizes = sorted(image.size for image in variant.images.all())
        assert sizes == ["1200x628", "300x250"]
        for image in variant.images.all():
            name = image.image.name
            assert name.startswith(f"ai_assist/banners/{campaign.pk}/{variant.pk}/")
            assert default_storage.__class__.__name__ == "InMemoryStorage"
            with default_storage.open(name) as handle:
                assert Image.open(handle).size == (image.width, image.height)
    # Two variants of one product take different copy for the A/B test.
    tote = [v for v in variants if v.product_title == "Canvas tote bag"]
    assert (tote[0].headline, tote[0].description) != (
        tote[1].headline,
        tote[1].description,
    )


def test_generation_is_idempotent(campaign):
    variant = generated(campaign)[0]
    names = sorted(i.image.name for i in variant.images.all())
    assert workflow.run_generation(variant.pk, variant.generation) == "skipped"
    assert workflow.run_generation(variant.pk, variant.generation - 1) == "skipped"
    assert sorted(i.image.name for i in variant.images.all()) == names
    # Generating the campaign again queues nothing new.
    assert workflow.generate_campaign(campaign) == 0


def test_a_failure_is_shown_with_its_reason_and_can_be_retried(campaign, products):
    mug = products[1]
    variant = [v for v in generated(campaign) if v.product_id == str(mug.pk)][0]
    Product.objects.filter(pk=mug.pk).delete()
    workflow.request_generation(variant, new_seed=True)
    variant.refresh_from_db()
    assert variant.job_status == "failed"
    assert "no longer exists" in variant.error
    assert variant.images.count() == 2  # the last good images stay

    # The product comes back; retrying succeeds.
    Product.objects.create(
        pk=mug.pk, sku="MUG-1", title="Stoneware mug", price=Decimal("9.00")
    )
    workflow.request_generation(variant)
    variant.refresh_from_db()
    assert variant.job_status == "done" and variant.error == ""


def test_regenerating_with_edited_copy_keeps_that_copy(campaign):
    variant = generated(campaign)[0]
    first_images = sorted(i.image.name for i in variant.images.all())
    workflow.request_generation(
        variant, copy={"headline": "Carry more", "description": "", "cta": "Shop"}
    )
    variant.refresh_from_db()
    assert (variant.headline, variant.cta, variant.copy_edited) == (
        "Carry more",
        "Shop",
        True,
    )
    new_images = sorted(i.image.name for i in variant.images.all())
    assert new_images != first_images
    assert not any(default_storage.exists(name) for name in first_images)

    seed = variant.seed
    workflow.request_generation(variant, new_seed=True)
    variant.refresh_from_db()
    assert variant.seed != seed and variant.headline == "Carry more"


def test_only_staff_with_the_permission_can_approve(campaign, editor, approver):
    variant = generated(campaign)[0]
    workflow.submit_for_review(variant, editor)
    with pytest.raises(PermissionDenied):
        workflow.approve_variant(variant, editor)
    variant.refresh_from_db()
    assert variant.status == "in_review"

    variant = workflow.approve_variant(variant, approver)
    assert variant.status == "approved"
    assert variant.approved_by == approver and variant.approved_at is not None


def test_workflow_moves_and_records_who_and_when(campaign, editor, approver):
    variant = generated(campaign)[0]
    with pytest.raises(workflow.WorkflowError):
        workflow.publish_variant(variant, approver)  # still a draft
    workflow.submit_for_review(variant, editor)
    workflow.approve_variant(variant, approver)
    variant = workflow.publish_variant(variant, approver)
    assert variant.status == "live"
    with pytest.raises(workflow.WorkflowError):
        workflow.request_generation(variant)  # live banners are not redrawn
    variant = workflow.archive_variant(variant, editor, note="season over")

    moves = list(
        variant.transitions.order_by("created_at", "pk").values_list(
            "from_status", "to_status", "user__username"
        )
    )
    assert moves == [
        ("draft", "in_review", "ed"),
        ("in_review", "approved", "ann"),
        ("approved", "live", "ann"),
        ("live", "archived", "ed"),
    ]


def test_a_variant_without_images_cannot_be_submitted(campaign, editor):
    workflow.create_variants(campaign)
    variant = campaign.variants.first()
    with pytest.raises(workflow.WorkflowError, match="no finished images"):
        workflow.submit_for_review(variant, editor)


def make_live(variant, approver, **schedule):
    workflow.submit_for_review(variant, approver)
    workflow.approve_variant(variant, approver)
    return workflow.publish_variant(variant, approver, **schedule)


def render_slot(slot, session_key=None):
    request = RequestFactory().get("/")
    request.session = type("S", (), {"session_key": session_key})()
    return Template("{% load ai_assist %}{% ai_banner '" + slot + "' %}").render(
        Context({"request": request})
    )


def test_slot_shows_a_live_variant_and_counts_impressions_and_clicks(
    campaign, approver, client
):
    variants = generated(campaign)
    assert render_slot("home_hero") == ""  # nothing live yet
    make_live(variants[0], approver)
    make_live(variants[1], approver)

    html = render_slot("home_hero", session_key="abc")
    assert "<img" in html and ".png" in html
    shown = [v for v in variants[:2] if f'data-ai-banner="{v.pk}"' in html][0]
    # One visitor keeps seeing the same variant.
    assert f'data-ai-banner="{shown.pk}"' in render_slot("home_hero", "abc")
    shown.refresh_from_db()
    assert shown.impressions == 2

    click = reverse("ai_assist:banner_click", args=[shown.pk]) + "?slot=home_hero"
    assert click.replace("?", "&#x3F;") in html or click.replace("&", "&amp;") in html
    response = client.get(click)
    product = Product.objects.get(pk=shown.product_id)
    assert response.status_code == 302
    assert response["Location"] == product.get_absolute_url()
    shown.refresh_from_db()
    assert shown.clicks == 1 and shown.click_through_rate == 0.5
    assert BannerEvent.objects.filter(variant=shown, kind="click").count() == 1


def test_the_schedule_decides_when_a_live_variant_shows(campaign, approver, client):
    variant = generated(campaign)[0]
    now = timezone.now()
    make_live(variant, approver, starts_at=now + timedelta(days=1))
    assert render_slot("home_hero") == ""
    BannerVariant.objects.filter(pk=variant.pk).update(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
    )
    assert render_slot("home_hero") == ""
    # A click on an ended banner still leads to the product, uncounted.
    response = client.get(reverse("ai_assist:banner_click", args=[variant.pk]))
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.clicks == 0


def test_cli_renders_a_set_and_explains_bad_input(products, tmp_path, capsys):
    call_command(
        "ai_assist_banner",
        product="TOTE-1",
        lang="zh-hans",
        sizes="1200x628,300x250",
        out=str(tmp_path),
        copywriter="templates",
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["tote-1-zh-hans-1200x628.png", "tote-1-zh-hans-300x250.png"]
    assert Image.open(tmp_path / files[0]).size == (1200, 628)

    with pytest.raises(CommandError, match="No product with SKU 'NOPE'"):
        call_command("ai_assist_banner", product="NOPE", out=str(tmp_path))
    with pytest.raises(CommandError, match="WIDTHxHEIGHT"):
        call_command(
            "ai_assist_banner", product="TOTE-1", sizes="huge", out=str(tmp_path)
        )


def test_brand_kit_uploads_are_checked():
    kit = BrandKit(name="Shop", logo=SimpleUploadedFile("logo.png", b"<svg/>"))
    with pytest.raises(ValidationError) as caught:
        kit.full_clean()
    assert "logo" in caught.value.message_dict
    kit = BrandKit(name="Shop", primary_color="blue")
    with pytest.raises(ValidationError):
        kit.full_clean()


def test_default_brand_kit_is_seeded_once():
    first = seed_default_brand_kit()
    assert first.is_default and first.logo
    assert seed_default_brand_kit() == first
    assert BrandKit.objects.count() == 1


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(user)
    return client


def test_admin_campaign_form_takes_skus_and_names_unknown_ones(admin_client, products):
    url = reverse("admin:ai_assist_campaign_add")
    assert admin_client.get(url).status_code == 200
    data = {
        "name": "Launch",
        "products": "TOTE-1, NOPE",
        "goal": "new_arrival",
        "tone": "friendly",
        "language": "en",
        "sizes": ["1200x628"],
        "slot": "home_hero",
        "variants_per_product": 1,
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "No product with id or SKU: NOPE" in response.content.decode()

    data["products"] = f"TOTE-1, {products[1].pk}"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Launch")
    assert campaign.product_ids == [str(products[0].pk), str(products[1].pk)]


def test_admin_generates_shows_sizes_and_runs_the_workflow(admin_client, campaign):
    page = reverse("admin:ai_assist_campaign_change", args=[campaign.pk])
    response = admin_client.post(
        reverse("admin:ai_assist_campaign_generate", args=[campaign.pk])
    )
    assert response.status_code == 302
    html = admin_client.get(page).content.decode()
    assert html.count("<figcaption>1200x628</figcaption>") == 4
    assert html.count("<figcaption>300x250</figcaption>") == 4

    progress = admin_client.get(
        reverse("admin:ai_assist_campaign_progress", args=[campaign.pk])
    ).json()
    assert progress["progress"] == 100 and not progress["running"]

    variant = campaign.variants.first()
    for action in ("submit", "approve_publish"):
        response = admin_client.post(
            reverse("admin:ai_assist_bannervariant_do", args=[variant.pk, action]),
            {"next": page},
        )
        assert response.status_code == 302 and response["Location"] == page
    variant.refresh_from_db()
    assert variant.status == "live"
    assert list(variant.transitions.values_list("to_status", flat=True)) == [
        "live",
        "approved",
        "in_review",
    ]
    assert "Take down" in admin_client.get(page).content.decode()
    changelist = admin_client.get(reverse("admin:ai_assist_bannervariant_changelist"))
    assert changelist.status_code == 200
    edit = admin_client.get(
        reverse("admin:ai_assist_bannervariant_change", args=[variant.pk])
    )
    assert edit.status_code == 200


def test_deleting_a_campaign_removes_its_files(campaign):
    variant = generated(campaign)[0]
    names = [image.image.name for image in variant.images.all()]
    assert names and all(default_storage.exists(n) for n in names)
    campaign.delete()
    assert not any(default_storage.exists(n) for n in names)
