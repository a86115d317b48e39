"""The reply service: tools, cards, order scope, templates and phrasing."""

from datetime import UTC, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test import override_settings

import pytest

from ai_assist.chat import router
from ai_assist.chat.knowledge import clear_knowledge_cache, seed_knowledge
from ai_assist.chat.replies import ReplyContext, build_reply
from ai_assist.llm import get_generator, reset_generators
from ai_assist.retrieval.embedders import reset_embedders
from ai_assist.retrieval.search import clear_search_index
from ai_assist.retrieval.vectors import clear_vector_cache, embed_products
from shop.models import Category, Order, OrderLine, Product

HASHING = "ai_assist.testing.embedders.HashingEmbedder"
SCRIPTED = "ai_assist.testing.llm.ScriptedGenerator"


def engine_settings(generator="templates", text="", **options):
    return {
        "EMBEDDER": HASHING,
        "MULTILINGUAL_EMBEDDER": HASHING,
        "GENERATOR": generator,
        "GENERATORS": {"scripted": {"BACKEND": SCRIPTED, "TEXT": text, **options}},
        "SUPPORT_EMAIL": "help@shop.test",
        "SUPPORT_HOURS": "weekdays 9 to 5",
    }


def _reset():
    reset_embedders()
    reset_generators()
    clear_vector_cache()
    clear_search_index()
    clear_knowledge_cache()


@pytest.fixture
def engine(db):
    """The reply service on the hashing embedder and the template backend."""
    with override_settings(AI_ASSIST=engine_settings()):
        _reset()
        yield
    _reset()


@pytest.fixture
def generator_says():
    """Switch to a scripted generator that answers with the given text."""

    def switch(text, **options):
        settings = engine_settings("scripted", text, **options)
        override = override_settings(AI_ASSIST=settings)
        override.enable()
        switch.overrides.append(override)
        _reset()
        return get_generator()

    switch.overrides = []
    yield switch
    for override in reversed(switch.overrides):
        override.disable()


@pytest.fixture
def intent(monkeypatch):
    """Fix the router's answer, so these tests do not depend on its model."""

    def set_intent(name):
        monkeypatch.setattr(
            router,
            "route",
            lambda text, language=None: router.Route(name, 0.9, {}, language),
        )

    set_intent("product_search")
    return set_intent


@pytest.fixture
def catalogue(engine):
    bags = Category.objects.create(name="Bags", slug="bags")
    rows = [
        ("20725", "LUNCH BAG RED RETROSPOT", "1.65", 12),
        ("20726", "LUNCH BAG WOODLAND", "1.65", 3),
        ("20727", "LUNCH BAG RED SPOTTY", "1.85", 0),
        ("85099", "JUMBO BAG RED RETROSPOT", "2.08", 40),
        ("22423", "REGENCY CAKESTAND 3 TIER", "12.75", 2),
        ("84029", "RED WOOLLY HOTTIE WHITE HEART", "3.75", 5),
    ]
    products = {}
    for sku, title, price, stock in rows:
        products[sku] = Product.objects.create(
            sku=sku,
            title=title,
            price=Decimal(price),
            stock=stock,
            category=bags if "BAG" in title else None,
            description="Cotton bag with a zip. Wipe clean with a damp cloth.",
        )
    embed_products()
    return products


def ask(text, **context):
    pieces = []
    reply = build_reply(text, context=ReplyContext(**context), on_token=pieces.append)
    return reply, "".join(pieces)


# --- Products ---------------------------------------------------------------


def test_red_lunch_bag_cards_are_all_real_lunch_bags_with_real_prices(
    catalogue, intent
):
    reply, _ = ask("do you have a red lunch bag?")

    titles = [card["title"] for card in reply.cards]
    assert titles and all("LUNCH BAG" in title for title in titles)
    assert all("RED" in title for title in titles)
    for card in reply.cards:
        product = Product.objects.get(pk=card["id"])
        assert Decimal(card["price"]) == product.price
        assert card["stock"] == product.stock
    assert reply.intent == "product_search"
    assert "£1.65" in reply.text


def test_chinese_question_finds_the_same_lunch_bags_in_a_chinese_reply(
    catalogue, intent
):
    english, _ = ask("do you have a red lunch bag?")
    chinese, _ = ask("我想买一个红色的午餐袋")

    assert chinese.language == "zh-hans"
    # The same products; their order may differ, since each language is
    # ranked by its own embedder.
    assert chinese.cards
    assert sorted(c["id"] for c in chinese.cards) == sorted(
        c["id"] for c in english.cards
    )
    assert "找到" in chinese.text  # the Chinese template, not the English one


def test_prices_are_read_live_when_the_reply_is_built(catalogue, intent):
    Product.objects.filter(sku="20725").update(price=Decimal("1.45"))

    reply, _ = ask("do you have a red lunch bag?")

    card = next(c for c in reply.cards if c["title"] == "LUNCH BAG RED RETROSPOT")
    assert card["price"] == "1.45"


def test_nothing_found_says_so_without_cards(catalogue, intent):
    reply, _ = ask("do you sell garden hoses?")

    assert reply.cards == []
    assert "couldn't find" in reply.text


def test_product_question_admits_the_description_does_not_say(catalogue, intent):
    intent("product_question")
    bag = catalogue["20725"]

    reply, _ = ask(
        "is this charger compatible with my laptop?", page_product_id=str(bag.pk)
    )

    assert "doesn't say" in reply.text
    assert "£1.65" in reply.text
    assert [c["id"] for c in reply.cards] == [str(bag.pk)]


def test_things_under_a_price_are_searched_even_when_read_as_a_question(
    catalogue, intent
):
    # The router may read "X under £5" as a question about the page's
    # product; the shopper is asking for products.
    intent("product_question")
    stand = catalogue["22423"]

    reply, _ = ask("lunch bag under £5", page_product_id=str(stand.pk))

    assert reply.cards
    assert all("LUNCH BAG" in c["title"] for c in reply.cards)
    assert all(Decimal(c["price"]) <= 5 for c in reply.cards)


def test_a_price_question_about_the_page_product_stays_a_question(catalogue, intent):
    intent("product_question")
    bag = catalogue["20725"]

    reply, _ = ask("is it under £5?", page_product_id=str(bag.pk))

    assert [c["id"] for c in reply.cards] == [str(bag.pk)]


def test_product_question_quotes_the_matching_description(catalogue, intent):
    intent("product_question")
    bag = catalogue["20726"]

    reply, _ = ask("how do I clean it?", recent_product_ids=[str(bag.pk)])

    assert "Wipe clean with a damp cloth." in reply.text


# --- Orders -----------------------------------------------------------------


@pytest.fixture
def orders(catalogue):
    users = get_user_model().objects
    alice = users.create_user("alice", "alice@shop.test", "pw")
    bob = users.create_user("bob", "bob@shop.test", "pw")

    def order(number, customer, email, day, status):
        created = datetime(2026, 11, day, 10, tzinfo=UTC)
        placed = Order.objects.create(
            number=number,
            customer=customer,
            email=email,
            created_at=created,
            status=status,
            carrier="Royal Mail",
            tracking_code=f"RM{number}",
        )
        OrderLine.objects.create(
            order=placed,
            product=catalogue["20725"],
            title="LUNCH BAG RED RETROSPOT",
            quantity=2,
            unit_price=Decimal("1.65"),
        )
        return placed

    return {
        "alice": alice,
        "alice_old": order("100001", alice, "alice@shop.test", 1, "delivered"),
        "alice_new": order("100002", alice, "alice@shop.test", 20, "shipped"),
        "bob": order("200001", bob, "bob@shop.test", 21, "processing"),
        "guest": order("300001", None, "guest@shop.test", 22, "placed"),
    }


def test_signed_in_customer_gets_their_latest_order(orders, intent):
    intent("order_status")

    reply, streamed = ask("where is my last order?", user=orders["alice"])

    assert [o["number"] for o in reply.orders] == ["100002"]
    assert reply.orders[0]["status"] == "shipped"
    assert reply.orders[0]["lines"] == [
        {"title": "LUNCH BAG RED RETROSPOT", "quantity": 2}
    ]
    assert "100002" in reply.text and "shipped" in reply.text
    assert streamed == reply.text


def test_another_customers_order_reads_like_a_nonexistent_one(orders, intent):
    intent("order_status")

    theirs, _ = ask("where is order 200001?", user=orders["alice"])
    missing, _ = ask("where is order 999999?", user=orders["alice"])

    assert theirs.orders == [] and theirs.cards == []
    assert theirs.text == missing.text.replace("999999", "200001")
    assert "processing" not in theirs.text and "being prepared" not in theirs.text
    assert "bob" not in theirs.text.lower()


def test_guest_needs_both_order_number_and_email(orders, intent):
    intent("order_status")

    without, _ = ask("where is order 300001?")
    wrong_email, _ = ask(
        "where is order 300001?",
        guest_order_number="300001",
        guest_email="someone@else.test",
    )
    both, _ = ask(
        "where is my order?",
        guest_order_number="300001",
        guest_email="guest@shop.test",
    )

    assert without.orders == [] and "sign in" in without.text
    assert wrong_email.orders == []
    assert [o["number"] for o in both.orders] == ["300001"]


def test_guest_cannot_reach_a_customers_order_by_number(orders, intent):
    intent("order_status")

    reply, _ = ask(
        "and order 100002?",
        guest_order_number="300001",
        guest_email="guest@shop.test",
    )
    missing, _ = ask(
        "and order 999999?",
        guest_order_number="300001",
        guest_email="guest@shop.test",
    )

    assert reply.orders == []
    assert reply.text == missing.text.replace("999999", "100002")


# --- Policies, hand-off, small talk --------------------------------------------


def test_returns_question_quotes_the_returns_article(engine, intent):
    seed_knowledge()
    intent("returns_refunds")

    reply, _ = ask("how do I return this?")

    assert "within 30 days" in reply.text
    assert "help@shop.test" in reply.text  # filled from SUPPORT_EMAIL


def test_an_edited_article_is_quoted_at_once(engine, intent):
    from ai_assist.models import KnowledgeArticle

    seed_knowledge()
    intent("returns_refunds")
    ask("how do I return this?")  # fills the vector cache

    article = KnowledgeArticle.objects.get(slug="returns", language="en")
    article.body = "Returns are accepted within 60 days.\n\nMore text."
    article.save()
    reply, _ = ask("how do I return this?")

    assert "within 60 days" in reply.text


def test_seeding_twice_keeps_edits(engine):
    from ai_assist.models import KnowledgeArticle

    assert seed_knowledge() == 12
    KnowledgeArticle.objects.filter(slug="payment").update(title="Paying")

    assert seed_knowledge() == 0
    assert KnowledgeArticle.objects.filter(title="Paying").count() == 2


def test_chinese_policy_question_gets_the_chinese_article(engine, intent):
    seed_knowledge()
    intent("shipping")

    reply, _ = ask("运费多少？多久能到？")

    assert reply.language == "zh-hans"
    assert "工作日内发货" in reply.text


def test_handoff_flags_the_conversation_and_says_how_staff_reply(engine, intent):
    intent("human_handoff")

    reply, _ = ask("I want to talk to a person")

    assert reply.handoff is True
    assert "help@shop.test" in reply.text and "weekdays 9 to 5" in reply.text


def test_feedback_is_thanked_and_passed_to_staff(engine, intent):
    intent("feedback")

    reply, _ = ask("your delivery was really slow last time")

    assert reply.handoff is True and "Thank you" in reply.text


# --- Phrasing by a generator ---------------------------------------------------


def test_generated_price_not_in_results_falls_back_to_template(
    catalogue, intent, generator_says
):
    template, _ = ask("do you have a red lunch bag?")
    generator_says("Our red lunch bag is just £0.99 today.")

    reply, streamed = ask("do you have a red lunch bag?")

    assert "£0.99" not in reply.text and "£0.99" not in streamed
    assert reply.text == template.text == streamed
    assert reply.grounded is False and "number" in reply.problems
    assert reply.backend == "templates"


def test_an_allowed_price_passes_the_check(catalogue, intent, generator_says):
    generator_says("Good news, they start at £1.65.")

    reply, _ = ask("do you have a red lunch bag?")

    assert reply.text.startswith("Good news, they start at £1.65. Here are")
    assert reply.grounded is True and reply.backend == "scripted"


def test_generated_reply_failing_from_the_start_is_all_template(
    catalogue, intent, generator_says
):
    template, _ = ask("do you have a red lunch bag?")
    generator_says("As an AI I can't see prices. Try £0.99 bags.")

    generator = get_generator()
    pieces = []
    generator.generate = _counting(generator.generate, pieces)

    reply, streamed = ask("do you have a red lunch bag?")

    assert reply.text == template.text == streamed
    assert reply.backend == "templates" and "off script" in reply.problems
    assert len(pieces) == 3  # stopped at "As an AI", mid-sentence


def _counting(generate, seen):
    """Wrap a generator's generate() to record every piece it streams."""

    def wrapped(messages, *, max_new_tokens=None, on_token=None):
        def listen(piece):
            seen.append(piece)
            on_token(piece)

        return generate(messages, max_new_tokens=max_new_tokens, on_token=listen)

    return wrapped


def test_generated_opener_comes_before_the_whole_template(
    catalogue, intent, generator_says
):
    template, _ = ask("do you have a red lunch bag?")
    generator = generator_says("Sure, have a look at these! They are popular.")

    reply, streamed = ask("do you have a red lunch bag?")

    # One opening sentence, then the templated answer, whole.
    assert reply.text == f"Sure, have a look at these! {template.text}"
    assert streamed == reply.text
    assert reply.grounded is True and reply.backend == "scripted"
    assert "LUNCH BAG RED RETROSPOT" in generator.calls[0][0]["content"]


def test_order_answers_are_never_left_to_the_generator(orders, intent, generator_says):
    intent("order_status")
    template, _ = ask("where is order 200001?", user=orders["alice"])
    generator = generator_says("It was found at a market in Ashkelon.")

    reply, _ = ask("where is order 200001?", user=orders["alice"])

    assert generator.calls == []
    assert reply.text == template.text and reply.backend == "templates"


def test_phrase_intents_limit_what_a_backend_phrases(catalogue, intent, generator_says):
    generator = generator_says("Sure, have a look!", PHRASE_INTENTS=["smalltalk"])

    reply, _ = ask("do you have a red lunch bag?")

    assert generator.calls == [] and reply.backend == "templates"


def test_chinese_replies_never_use_the_generator(catalogue, intent, generator_says):
    generator = generator_says("Sure!")

    reply, _ = ask("我想买一个红色的午餐袋")

    assert generator.calls == []
    assert reply.backend == "templates"


def test_prompt_keeps_the_newest_history_within_the_context(
    engine, intent, generator_says
):
    intent("smalltalk")
    generator = generator_says("Hello there!")
    generator.context_tokens = 300
    history = [("user", f"message {i} " + "word " * 60) for i in range(10)]

    reply, _ = ask("hi", history=history)

    sent = generator.calls[0]
    assert sent[0]["role"] == "system" and sent[-1]["content"] == "hi"
    assert 1 <= len(sent) - 2 < len(history)
    assert sent[-2]["content"].startswith("message 9")
    assert reply.text == "Hello there!"


def test_recommendations_for_the_page_product_leave_it_out(catalogue, intent):
    intent("recommendation")
    bag = catalogue["20725"]

    reply, _ = ask("what goes well with this?", page_product_id=str(bag.pk))

    ids = [card["id"] for card in reply.cards]
    assert ids and str(bag.pk) not in ids
    assert all(Product.objects.filter(pk=i).exists() for i in ids)
    assert reply.intent == "recommendation"


def test_an_openai_compatible_server_writes_the_opener(catalogue, intent):
    from tests.test_chat_engine_llm import FakeServer

    server = FakeServer()
    server.script = [("stream", ["Sure,", " these", " are", " lovely!", " Buy"])]
    settings = engine_settings("openai")
    settings["GENERATORS"]["openai"] = {"BASE_URL": server.url, "MODEL": "m"}
    try:
        with override_settings(AI_ASSIST=settings):
            reset_generators()
            reply, streamed = ask("do you have a red lunch bag?")
    finally:
        server.close()
        reset_generators()

    assert reply.text.startswith("Sure, these are lovely! Here are 2 products")
    assert reply.backend == "openai" and streamed == reply.text
    assert server.requests[0]["body"]["stream"] is True
