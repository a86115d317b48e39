"""manage.py ai_assist_chat: one question in, the reply as JSON out."""

import json
import os

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

import pytest

from ai_assist.models import Conversation, Message

# The command waits for the reply task, which runs on its own thread and
# database connection, so the rows it reads must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def chat_settings(settings):
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "ai_assist.testing.chat.product_reply",
        "CHAT_EAGER_THREAD": True,
        "CHAT_STREAM_PREFIX": f"test{os.getpid()}:chat",
        "CHAT_STREAM_TIMEOUT": 20,
    }


def test_prints_only_the_reply_as_json_on_stdout(capfd):
    call_command("ai_assist_chat", "do you have a red lunch bag?")

    out, err = capfd.readouterr()
    reply = json.loads(out)
    assert reply["text"] == "Here is what I found."
    assert reply["intent"] == "product_search"
    assert reply["cards"][0]["title"] == "Red lunch bag"
    assert reply["orders"] == []
    assert reply["handoff"] is False
    assert set(reply) >= {"text", "intent", "language", "cards", "orders"}
    message = Message.objects.get(role="user")
    assert message.text == "do you have a red lunch bag?"
    assert message.conversation.user is None


def test_asks_as_a_user_in_the_language_given(capfd, settings):
    # echo_reply answers in the language hint it was given.
    settings.AI_ASSIST = {
        **settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "ai_assist.testing.chat.echo_reply",
    }
    user = get_user_model().objects.create_user("ann", password="pw")

    call_command(
        "ai_assist_chat", "我的订单在哪里", "--user", "ann", "--lang", "zh-hans"
    )

    reply = json.loads(capfd.readouterr().out)
    assert reply["language"] == "zh-hans"
    assert reply["text"] == "You said: 我的订单在哪里"
    conversation = Conversation.objects.get()
    assert conversation.user == user
    assert conversation.language == "zh-hans"


def test_unknown_user_and_empty_message_are_readable_errors():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("ai_assist_chat", "hello", "--user", "nobody")
    with pytest.raises(CommandError, match="Please type a message"):
        call_command("ai_assist_chat", "   ")
    assert not Conversation.objects.exists()
