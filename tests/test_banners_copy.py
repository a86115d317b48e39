"""Banner copy: the filter, the fallback and the ranking."""

from datetime import date

from django.test import override_settings

import pytest

from ai_assist.banners.copy import (
    CopyBrief,
    CopyCandidate,
    CopyError,
    Copywriter,
    LocalCopywriter,
    TemplateCopywriter,
    filter_candidates,
    rank_candidates,
    write_copy,
)
from ai_assist.retrieval.embedders import reset_embedders

HASHING = "ai_assist.testing.embedders.HashingEmbedder"


@pytest.fixture(autouse=True)
def hashing_embedder():
    with override_settings(
        AI_ASSIST={"EMBEDDER": HASHING, "MULTILINGUAL_EMBEDDER": HASHING}
    ):
        reset_embedders()
        yield
    reset_embedders()


def hoodie(**overrides):
    values = dict(
        title="Solidus Hoodie - red brushed fleece, unisex",
        description="A warm red hoodie in brushed cotton fleece with a roomy hood.",
        brand="Solidus",
        category="Hoodies",
        price="45",
        currency="GBP",
        goal="sale",
        discount_text="20% off",
        ends_at=date(2026, 12, 31),
    )
    values.update(overrides)
    return CopyBrief(**values)


def headlines(candidates):
    return [c.headline for c in candidates]


def reasons(rejected):
    return {c.headline: reason for c, reason in rejected}


def test_invented_price_is_dropped():
    kept, rejected = filter_candidates(
        [
            CopyCandidate("Only £9.99 today", "Cosy fleece for cold days.", "Shop"),
            CopyCandidate("Cosy red fleece", "Brushed cotton, roomy hood.", "Shop"),
        ],
        hoodie(),
    )
    assert headlines(kept) == ["Cosy red fleece"]
    assert "9.99" in reasons(rejected)["Only £9.99 today"]


def test_the_products_own_price_may_be_quoted():
    kept, _ = filter_candidates(
        [CopyCandidate("Hoodie, just £45", "", "Shop")], hoodie()
    )
    assert headlines(kept) == ["Hoodie, just £45"]


def test_only_the_campaigns_discount_may_be_mentioned():
    kept, rejected = filter_candidates(
        [
            CopyCandidate("Now 20% off", "Brushed fleece hoodie.", "Shop"),
            CopyCandidate("50% off hoodies", "Brushed fleece hoodie.", "Shop"),
        ],
        hoodie(),
    )
    assert headlines(kept) == ["Now 20% off"]
    assert "50" in reasons(rejected)["50% off hoodies"]


def test_chinese_discounts_are_checked_against_the_campaign():
    brief = hoodie(language="zh-hans", discount_text="八折", title="红色连帽衫")
    kept, rejected = filter_candidates(
        [
            CopyCandidate("连帽衫八折", "柔软抓绒，宽松兜帽。", "立即抢购"),
            CopyCandidate("连帽衫限时五折", "柔软抓绒。", "立即抢购"),
        ],
        brief,
    )
    assert headlines(kept) == ["连帽衫八折"]
    assert "50" in reasons(rejected)["连帽衫限时五折"]


def test_phones_urls_addresses_and_unbacked_claims_are_dropped():
    kept, rejected = filter_candidates(
        [
            CopyCandidate("Call 0800 123 456", "", "Call"),
            CopyCandidate("Visit www.example.com", "", "Go"),
            CopyCandidate("Visit us at SW1A 1AA", "", "Go"),
            CopyCandidate("Free shipping on hoodies", "", "Shop"),
            CopyCandidate("The best hoodie ever", "", "Shop"),
        ],
        hoodie(),
    )
    assert kept == []
    why = reasons(rejected)
    assert "number" in why["Call 0800 123 456"]
    assert "URL" in why["Visit www.example.com"]
    assert "address" in why["Visit us at SW1A 1AA"]
    assert "Free" in why["Free shipping on hoodies"]
    assert "best" in why["The best hoodie ever"]


def test_a_claim_in_the_product_data_is_allowed():
    brief = hoodie(description="Waterproof shell with free returns.")
    kept, _ = filter_candidates(
        [CopyCandidate("Waterproof and warm", "Free returns.", "Shop")], brief
    )
    assert len(kept) == 1


def test_repeats_and_overlong_fields_are_dropped():
    kept, rejected = filter_candidates(
        [
            CopyCandidate("Warm red hoodie", "Brushed fleece.", "Shop"),
            CopyCandidate("Warm red hoodie!", "Roomy hood.", "Shop"),
            CopyCandidate("A" * 31, "", "Shop"),
            CopyCandidate("Soft soft fleece", "", "Shop"),
            CopyCandidate("Red hoodie", "Red hoodie", "Shop"),
            CopyCandidate("Red hoodie time", "x" * 91, "Shop"),
        ],
        hoodie(),
    )
    assert headlines(kept) == ["Warm red hoodie"]
    assert len(rejected) == 5


def test_copy_in_the_wrong_language_is_dropped():
    kept, _ = filter_candidates(
        [CopyCandidate("Warm red hoodie", "", "Shop")], hoodie(language="zh-hans")
    )
    assert kept == []


def test_templates_only_use_product_and_campaign_facts():
    for goal in ("sale", "new_arrival", "seasonal", "bundle"):
        for language in ("en", "zh-hans"):
            brief = hoodie(goal=goal, language=language)
            written = TemplateCopywriter().write(brief, count=4, seed=3)
            kept, rejected = filter_candidates(written, brief)
            assert kept, (goal, language, rejected)


class BrokenCopywriter(Copywriter):
    def write(self, brief, *, count=4, seed=0):
        raise CopyError("endpoint down")


class InventingCopywriter(Copywriter):
    def write(self, brief, *, count=4, seed=0):
        return [
            CopyCandidate(f"Only £{n}.99", "Call 555 0101", "", "inventing")
            for n in range(count)
        ]


class WafflingCopywriter(Copywriter):
    def write(self, brief, *, count=4, seed=0):
        return [CopyCandidate("Welcome to our store", "", "", "waffle")]


class ObedientCopywriter(Copywriter):
    def write(self, brief, *, count=4, seed=0):
        return [CopyCandidate("Fleece you will live in", "Roomy hood.", "", "ok")]


def _writers(**backends):
    return {alias: {"BACKEND": f"{__name__}.{cls}"} for alias, cls in backends.items()}


@override_settings(
    AI_ASSIST={
        "EMBEDDER": HASHING,
        "MULTILINGUAL_EMBEDDER": HASHING,
        "COPYWRITERS": _writers(
            broken="BrokenCopywriter",
            inventing="InventingCopywriter",
            obedient="ObedientCopywriter",
            waffling="WafflingCopywriter",
        ),
    }
)
def test_copy_falls_back_to_templates_and_is_never_empty():
    broken = write_copy(hoodie(), copywriter="broken")
    inventing = write_copy(hoodie(), copywriter="inventing")
    assert broken.fell_back and inventing.fell_back
    for result in (broken, inventing):
        assert result.best.source == "templates"
        assert result.best.headline
    assert len(inventing.rejected) >= 4
    assert all("number" in reason for _, reason in inventing.rejected[:4])

    obedient = write_copy(hoodie(), copywriter="obedient")
    assert not obedient.fell_back
    assert obedient.best.headline == "Fleece you will live in"
    # A missing call to action is filled from the templates.
    assert obedient.best.cta

    # Fluent but about nothing in particular: off topic.
    waffling = write_copy(hoodie(), copywriter="waffling")
    assert waffling.fell_back and waffling.best.source == "templates"
    assert "off topic" in waffling.rejected[-1][1]


def test_ranking_prefers_copy_about_the_product():
    ranked = rank_candidates(
        [
            CopyCandidate("Great weekend plans", "Sunny days ahead."),
            CopyCandidate("Red fleece hoodie", "Brushed cotton fleece, roomy hood."),
        ],
        hoodie(),
    )
    assert ranked[0].headline == "Red fleece hoodie"
    assert ranked[0].score > ranked[1].score


def test_local_copywriter_prompt_and_parsing():
    writer = LocalCopywriter("local", {})
    prompt = writer.prompt(hoodie(language="zh-hans"))
    assert prompt.endswith("标题：") and "活动：促销，20% off" in prompt
    parsed = writer.parse(
        " 暖心红色连帽衫\n描述：抓绒面料，宽松兜帽。\n按钮：立即选购\n###\n产品：x",
        hoodie(language="zh-hans"),
    )
    assert (parsed.headline.strip(), parsed.description, parsed.cta) == (
        "暖心红色连帽衫",
        "抓绒面料，宽松兜帽。",
        "立即选购",
    )


@pytest.mark.models
def test_packaged_gemma_writes_copy_that_survives_the_filter():
    from ai_assist.banners.copy import copy_model_dir

    if not (copy_model_dir() / "model.safetensors").exists():
        pytest.skip("run manage.py ai_assist_prepare_models first")
    for language in ("en", "zh-hans"):
        brief = hoodie(language=language)
        written = LocalCopywriter("local", {"MAX_NEW_TOKENS": 40}).write(
            brief, count=3, seed=7
        )
        assert written
        result = write_copy(brief, count=3, seed=7, copywriter="local")
        assert result.best.headline
