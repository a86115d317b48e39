"""The conversation admin: filters, transcript and the hand-off queue."""

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

import pytest

from ai_assist.models import Conversation, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def chats():
    """One plain conversation, one failed, one waiting for staff."""
    plain = Conversation.objects.create(session_key="s1")
    Message.objects.create(
        conversation=plain, role="user", text="hello", intent="smalltalk"
    )
    failed = Conversation.objects.create(session_key="s2")
    asked = Message.objects.create(
        conversation=failed, role="user", text="where is it", intent="order_status"
    )
    Message.objects.create(
        conversation=failed,
        role="assistant",
        reply_to=asked,
        status="failed",
        failure_reason="RuntimeError: boom",
    )
    waiting = Conversation.objects.create(session_key="s3")
    waiting.request_handoff(note="call me")
    return {"plain": plain, "failed": failed, "waiting": waiting}


def listed(response):
    return {str(c.public_id) for c in response.context["cl"].result_list}


def test_conversations_filter_by_intent_failure_and_handoff(staff, chats):
    url = reverse("admin:ai_assist_conversation_changelist")

    by_intent = staff.get(url, {"intent": "order_status"})
    failed = staff.get(url, {"failed": "yes"})
    handoff = staff.get(url, {"handoff_requested__exact": "1"})

    assert listed(by_intent) == {str(chats["failed"].public_id)}
    assert listed(failed) == {str(chats["failed"].public_id)}
    assert listed(handoff) == {str(chats["waiting"].public_id)}


def test_transcript_is_shown_read_only(staff, chats):
    url = reverse("admin:ai_assist_conversation_change", args=[chats["failed"].pk])

    response = staff.get(url)

    assert response.status_code == 200
    assert b"where is it" in response.content
    assert b"RuntimeError: boom" in response.content
    assert b'name="messages-0-text"' not in response.content


def test_handoff_queue_lists_waiting_and_marks_them_handled(staff, chats):
    url = reverse("admin:ai_assist_handoffconversation_changelist")

    before = staff.get(url)
    done = staff.post(
        url,
        {"action": "mark_handled", "_selected_action": [chats["waiting"].pk]},
        follow=True,
    )
    after = staff.get(url)

    assert listed(before) == {str(chats["waiting"].public_id)}
    assert b"1 hand-off marked as handled." in done.content
    assert listed(after) == set()
    chats["waiting"].refresh_from_db()
    assert chats["waiting"].handoff_handled_at is not None
