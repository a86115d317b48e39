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
from ai_assist.conf import ai_settings
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
def test_packaged_gemma_writes_copy_in_english_and_chinese():
    from ai_assist.banners.copy import copy_model_dir

    if not (copy_model_dir() / "model.safetensors").exists():
        pytest.skip("run manage.py ai_assist_prepare_models first")
    options = {"COPYWRITERS": {"local": {"MAX_NEW_TOKENS": 32}}}
    with override_settings(
        AI_ASSIST={**options, "EMBEDDER": HASHING, "MULTILINGUAL_EMBEDDER": HASHING}
    ):
        for language in ("en", "zh-hans"):
            result = write_copy(
                hoodie(language=language), count=2, seed=7, copywriter="local"
            )
            written = [c for c in result.candidates if c.source == "local"]
            written += [c for c, _ in result.rejected if c.source == "local"]
            assert written, language  # the model wrote, kept or not
            assert result.best.headline


def test_local_copywriter_runs_a_tiny_model_and_the_filter_catches_it(tmp_path):
    from ai_assist.testing.banners import build_tiny_copy_model

    folder = build_tiny_copy_model(tmp_path / "tiny")
    settings = {
        "EMBEDDER": HASHING,
        "MULTILINGUAL_EMBEDDER": HASHING,
        "COPYWRITERS": {
            "tiny": {
                "BACKEND": "ai_assist.banners.copy.LocalCopywriter",
                "PATH": str(folder),
                "MAX_NEW_TOKENS": 12,
            }
        },
    }
    with override_settings(AI_ASSIST=settings):
        written = LocalCopywriter("tiny", settings["COPYWRITERS"]["tiny"]).write(
            hoodie(), count=3, seed=1
        )
        assert len(written) == 3 and all(c.source == "tiny" for c in written)
        result = write_copy(hoodie(), count=3, seed=1, copywriter="tiny")
    # Random words with prompt labels and an invented price never pass.
    assert result.best.headline
    kept = [c for c in result.candidates if c.source == "tiny"]
    assert all("£9.99" not in c.headline for c in kept)
    assert all("Headline:" not in c.headline for c in kept)


class _FakeEndpoint:
    """A loopback chat-completions server: fails ``failures`` times, then answers."""

    def __init__(self, failures):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        state = self
        self.calls, self.failures, self.auth = 0, failures, []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                state.calls += 1
                state.auth.append(self.headers.get("Authorization"))
                if state.calls <= state.failures:
                    self.send_response(503)
                    self.end_headers()
                    return
                content = json.dumps(
                    {
                        "candidates": [
                            {
                                "headline": "Fleece for cold mornings",
                                "description": "Brushed cotton and a roomy hood.",
                                "cta": "Shop now",
                            },
                            {
                                "headline": "Only £5 today",
                                "description": "",
                                "cta": "Buy",
                            },
                        ]
                    }
                )
                body = json.dumps({"choices": [{"message": {"content": content}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_openai_compatible_copywriter_retries_and_is_filtered(monkeypatch):
    from ai_assist.banners.copy import OpenAICopywriter

    endpoint = _FakeEndpoint(failures=1)
    options = {
        "BASE_URL": endpoint.url,
        "MODEL": "m",
        "API_KEY_ENV": "BANNER_KEY",
        "TIMEOUT": 5,
        "MAX_RETRIES": 2,
    }
    try:
        with pytest.raises(CopyError, match="BANNER_KEY"):
            OpenAICopywriter("openai", options).write(hoodie())
        monkeypatch.setenv("BANNER_KEY", "sk-test")
        written = OpenAICopywriter("openai", options).write(hoodie(), count=2)
        assert endpoint.calls == 2  # one 503, then the answer
        assert endpoint.auth[-1] == "Bearer sk-test"
        kept, rejected = filter_candidates(written, hoodie())
        assert headlines(kept) == ["Fleece for cold mornings"]
        assert "5" in rejected[0][1]

        endpoint.failures = 99
        with pytest.raises(CopyError, match="HTTP 503"):
            OpenAICopywriter("openai", dict(options, MAX_RETRIES=1)).write(hoodie())
    finally:
        endpoint.close()


def test_an_ellipsis_is_not_taken_for_a_stutter():
    kept, _ = filter_candidates(
        [CopyCandidate("Warm red hoodie", "Brushed cotton fleece…", "Shop")], hoodie()
    )
    assert len(kept) == 1


def test_chinese_copy_may_only_borrow_latin_words_from_the_product():
    brief = hoodie(language="zh-hans", title="Solidus 红色连帽衫")
    kept, rejected = filter_candidates(
        [
            CopyCandidate("Solidus 连帽衫", "柔软抓绒，宽松兜帽。", "立即选购"),
            CopyCandidate("Vibram 防滑大底", "柔软抓绒。", "立即选购"),
            CopyCandidate("宽松，休 mát", "柔软抓绒。", "立即选购"),
            CopyCandidate("连帽衫好穿", "脱皮，宽松，脱皮，舒适，脱皮", "立即选购"),
            CopyCandidate("连帽衫好穿吗", "Brushed fleece.", "立即选购"),
            CopyCandidate("脱皮", "", "立即选购"),
        ],
        brief,
    )
    assert headlines(kept) == ["Solidus 连帽衫"]
    why = reasons(rejected)
    assert "Vibram" in why["Vibram 防滑大底"]
    assert "mát" in why["宽松，休 mát"]
    assert why["连帽衫好穿"] == "repeats itself"
    assert why["连帽衫好穿吗"] == "not in Chinese"
    assert why["脱皮"] == "headline too short"


def test_a_very_long_title_without_description_still_gets_a_line_and_a_button():
    title = (
        "Extra Large Vintage Retrospot Jumbo Storage Bag With Reinforced Handles "
        "And Matching Zip Pouch For Picnics Parties Beach Days Laundry Moving "
        "House And Everything Else You Can Imagine Today"
    )
    brief = hoodie(title=title, description="", discount_text="", ends_at=None)

    best = write_copy(brief, count=3, seed=0, copywriter="templates").best

    limits = ai_settings.COPY_LIMITS
    assert best.headline and len(best.headline) <= limits["headline"]
    assert best.description and len(best.description) <= limits["description"]
    assert best.cta and len(best.cta) <= limits["cta"]
