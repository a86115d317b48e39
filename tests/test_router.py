import csv
import json
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import override_settings

import pytest

from ai_assist.chat import router as router_module
from ai_assist.chat.router import (
    INTENTS,
    IntentRouter,
    Route,
    VectorCache,
    detect_language,
    load_examples,
    normalize_text,
    route,
)
from ai_assist.evaluation.intents import run as evaluate_intents
from ai_assist.evaluation.intents import score
from ai_assist.retrieval.embedders import reset_embedders
from ai_assist.testing.embedders import HashingEmbedder

HASHING = "ai_assist.testing.embedders.HashingEmbedder"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def hashing_embedders():
    with override_settings(
        AI_ASSIST={"EMBEDDER": HASHING, "MULTILINGUAL_EMBEDDER": HASHING}
    ):
        reset_embedders()
        yield
    reset_embedders()


def write_csv(path, rows, header=("text", "intent")):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# --- Language detection and text ------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order?", "en"),
        ("我想找一个保温杯", "zh-hans"),
        ("这个充电器和我的MacBook兼容吗", "zh-hans"),
        ("is the 保温杯 in stock today", "en"),
        ("订单 12345678 到哪了", "zh-hans"),
        ("", "en"),
    ],
)
def test_detect_language_by_script(text, language):
    assert detect_language(text) == language


def test_normalize_text_unwraps_placeholders():
    assert normalize_text("track  {{Order Number}} now") == "track Order Number now"


# --- Example data ---------------------------------------------------------


def test_packaged_examples_cover_every_intent_in_both_languages():
    examples = load_examples()
    for language, least in (("en", 35), ("zh-hans", 15)):
        counts = {intent: 0 for intent in INTENTS}
        for example in examples:
            if example.language == language:
                counts[example.intent] += 1
        assert min(counts.values()) >= least, (language, counts)


def test_load_examples_detects_a_missing_language(tmp_path):
    path = write_csv(
        tmp_path / "extra.csv", [("包邮吗", "shipping"), ("hi", "smalltalk")]
    )

    examples = load_examples([path])

    assert [(e.intent, e.language) for e in examples] == [
        ("shipping", "zh-hans"),
        ("smalltalk", "en"),
    ]


def test_load_examples_rejects_an_unknown_intent_with_its_line(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [("hi", "smalltalk"), ("hm", "weather")])

    with pytest.raises(ValueError, match=r"bad.csv:3: unknown intent 'weather'"):
        load_examples([path])


def test_host_example_files_are_read_after_the_packaged_ones(tmp_path):
    path = write_csv(tmp_path / "host.csv", [("gift wrap?", "product_question")])

    with override_settings(AI_ASSIST={"INTENT_EXAMPLE_FILES": [str(path)]}):
        examples = load_examples()

    assert examples[-1].text == "gift wrap?"
    assert len(examples) > 100


# --- The router on a hashing embedder --------------------------------------

TINY_EXAMPLES = [
    ("where is my order", "order_status"),
    ("track my parcel", "order_status"),
    ("order status please", "order_status"),
    ("how do I return this", "returns_refunds"),
    ("I want a refund", "returns_refunds"),
    ("refund my money", "returns_refunds"),
    ("hello there", "smalltalk"),
    ("hi", "smalltalk"),
    ("thanks a lot", "smalltalk"),
    ("我的订单到哪了", "order_status"),
    ("我要退款", "returns_refunds"),
    ("你好", "smalltalk"),
]


@pytest.fixture
def tiny_router(hashing_embedders, tmp_path):
    path = write_csv(tmp_path / "tiny.csv", TINY_EXAMPLES)
    return IntentRouter(load_examples([path]), cache=VectorCache(tmp_path))


def test_router_routes_to_the_nearest_examples(tiny_router):
    result = tiny_router.route("where is my order 123456?")

    assert isinstance(result, Route)
    assert result.intent == "order_status"
    assert result.language == "en"
    assert set(result.scores) == set(INTENTS)
    assert result.scores["order_status"] == result.confidence
    assert sum(result.scores.values()) == pytest.approx(1, abs=1e-3)
    # Intents without examples are present with a zero score.
    assert result.scores["payment"] == 0


def test_router_uses_the_detected_or_given_language(tiny_router):
    assert tiny_router.route("我要退款可以吗").language == "zh-hans"
    assert tiny_router.route("我要退款", language="en").language == "en"


def test_router_rejects_an_unsupported_language(tiny_router):
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        tiny_router.route("bonjour", language="fr")


def test_vector_cache_embeds_each_example_text_once(hashing_embedders, tmp_path):
    encoded = []

    class CountingEmbedder(HashingEmbedder):
        def _encode(self, texts, *, query):
            encoded.extend(texts)
            return super()._encode(texts, query=query)

    cache = VectorCache(tmp_path)
    first = cache.encode(CountingEmbedder(), ["a b", "c d", "a b"])
    second = cache.encode(CountingEmbedder(), ["c d", "e f"])

    assert encoded == ["a b", "c d", "e f"]
    assert first.shape == (3, HashingEmbedder.dim)
    assert (second[0] == first[1]).all()


def test_module_route_trains_one_router_per_process(
    hashing_embedders, tmp_path, monkeypatch
):
    # A small example set keeps training quick; the data is tested above.
    write_csv(tmp_path / "tiny.csv", TINY_EXAMPLES)
    monkeypatch.setattr(router_module, "EXAMPLES_DIR", tmp_path)
    with override_settings(
        AI_ASSIST={
            "EMBEDDER": HASHING,
            "MULTILINGUAL_EMBEDDER": HASHING,
            "MODEL_CACHE_DIR": str(tmp_path),
        }
    ):
        assert route("hi").language == "en"
        trained = router_module.get_router()
        assert route("你好").language == "zh-hans"
        assert router_module.get_router() is trained
    # Changing the settings forgets it.
    assert router_module._router is None


# --- Evaluation -------------------------------------------------------------


class FakeRouter:
    """Answers a fixed intent per text."""

    def __init__(self, answers):
        self.answers = answers

    def route_many(self, texts, *, languages=None):
        return [
            Route(self.answers[t], 1.0, {self.answers[t]: 1.0}, "en") for t in texts
        ]


def test_score_computes_accuracy_macro_f1_and_confusion():
    result = score(["a", "a", "b", "b"], ["a", "b", "b", "b"])

    assert result["accuracy"] == 0.75
    # a: precision 1, recall 1/2, F1 2/3; b: precision 2/3, recall 1, F1 4/5.
    assert result["macro_f1"] == pytest.approx((2 / 3 + 4 / 5) / 2, abs=1e-4)
    assert result["confusion"] == {"a": {"a": 1, "b": 1}, "b": {"b": 2}}
    assert result["per_intent"]["a"]["recall"] == 0.5
    assert result["n"] == 4


def test_evaluate_reports_misrouted_rows(tmp_path):
    path = write_csv(
        tmp_path / "eval.csv",
        [("hi", "smalltalk"), ("refund?", "returns_refunds"), ("yo", "smalltalk")],
    )
    router = FakeRouter({"hi": "smalltalk", "refund?": "payment", "yo": "smalltalk"})

    result = evaluate_intents(file=str(path), errors=5, router=router)

    assert result["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["confusion"]["returns_refunds"] == {"payment": 1}
    assert result["errors"] == [
        {"text": "refund?", "intent": "returns_refunds", "predicted": "payment"}
    ]


def test_evaluate_command_prints_json(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "eval.csv", [("hi", "smalltalk"), ("bye", "smalltalk")])
    fake = FakeRouter({"hi": "smalltalk", "bye": "feedback"})
    monkeypatch.setattr(router_module, "get_router", lambda: fake)
    out = StringIO()

    call_command("ai_assist_evaluate", "intents", str(path), stdout=out)

    result = json.loads(out.getvalue())
    assert {"accuracy", "macro_f1", "confusion", "n"} <= set(result)
    assert result["accuracy"] == 0.5
    assert result["confusion"] == {"smalltalk": {"smalltalk": 1, "feedback": 1}}


def test_evaluate_command_explains_a_bad_file(tmp_path):
    path = write_csv(tmp_path / "eval.csv", [("hi", "greeting")])

    with pytest.raises(CommandError, match="unknown intent 'greeting'"):
        call_command("ai_assist_evaluate", "intents", str(path))
    with pytest.raises(CommandError, match="needs the columns text,intent"):
        call_command(
            "ai_assist_evaluate",
            "intents",
            str(write_csv(tmp_path / "x.csv", [("hi",)], header=("message",))),
        )


# --- The real packaged models ----------------------------------------------

CLEAR_CASES = [
    ("do you have a red lunch bag?", "product_search"),
    ("is this charger compatible with my laptop?", "product_question"),
    ("what would make a good gift for my mum?", "recommendation"),
    ("where is my order 12345678?", "order_status"),
    ("please cancel my order", "order_change"),
    ("do you deliver to Spain?", "shipping"),
    ("how do I return this?", "returns_refunds"),
    ("do you accept PayPal?", "payment"),
    ("I forgot my password", "account"),
    ("I want to speak to a real person", "human_handoff"),
    ("I'd like to leave a review", "feedback"),
    ("hello!", "smalltalk"),
    ("我想找一个保温杯", "product_search"),
    ("这个包是防水的吗", "product_question"),
    ("送爸爸什么礼物好", "recommendation"),
    ("我的订单到哪了", "order_status"),
    ("我要取消订单", "order_change"),
    ("运费多少钱", "shipping"),
    ("我想退货", "returns_refunds"),
    ("可以用支付宝付款吗", "payment"),
    ("忘记密码了怎么办", "account"),
    ("转人工客服", "human_handoff"),
    ("我想给商品写个评价", "feedback"),
    ("你好", "smalltalk"),
]


@pytest.mark.models
def test_real_router_routes_clear_messages_in_english_and_chinese():
    router_module.reset_router()

    routes = router_module.get_router().route_many([t for t, _ in CLEAR_CASES])

    wrong = [
        (text, want, got.intent)
        for (text, want), got in zip(CLEAR_CASES, routes, strict=True)
        if got.intent != want
    ]
    assert wrong == []
    assert [r.language for r in routes] == ["en"] * 12 + ["zh-hans"] * 12


@pytest.mark.models
def test_real_router_keeps_its_accuracy_on_held_out_phrases():
    # Phrasings written apart from the examples, in English and Chinese.
    # Measured at 0.97 on each file; the bar leaves room for small shifts.
    for name in ("intents_holdout.csv", "intents_holdout_b.csv"):
        result = evaluate_intents(file=str(DATA / name))

        assert result["accuracy"] >= 0.93, (name, result["confusion"])
