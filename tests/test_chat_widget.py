"""The chat widget: its tag, template and script."""

import json
import os
import re
import shutil
import subprocess
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


JS_MODULES = Path(__file__).parent.parent / "var" / "js" / "node_modules"


@pytest.mark.django_db
@pytest.mark.skipif(
    shutil.which("node") is None or not (JS_MODULES / "jsdom").exists(),
    reason="needs node and jsdom (npm install --prefix var/js jsdom)",
)
def test_widget_script_streams_cards_and_keyboard_in_a_browser_dom(tmp_path):
    html, _ = render({"product": FakeProduct()})
    widget = tmp_path / "widget.html"
    widget.write_text(html)
    check = Path(__file__).parent / "js" / "chat_widget_check.js"

    run = subprocess.run(
        ["node", str(check), str(widget), str(STATIC / "chat.js")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NODE_PATH": str(JS_MODULES)},
    )
    seen = json.loads(run.stdout or "{}")
    assert seen, run.stderr[-2000:]

    markup = '<img src=x onerror="alert(1)"><b>bold</b>'
    assert "crashed" not in seen, seen.get("crashed")
    assert seen["openedPanel"] and seen["focusOnInput"]
    assert seen["expanded"] == "true"
    assert seen["posts"][0] == ["POST", "/ai-assist/api/chat/conversations/"]
    assert seen["csrfHeader"] == "cookie-token"
    assert seen["postedBody"] == {"text": markup, "page_product_id": "7"}
    assert seen["storedConversation"] == "c1"
    assert seen["streamedText"] == "<b>Hello</b>"
    assert seen["sourceClosed"]
    # Markup from the shopper, the stream and the cards stays text.
    assert seen["userText"] == markup
    assert seen["finalText"] == markup
    assert seen["injectedElements"] == 0
    assert seen["cardTitle"] == "<i>Red</i> bag"
    assert not seen["cardTitleIsLink"]  # a javascript: URL is dropped
    assert seen["cardPrice"] == "£4.50"
    assert seen["announced"] == f"Assistant: {markup}"
    assert seen["cartCall"] == [
        "POST",
        "/ai-assist/api/chat/cart/",
        {"product_id": "3", "quantity": 1},
    ]
    assert seen["cartButton"] == "Added to cart"
    assert seen["polledText"] == f"polled {markup}"
    assert seen["afterTimeoutText"] == "late reply"
    assert seen["openBeforeLink"] == "1"
    assert seen["openAfterLink"] is None
    assert seen["closedByEscape"] and seen["focusBackOnLauncher"]
