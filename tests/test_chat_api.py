"""The chat API: ownership, CSRF, input limits, storage, replies and streams.

Replies come from the fake builders in ``ai_assist.testing.chat``, run
inline through the real Celery task (eager), so no model loads here.
"""

import json
import os
import time
from decimal import Decimal
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from ai_assist.chat import conversations
from ai_assist.chat.streams import get_stream
from ai_assist.models import Conversation, Message
from ai_assist.tasks import generate_reply
from shop.models import Category, Order, OrderLine, Product

pytestmark = pytest.mark.django_db

START_URL = "/ai-assist/api/chat/conversations/"


@pytest.fixture(autouse=True)
def chat_settings(settings):
    """Fast fake replies, run inline; stream keys private to this process."""
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "ai_assist.testing.chat.echo_reply",
        "CHAT_EAGER_THREAD": False,
        "CHAT_STREAM_PREFIX": f"test{os.getpid()}:chat",
    }
    return settings


@pytest.fixture
def use_builder(settings):
    def use(name, **more):
        settings.AI_ASSIST = {
            **settings.AI_ASSIST,
            "CHAT_REPLY_BUILDER": f"ai_assist.testing.chat.{name}",
            **more,
        }

    return use


@pytest.fixture
def guest():
    return Client()


@pytest.fixture
def start(guest):
    def start(client=guest, **body):
        response = client.post(START_URL, body, content_type="application/json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return start


@pytest.fixture
def post(guest, django_capture_on_commit_callbacks):
    """Post a message and run the callbacks its commit queued (the task)."""

    def post(conversation_id, text, client=guest, **body):
        url = f"{START_URL}{conversation_id}/messages/"
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(
                url, {"text": text, **body}, content_type="application/json"
            )
        response.queued = len(callbacks)
        return response

    return post


@pytest.fixture
def shopper():
    return get_user_model().objects.create_user("ann", password="pw-ann-123")


@pytest.fixture
def product():
    category = Category.objects.create(name="Bags", slug="bags")
    return Product.objects.create(
        sku="LB1",
        title="Red lunch bag",
        category=category,
        price=Decimal("4.50"),
        stock=3,
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- Conversations and ownership ---------------------------------------------


def test_guest_starts_a_conversation_and_reads_it_back(guest, start):
    conversation_id = start(language="en", page_product_id="7")

    response = guest.get(f"{START_URL}{conversation_id}/")

    assert response.status_code == 200
    assert response.json()["id"] == conversation_id
    assert response.json()["messages"] == []
    conversation = Conversation.objects.get(public_id=conversation_id)
    assert conversation.user is None
    assert conversation.session_key == guest.session.session_key
    assert conversation.page_product_id == "7"


def test_another_guest_gets_404_for_every_endpoint(guest, start, post):
    conversation_id = start()
    message_id = post(conversation_id, "hello").json()["message_id"]
    stranger = Client()
    base = f"{START_URL}{conversation_id}/"

    answers = [
        stranger.get(base),
        stranger.post(base + "messages/", {"text": "hi"}, "application/json"),
        stranger.get(f"{base}messages/{message_id}/"),
        stranger.get(f"{base}messages/{message_id}/stream/"),
        stranger.post(
            base + "order-lookup/",
            {"order_number": "1", "email": "a@b.c"},
            "application/json",
        ),
    ]

    assert [r.status_code for r in answers] == [404] * 5
    assert answers[0].json()["code"] == "not_found"
    assert Message.objects.filter(role="user").count() == 1


def test_signed_in_conversation_is_hidden_from_other_users_and_guests(start, shopper):
    owner = signed_in(shopper)
    conversation_id = start(client=owner)
    other = signed_in(get_user_model().objects.create_user("bob", password="pw"))

    assert owner.get(f"{START_URL}{conversation_id}/").status_code == 200
    assert other.get(f"{START_URL}{conversation_id}/").status_code == 404
    assert Client().get(f"{START_URL}{conversation_id}/").status_code == 404
    assert Conversation.objects.get(public_id=conversation_id).user == shopper


def test_a_guest_who_signs_in_keeps_the_conversation(guest, start, shopper):
    conversation_id = start()
    old_key = guest.session.session_key

    guest.login(username="ann", password="pw-ann-123")

    assert guest.session.session_key != old_key
    assert guest.get(f"{START_URL}{conversation_id}/").status_code == 200
    conversation = Conversation.objects.get(public_id=conversation_id)
    assert conversation.user == shopper
    assert Client().get(f"{START_URL}{conversation_id}/").status_code == 404


def test_unknown_conversation_and_message_give_404(guest, start):
    conversation_id = start()

    missing = guest.get(f"{START_URL}00000000-0000-0000-0000-000000000000/")
    no_message = guest.get(f"{START_URL}{conversation_id}/messages/999999/")

    assert missing.status_code == 404
    assert no_message.status_code == 404


def test_guest_posts_need_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    token = "k" * 32  # what the csrftoken cookie holds in a browser
    client.cookies["csrftoken"] = token

    refused = client.post(START_URL, {}, content_type="application/json")
    accepted = client.post(
        START_URL, {}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201
    assert Conversation.objects.count() == 1


def test_signed_in_posts_need_the_csrf_token(shopper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(shopper)

    response = client.post(START_URL, {}, content_type="application/json")

    assert response.status_code == 403
    assert not Conversation.objects.exists()


# --- Bad input: refused, nothing stored or queued ----------------------------


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_message_is_refused_with_400(start, post, text):
    conversation_id = start()

    response = post(conversation_id, text)

    assert response.status_code == 400
    assert response.json()["code"] == "empty_message"
    assert response.json()["detail"]
    assert response.queued == 0
    assert not Message.objects.exists()


def test_missing_text_field_is_a_400_naming_the_field(start, post, guest):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"

    response = guest.post(url, {}, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("text:")
    assert not Message.objects.exists()


def test_too_long_message_is_refused_with_413(start, post, settings):
    settings.AI_ASSIST = {**settings.AI_ASSIST, "MAX_MESSAGE_LENGTH": 20}
    conversation_id = start()

    response = post(conversation_id, "x" * 21)

    assert response.status_code == 413
    assert response.json()["code"] == "message_too_long"
    assert "20" in response.json()["detail"]
    assert response.queued == 0
    assert not Message.objects.exists()


def test_too_many_messages_a_minute_get_429(start, post, settings):
    settings.AI_ASSIST = {**settings.AI_ASSIST, "MESSAGES_PER_MINUTE": 2}
    conversation_id = start()
    assert post(conversation_id, "one").status_code == 202
    assert post(conversation_id, "two").status_code == 202

    response = post(conversation_id, "three")
    # A new conversation from the same session does not reset the count.
    again = post(start(), "four")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json()["code"] == "rate_limited"
    assert response.queued == 0
    assert again.status_code == 429
    assert Message.objects.filter(role="user").count() == 2


# --- Posting and replies -----------------------------------------------------


def test_post_answers_202_and_the_reply_is_saved(guest, start, post):
    conversation_id = start()

    response = post(conversation_id, "  hello there ")

    assert response.status_code == 202
    body = response.json()
    message = Message.objects.get(pk=body["message_id"])
    assert body["status"] == "queued"
    assert body["stream_url"].endswith(f"/messages/{message.pk}/stream/")
    assert body["poll_url"].endswith(f"/messages/{message.pk}/")
    assert message.text == "hello there"
    assert message.status == "done"
    reply = message.reply
    assert reply.role == "assistant"
    assert reply.text == "You said: hello there"
    assert reply.status == "done"
    assert set(reply.timings) >= {
        "queued_at",
        "started_at",
        "first_token_at",
        "finished_at",
    }
    transcript = guest.get(f"{START_URL}{conversation_id}/").json()["messages"]
    assert [(m["role"], m["text"]) for m in transcript] == [
        ("user", "hello there"),
        ("assistant", "You said: hello there"),
    ]


@pytest.fixture
def broker(monkeypatch):
    """Celery with a broker: record what is sent instead of sending it."""
    from shop.celery import app

    sent = []
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(generate_reply, "delay", lambda *args: sent.append(args))
    yield sent
    app.conf.task_always_eager = was_eager


def test_with_a_broker_the_task_is_sent_only_after_commit(
    start, guest, broker, django_capture_on_commit_callbacks
):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"

    with django_capture_on_commit_callbacks(execute=True):
        response = guest.post(url, {"text": "queue me"}, "application/json")
        assert broker == []  # not before the message is committed
    message_id = response.json()["message_id"]

    assert response.status_code == 202
    assert broker == [(message_id,)]
    assert Message.objects.get(pk=message_id).status == "queued"


def test_a_broker_that_is_down_fails_the_reply_not_the_post(
    start, post, broker, monkeypatch
):
    def refuse(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(generate_reply, "delay", refuse)
    conversation_id = start()

    response = post(conversation_id, "anyone there?")

    assert response.status_code == 202
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.status == "failed"
    assert message.reply.failure_reason == "not queued: ConnectionError: broker down"


def test_message_is_stored_before_the_reply_builder_runs(start, guest, settings):
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "tests.test_chat_api.builder_that_checks_storage",
    }
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"

    # Without running the commit callbacks the task never starts, yet the
    # message is already there, queued.
    response = guest.post(url, {"text": "stored first?"}, "application/json")
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.status == "queued"
    assert not Message.objects.filter(role="assistant").exists()

    reply = generate_reply.apply(args=[message.pk]).get()
    assert reply is None  # the task returns nothing; its result is the row
    assert Message.objects.get(reply_to=message).text == "stored: stored first?"


def builder_that_checks_storage(text, *, context, on_token=None):
    from ai_assist.testing.chat import FakeReply

    stored = Message.objects.get(text=text, role="user")
    assert stored.status == "streaming"
    return FakeReply(text=f"stored: {stored.text}")


def test_a_failing_builder_keeps_the_message_and_fails_the_reply(
    start, post, use_builder, guest
):
    use_builder("failing_reply")
    conversation_id = start()

    response = post(conversation_id, "will this break?")

    assert response.status_code == 202
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.text == "will this break?"
    assert message.status == "failed"
    reply = message.reply
    assert reply.status == "failed"
    assert reply.failure_reason == "RuntimeError: the generator broke"
    assert "went wrong" in reply.text
    assert "generator" not in reply.text  # the shopper sees no internals
    poll = guest.get(response.json()["poll_url"]).json()
    assert poll["status"] == "failed"
    assert poll["reply"]["text"] == reply.text
    assert "failure_reason" not in poll["reply"]


def test_a_retried_task_adds_no_second_reply(start, post):
    conversation_id = start()
    message_id = post(conversation_id, "only once").json()["message_id"]
    first = Message.objects.get(reply_to_id=message_id)

    generate_reply.apply(args=[message_id])
    generate_reply.apply(args=[message_id])

    replies = Message.objects.filter(reply_to_id=message_id)
    assert list(replies) == [first]
    assert replies.get().text == first.text
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            conversation=first.conversation,
            role="assistant",
            reply_to_id=message_id,
        )


def test_a_reply_left_streaming_by_a_dead_worker_is_rewritten(start, guest):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"
    message_id = guest.post(url, {"text": "hi"}, "application/json").json()[
        "message_id"
    ]
    message = Message.objects.get(pk=message_id)
    Message.objects.create(
        conversation=message.conversation,
        role="assistant",
        reply_to=message,
        status="streaming",
        text="half a rep",
    )

    generate_reply.apply(args=[message_id])

    reply = Message.objects.get(reply_to=message)
    assert reply.status == "done"
    assert reply.text == "You said: hi"


def test_a_reply_holding_markup_is_returned_as_raw_text(
    start, post, use_builder, guest
):
    use_builder("markup_reply")
    conversation_id = start()

    response = post(conversation_id, "show me html")

    expected = '<img src=x onerror="alert(1)"><b>bold</b> & <script>x()</script>'
    poll = guest.get(response.json()["poll_url"])
    assert poll["Content-Type"] == "application/json"
    assert poll.json()["reply"]["text"] == expected
    transcript = guest.get(f"{START_URL}{conversation_id}/").json()
    assert transcript["messages"][1]["text"] == expected


def test_product_cards_are_saved_and_returned(start, post, use_builder, guest):
    use_builder("product_reply")
    conversation_id = start()

    response = post(conversation_id, "red lunch bag?")

    reply = guest.get(response.json()["poll_url"]).json()["reply"]
    assert reply["intent"] == "product_search"
    assert reply["cards"][0]["title"] == "Red lunch bag"
    assert reply["cards"][0]["price"] == "4.50"


def test_a_handoff_reply_flags_the_conversation(start, post, use_builder):
    use_builder("handoff_reply")
    conversation_id = start()

    post(conversation_id, "I want a person")

    conversation = Conversation.objects.get(public_id=conversation_id)
    assert conversation.handoff_requested
    assert conversation.handoff_at is not None
    assert conversation.handoff_note == "I want a person"
    assert list(Conversation.objects.awaiting_handoff()) == [conversation]


def test_the_reply_builder_gets_history_scope_and_page(
    start, post, settings, shopper, product
):
    calls = []
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "tests.test_chat_api.recording_builder",
    }
    recording_builder.calls = calls
    client = signed_in(shopper)
    session = client.session
    session["cart"] = {str(product.pk): 2}
    session.save()
    conversation_id = start(client=client)

    post(conversation_id, "first", client=client)
    post(conversation_id, "second", client=client, page_product_id=str(product.pk))

    context = calls[-1]
    assert context.user == shopper
    assert context.history == [("user", "first"), ("assistant", "reply 1")]
    assert context.page_product_id == str(product.pk)
    assert context.cart_product_ids == [str(product.pk)]
    assert context.guest_order_number == ""


def recording_builder(text, *, context, on_token=None):
    from ai_assist.testing.chat import FakeReply

    recording_builder.calls.append(context)
    return FakeReply(text=f"reply {len(recording_builder.calls)}")


# --- Streaming and polling ---------------------------------------------------


def read_events(response):
    """Parse a streaming SSE response into [(event, data)], comments as None."""
    body = b"".join(response.streaming_content).decode()
    events = []
    for block in body.split("\n\n"):
        lines = block.strip().splitlines()
        if not lines:
            continue
        if all(line.startswith(":") or line.startswith("retry:") for line in lines):
            events.append((None, block))
            continue
        fields = dict(line.split(": ", 1) for line in lines if ": " in line)
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_stream_has_proxy_safe_headers_and_ends_with_the_saved_reply(
    start, post, guest
):
    conversation_id = start()
    response = post(conversation_id, "stream me")

    stream = guest.get(response.json()["stream_url"])

    assert stream.status_code == 200
    assert stream["Content-Type"] == "text/event-stream"
    assert stream["Cache-Control"] == "no-cache"
    assert stream["X-Accel-Buffering"] == "no"
    events = [e for e in read_events(stream) if e[0]]
    assert events[-1][0] == "done"
    assert events[-1][1]["reply"]["text"] == "You said: stream me"
    assert events[-1][1]["reply"]["status"] == "done"


def test_stream_relays_tokens_then_done(start, guest):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"
    body = guest.post(url, {"text": "tokens"}, "application/json").json()
    message_id = body["message_id"]
    # The worker's side, written ahead: the view replays it from Redis.
    generate_reply.apply(args=[message_id])

    # A finished reply answers at once with its final text from the database,
    # while a client resuming mid-stream gets the events after its last one.
    resumed = guest.get(body["stream_url"], HTTP_LAST_EVENT_ID="1")
    events = [e for e in read_events(resumed) if e[0]]

    assert events == [
        ("done", events[-1][1]),
    ]
    stored = get_stream().read(message_id)
    assert [e["event"] for e in stored] == ["start", "token", "token", "token", "done"]
    tokens = "".join(e["data"]["text"] for e in stored if e["event"] == "token")
    assert tokens == "You said: tokens"


def test_stream_sends_keepalives_then_times_out_with_an_error(start, guest, settings):
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_STREAM_KEEPALIVE": 0.05,
        "CHAT_STREAM_TIMEOUT": 0.2,
    }
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"
    body = guest.post(url, {"text": "nobody answers"}, "application/json").json()

    events = read_events(guest.get(body["stream_url"]))

    assert any(e[0] is None and "keep-alive" in e[1] for e in events)
    assert events[-1][0] == "error"
    assert events[-1][1]["code"] == "timeout"


def test_stream_live_events_are_relayed_in_order(start, guest):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"
    body = guest.post(url, {"text": "live"}, "application/json").json()
    message_id = body["message_id"]
    stream = get_stream()
    stream.publish(message_id, "start", {"reply_id": 0})
    stream.publish(message_id, "token", {"text": "Hel"})
    stream.publish(message_id, "token", {"text": "lo"})
    # The reply row is written by the task; here it is finished by hand.
    message = Message.objects.get(pk=message_id)
    Message.objects.create(
        conversation=message.conversation,
        role="assistant",
        reply_to=message,
        status="streaming",
    )
    events = conversations.iter_reply_events(message, timeout=1, keepalive=0.1)

    first = [next(events), next(events), next(events)]
    Message.objects.filter(reply_to=message).update(status="done", text="Hello")
    stream.publish(message_id, "done", {})
    rest = list(events)

    assert [(e, d) for e, d, _ in first] == [
        ("start", {"reply_id": 0}),
        ("token", {"text": "Hel"}),
        ("token", {"text": "lo"}),
    ]
    assert rest[-1][0] == "done"
    assert rest[-1][1]["reply"].text == "Hello"


def test_stream_finds_a_reply_saved_without_any_events(start, guest):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"
    body = guest.post(url, {"text": "quiet"}, "application/json").json()
    message = Message.objects.get(pk=body["message_id"])
    # As when the worker could not reach Redis: the row is all there is.
    Message.objects.create(
        conversation=message.conversation,
        role="assistant",
        reply_to=message,
        status="streaming",
    )
    events = conversations.iter_reply_events(message, timeout=5, keepalive=10)
    Message.objects.filter(reply_to=message).update(status="done", text="Saved")

    started = time.monotonic()
    name, data, _ = next(events)

    assert name == "done"
    assert data["reply"].text == "Saved"
    assert time.monotonic() - started < 2


def test_signals_tell_of_replies_and_handoffs(start, post, use_builder):
    from ai_assist.signals import assistant_replied, handoff_requested

    replied, handoffs = [], []

    def on_reply(**kwargs):
        replied.append(kwargs)

    def on_handoff(**kwargs):
        handoffs.append(kwargs)

    assistant_replied.connect(on_reply)
    handoff_requested.connect(on_handoff)
    use_builder("handoff_reply")
    try:
        post(start(), "a person please")
    finally:
        assistant_replied.disconnect(on_reply)
        handoff_requested.disconnect(on_handoff)

    assert replied[0]["message"].text == "a person please"
    assert replied[0]["reply"].status == "done"
    assert handoffs[0]["conversation"].handoff_requested


def test_polling_returns_the_text_streamed_so_far(start, guest):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/messages/"
    body = guest.post(url, {"text": "poll me"}, "application/json").json()
    stream = get_stream()
    stream.publish(body["message_id"], "start", {})
    stream.publish(body["message_id"], "token", {"text": "Half"})
    stream.publish(body["message_id"], "token", {"text": " way"})

    during = guest.get(body["poll_url"]).json()
    generate_reply.apply(args=[body["message_id"]])
    after = guest.get(body["poll_url"]).json()

    assert during == {
        "message_id": body["message_id"],
        "status": "queued",
        "text": "Half way",
        "reply": None,
    }
    assert after["status"] == "done"
    assert after["text"] == "You said: poll me"
    assert after["reply"]["text"] == "You said: poll me"


def test_polling_and_stream_work_without_redis(start, post, guest, settings):
    settings.AI_ASSIST = {**settings.AI_ASSIST, "CHAT_STREAM_URL": ""}
    conversation_id = start()

    response = post(conversation_id, "in process")

    assert type(get_stream()).__name__ == "MemoryStream"
    poll = guest.get(response.json()["poll_url"]).json()
    assert poll["text"] == "You said: in process"
    events = [e for e in read_events(guest.get(response.json()["stream_url"])) if e[0]]
    assert events[-1][1]["reply"]["text"] == "You said: in process"


# --- Guest orders and the cart -----------------------------------------------


@pytest.fixture
def guest_order(product):
    order = Order.objects.create(
        number="A1001", email="guest@example.com", created_at=timezone.now()
    )
    OrderLine.objects.create(
        order=order, product=product, title=product.title, quantity=2, unit_price=4
    )
    return order


def test_guest_proves_an_order_with_number_and_email(guest, start, guest_order):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/order-lookup/"

    response = guest.post(
        url,
        {"order_number": "A1001", "email": "GUEST@example.com"},
        "application/json",
    )

    assert response.status_code == 200
    assert response.json()["verified"] is True
    assert response.json()["order"]["number"] == "A1001"
    assert response.json()["order"]["lines"] == [
        {"title": "Red lunch bag", "quantity": 2}
    ]
    conversation = Conversation.objects.get(public_id=conversation_id)
    assert conversation.has_verified_guest_order
    assert conversation.guest_order_number == "A1001"


def test_wrong_email_and_unknown_number_answer_alike(guest, start, guest_order):
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/order-lookup/"

    wrong_email = guest.post(
        url, {"order_number": "A1001", "email": "x@example.com"}, "application/json"
    )
    unknown = guest.post(
        url, {"order_number": "Z9", "email": "guest@example.com"}, "application/json"
    )

    assert wrong_email.status_code == unknown.status_code == 404
    assert wrong_email.json() == unknown.json()
    assert not Conversation.objects.get(public_id=conversation_id).guest_order_number


def test_order_lookups_are_rate_limited(guest, start, settings):
    settings.AI_ASSIST = {**settings.AI_ASSIST, "ORDER_LOOKUPS_PER_MINUTE": 2}
    conversation_id = start()
    url = f"{START_URL}{conversation_id}/order-lookup/"
    body = {"order_number": "N1", "email": "a@example.com"}

    codes = [guest.post(url, body, "application/json").status_code for _ in range(3)]

    assert codes == [404, 404, 429]


def test_a_verified_guest_order_reaches_the_reply_builder(
    guest, start, post, guest_order, settings
):
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "tests.test_chat_api.recording_builder",
    }
    recording_builder.calls = []
    conversation_id = start()
    guest.post(
        f"{START_URL}{conversation_id}/order-lookup/",
        {"order_number": "A1001", "email": "guest@example.com"},
        "application/json",
    )

    post(conversation_id, "where is my order?")

    context = recording_builder.calls[-1]
    assert context.user is None
    assert context.guest_order_number == "A1001"
    assert context.guest_email == "guest@example.com"


def test_add_to_cart_from_a_card_fills_the_session_cart(guest, product):
    url = reverse("ai_assist:chat-cart-add")

    first = guest.post(url, {"product_id": str(product.pk)}, "application/json")
    second = guest.post(
        url, {"product_id": str(product.pk), "quantity": 2}, "application/json"
    )

    assert first.status_code == 200
    assert second.json() == {
        "product_id": str(product.pk),
        "quantity": 3,
        "cart_count": 3,
    }
    assert guest.session["cart"] == {str(product.pk): 3}


def test_add_to_cart_refuses_missing_out_of_stock_and_bad_quantities(guest, product):
    url = reverse("ai_assist:chat-cart-add")
    Product.objects.filter(pk=product.pk).update(stock=0)

    missing = guest.post(url, {"product_id": "987654"}, "application/json")
    sold_out = guest.post(url, {"product_id": str(product.pk)}, "application/json")
    zero = guest.post(
        url, {"product_id": str(product.pk), "quantity": 0}, "application/json"
    )

    assert missing.status_code == 404
    assert sold_out.status_code == 400
    assert sold_out.json()["code"] == "out_of_stock"
    assert zero.status_code == 400
    assert "cart" not in guest.session


# --- Schema ------------------------------------------------------------------


def test_openapi_schema_builds_without_warnings():
    out = StringIO()

    call_command("spectacular", "--fail-on-warn", "--validate", stdout=out)

    schema = out.getvalue()
    assert "/ai-assist/api/chat/conversations/{conversation_id}/messages/" in schema
    assert "text/event-stream" in schema
