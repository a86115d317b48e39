"""The chat widget: its tag, template and script."""

import json
import re
from pathlib import Path

from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

import pytest

import ai_assist

STATIC = Path(ai_assist.__file__).parent / "static" / "ai_assist"


def render(context=None, *, user=None):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/product/7/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    template = Template("{% load ai_assist %}{% ai_assist_chat %}")
    return template.render(Context({"request": request, **(context or {})})), request


class FakeProduct:
    pk = 7


@pytest.mark.django_db
def test_widget_renders_with_api_urls_csrf_and_page_product():
    html, request = render({"product": FakeProduct()})

    assert 'data-conversations-url="/ai-assist/api/chat/conversations/"' in html
    assert 'data-cart-url="/ai-assist/api/chat/cart/"' in html
    assert 'data-product-id="7"' in html
    assert 'data-signed-in="false"' in html
    assert "ai_assist/chat.js" in html and "ai_assist/chat.css" in html
    token = re.search(r'data-csrf-token="([^"]+)"', html).group(1)
    assert token and request.META.get("CSRF_COOKIE")
    assert 'aria-live="polite"' in html
    assert "data-ai-lookup-form" in html  # guests can look up an order


@pytest.mark.django_db
def test_widget_strings_follow_the_active_language():
    with translation.override("zh-hans"):
        html, _ = render()

    strings = json.loads(
        re.search(
            r'id="ai-assist-chat-strings" type="application/json">(.*?)</script>',
            html,
            re.S,
        ).group(1)
    )
    assert 'data-language="zh-hans"' in html
    assert strings["send"] == "发送"


def test_script_never_inserts_text_as_html():
    script = (STATIC / "chat.js").read_text()

    for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"]:
        assert sink not in script, sink
    assert "eval(" not in script
    # Text from the server reaches the page through textContent.
    assert "textContent = text" in script
    assert "reply.bubble.textContent = message.text" in script


def test_script_sends_the_csrf_token_and_falls_back_to_polling():
    script = (STATIC / "chat.js").read_text()

    assert '"X-CSRFToken"' in script
    assert "new EventSource(" in script
    assert "self.poll(reply, 0)" in script
