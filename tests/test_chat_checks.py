"""System checks of the chat setup."""

from django.core.checks import run_checks

import pytest

pytestmark = pytest.mark.django_db


def chat_ids():
    chat = {"ai_assist.E020", "ai_assist.W020"}
    return {m.id for m in run_checks(tags=["ai_assist"])} & chat


def test_default_chat_setup_passes():
    assert chat_ids() == set()


def test_unimportable_reply_builder_is_e020(settings):
    settings.AI_ASSIST = {**settings.AI_ASSIST, "CHAT_REPLY_BUILDER": "no.such.f"}

    assert chat_ids() == {"ai_assist.E020"}


def test_workers_without_a_redis_stream_are_w020(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # keeps the broker check quiet
    settings.AI_ASSIST = {**settings.AI_ASSIST, "CHAT_STREAM_URL": ""}
    assert chat_ids() == set()  # eager: the in-process stream is enough

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"

    assert chat_ids() == {"ai_assist.W020"}
