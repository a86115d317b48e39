"""
Stand-in reply builders for testing the chat without loading any model.

Point ``AI_ASSIST["CHAT_REPLY_BUILDER"]`` at one of these::

    @override_settings(AI_ASSIST={**settings.AI_ASSIST,
        "CHAT_REPLY_BUILDER": "ai_assist.testing.chat.echo_reply"})

Each takes the arguments of ``ai_assist.chat.replies.build_reply`` and
returns a :class:`FakeReply` with the same attributes as the real reply.
"""

import time
from dataclasses import dataclass, field


@dataclass
class FakeReply:
    """Has the attributes the chat services read from a real reply."""

    text: str
    intent: str = "smalltalk"
    language: str = "en"
    cards: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    handoff: bool = False
    grounded: bool = True
    backend: str = "fake"
    timings: dict = field(default_factory=dict)


def _stream(text, on_token, delay=0.0):
    for index, word in enumerate(text.split(" ")):
        if delay:
            time.sleep(delay)
        if on_token is not None:
            on_token(word if index == 0 else " " + word)


def echo_reply(text, *, context, on_token=None):
    """Stream back "You said: <text>" word by word."""
    reply = f"You said: {text}"
    _stream(reply, on_token)
    return FakeReply(text=reply, language=context.language or "en")


def slow_echo_reply(text, *, context, on_token=None):
    """Like :func:`echo_reply`, with 50 ms between words (streaming tests)."""
    reply = f"You said: {text}"
    _stream(reply, on_token, delay=0.05)
    return FakeReply(text=reply, language=context.language or "en")


def markup_reply(text, *, context, on_token=None):
    """A reply holding HTML, which every client must show as plain text."""
    reply = '<img src=x onerror="alert(1)"><b>bold</b> & <script>x()</script>'
    _stream(reply, on_token)
    return FakeReply(text=reply)


def product_reply(text, *, context, on_token=None):
    """A product-search reply with one product card and a hand-off flag off."""
    reply = "Here is what I found."
    _stream(reply, on_token)
    card = {
        "type": "product",
        "id": "1",
        "title": "Red lunch bag",
        "price": "4.50",
        "currency": "GBP",
        "url": "/product/1/",
        "image_url": "",
        "in_stock": True,
    }
    return FakeReply(text=reply, intent="product_search", cards=[card])


def handoff_reply(text, *, context, on_token=None):
    """A reply that asks for staff."""
    reply = "I have asked a colleague to contact you."
    _stream(reply, on_token)
    return FakeReply(text=reply, intent="human_handoff", handoff=True)


def failing_reply(text, *, context, on_token=None):
    """Fail after the first token, as a crashing model would."""
    if on_token is not None:
        on_token("Partial")
    raise RuntimeError("the generator broke")
