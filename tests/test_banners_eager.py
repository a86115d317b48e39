"""Without a broker, banners are generated in a background thread."""

from decimal import Decimal

from django.test import override_settings

import pytest

from ai_assist.banners import workflow
from ai_assist.models import Campaign
from shop.models import Product

HASHING = "ai_assist.testing.embedders.HashingEmbedder"


@pytest.mark.django_db(transaction=True)
@override_settings(
    CELERY_TASK_ALWAYS_EAGER=True,
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    },
    AI_ASSIST={
        "COPYWRITER": "templates",
        "BANNER_EAGER_THREAD": True,
        "EMBEDDER": HASHING,
        "MULTILINGUAL_EMBEDDER": HASHING,
    },
)
def test_generation_runs_after_commit_in_a_background_thread():
    product = Product.objects.create(sku="B-1", title="Brass lamp", price=Decimal(9))
    campaign = Campaign.objects.create(
        name="Lamps",
        product_ids=[str(product.pk)],
        sizes=["300x250"],
        variants_per_product=1,
    )
    assert workflow.generate_campaign(campaign) == 1
    # The admin's request returns at once; wait for the thread here.
    workflow._eager_pool.submit(lambda: None).result(timeout=120)
    variant = campaign.variants.get()
    assert variant.job_status == "done"
    assert variant.images.count() == 1
