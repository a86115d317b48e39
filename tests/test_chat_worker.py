"""A reply end to end: posted over HTTP, written by a task, streamed back.

Two paths: a real Celery worker reading the real Redis broker (the
production shape), and the broker-less eager mode where the same task runs
in a background thread of the web process. Both need committed rows, since
the task runs on another thread with its own database connection.
"""

import os
import time
import uuid

from django.test import Client

import pytest

from ai_assist.models import Message
from ai_assist.tasks import generate_reply
from tests.test_chat_api import START_URL, read_events


@pytest.fixture
def chat_settings(settings):
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "ai_assist.testing.chat.slow_echo_reply",
        "CHAT_STREAM_PREFIX": f"test{os.getpid()}:chat",
        "CHAT_STREAM_TIMEOUT": 30,
    }
    return settings


def converse(client, text):
    """Start a conversation, post ``text``; return the 202 body and its time."""
    response = client.post(START_URL, {}, content_type="application/json")
    url = f"{START_URL}{response.json()['id']}/messages/"
    started = time.perf_counter()
    response = client.post(url, {"text": text}, content_type="application/json")
    elapsed = time.perf_counter() - started
    assert response.status_code == 202, response.content
    return response.json(), elapsed


def assert_streamed_then_done(client, body, text):
    events = [e for e in read_events(client.get(body["stream_url"])) if e[0]]
    names = [name for name, _ in events]
    tokens = "".join(data["text"] for name, data in events if name == "token")

    assert names[-1] == "done", events[-1]
    assert "token" in names
    assert tokens == f"You said: {text}"
    assert events[-1][1]["reply"]["text"] == f"You said: {text}"
    reply = Message.objects.get(reply_to_id=body["message_id"])
    assert reply.status == "done"
    assert reply.timings["first_token_ms"] <= reply.timings["total_ms"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reply_streams_from_a_real_celery_worker_through_redis(
    chat_settings, monkeypatch
):
    from celery.contrib.testing.worker import start_worker

    from shop.celery import app

    # Tasks go to the broker; a queue of our own keeps other test runs
    # sharing this Redis from taking the task.
    queue = f"test-interactive-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(generate_reply, "queue", queue)
    # Celery caches a task's send options (queue included) on first use.
    monkeypatch.setattr(generate_reply, "_exec_options", None)
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        assert app.conf.broker_url.startswith("redis://")
        with start_worker(
            app,
            pool="solo",
            queues=[queue],
            perform_ping_check=False,
            shutdown_timeout=10,
        ):
            client = Client()
            body, _ = converse(client, "hello from the worker")
            assert_streamed_then_done(client, body, "hello from the worker")
    finally:
        app.conf.task_always_eager = was_eager


@pytest.mark.django_db(transaction=True)
def test_eager_mode_answers_at_once_and_streams_from_a_thread(chat_settings):
    chat_settings.AI_ASSIST = {
        **chat_settings.AI_ASSIST,
        "CHAT_EAGER_THREAD": True,
        "CHAT_STREAM_URL": "",  # no Redis: the in-process channel
    }
    client = Client()

    body, elapsed = converse(client, "hello in process")

    # The fake writer takes about 150 ms; the post did not wait for it.
    assert elapsed < 0.15
    assert not Message.objects.filter(
        reply_to_id=body["message_id"], status="done"
    ).exists()
    assert_streamed_then_done(client, body, "hello in process")
