"""
Storefront slots: which live banner a visitor sees, and counting it.

Every live variant scheduled for a slot takes part in an A/B rotation. A
visitor keeps seeing the same variant (chosen from a hash of their
session and the slot), so click-through compares like with like; a
visitor without a session gets a random one.
"""

import hashlib
import logging
import random

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.http import urlencode

from ..adapters import get_adapter
from ..conf import ai_settings
from .sizes import DEFAULT_SIZES

logger = logging.getLogger(__name__)

# Sizes shown on narrow screens, when the variant has one.
MOBILE_SIZES = ["1080x1080", "1080x1350", "300x250"]


def pick_variant(slot, visitor_key=""):
    """A live variant for ``slot`` (with its images), or None."""
    from ..models import BannerVariant

    variants = list(
        BannerVariant.objects.showing(slot)
        .filter(job_status=BannerVariant.JobStatus.DONE)
        .prefetch_related("images")
        .order_by("pk")
    )
    variants = [v for v in variants if v.images.all()]
    if not variants:
        return None
    if visitor_key:
        digest = hashlib.blake2b(f"{slot}:{visitor_key}".encode(), digest_size=8)
        return variants[int.from_bytes(digest.digest(), "big") % len(variants)]
    return random.choice(variants)


def _image_for(variant, preferences):
    images = {image.size: image for image in variant.images.all()}
    for size in preferences:
        if size in images:
            return images[size]
    return None


def slot_context(slot, request=None, *, record=True):
    """What the slot template shows, or None when nothing is live.

    Records an impression unless ``record`` is False. The returned dict
    has ``variant``, ``image`` (wide), ``mobile_image`` (square, may be
    None), ``click_url``, ``alt`` and ``slot``.
    """
    session_key = ""
    if request is not None and getattr(request, "session", None) is not None:
        session_key = request.session.session_key or ""
    variant = pick_variant(slot, session_key)
    if variant is None:
        return None
    preferences = ai_settings.BANNER_SLOT_SIZES.get(slot) or DEFAULT_SIZES
    image = _image_for(variant, preferences) or variant.images.all()[0]
    if record:
        record_event(variant, "impression", slot)
    click_url = reverse("ai_assist:banner_click", args=[variant.pk])
    return {
        "slot": slot,
        "variant": variant,
        "image": image,
        "mobile_image": _image_for(variant, MOBILE_SIZES),
        "click_url": f"{click_url}?{urlencode({'slot': slot})}",
        "alt": " – ".join(t for t in (variant.headline, variant.description) if t),
    }


def record_event(variant, kind, slot=""):
    """Store an impression or click and bump the variant's counter."""
    from ..models import BannerEvent, BannerVariant

    counter = "impressions" if kind == "impression" else "clicks"
    with transaction.atomic():
        BannerEvent.objects.create(variant=variant, kind=kind, slot=slot[:50])
        BannerVariant.objects.filter(pk=variant.pk).update(**{counter: F(counter) + 1})


def follow_click(variant_id, slot=""):
    """Count a click on a live variant; return the URL to send the visitor to.

    Clicks on variants that are no longer live still lead to the product
    but are not counted. A product that is gone leads to the home page.
    """
    from ..models import BannerVariant

    variant = BannerVariant.objects.filter(pk=variant_id).first()
    if variant is None:
        return "/"
    showing = BannerVariant.objects.showing(variant.campaign.slot)
    if showing.filter(pk=variant.pk).exists():
        record_event(variant, "click", slot or variant.campaign.slot)
    product = get_adapter().get_product(variant.product_id)
    return product.url if product and product.url else "/"
