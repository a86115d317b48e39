from django.test import override_settings

from ai_assist.conf import DEFAULTS, ai_settings


def test_defaults_apply_when_host_sets_nothing():
    assert ai_settings.MAX_MESSAGE_LENGTH == DEFAULTS["MAX_MESSAGE_LENGTH"]


def test_override_settings_is_seen_at_once():
    with override_settings(AI_ASSIST={"MAX_MESSAGE_LENGTH": 10}):
        assert ai_settings.MAX_MESSAGE_LENGTH == 10
    assert ai_settings.MAX_MESSAGE_LENGTH == DEFAULTS["MAX_MESSAGE_LENGTH"]


def test_nested_dicts_merge_one_level_deep():
    with override_settings(AI_ASSIST={"GENERATORS": {"openai": {"MODEL": "m"}}}):
        openai = ai_settings.GENERATORS["openai"]
        assert openai["MODEL"] == "m"
        assert openai["TIMEOUT"] == DEFAULTS["GENERATORS"]["openai"]["TIMEOUT"]
        assert "local" in ai_settings.GENERATORS


def test_unknown_setting_is_an_attribute_error():
    try:
        ai_settings.NOT_A_SETTING  # noqa: B018
    except AttributeError as exc:
        assert "NOT_A_SETTING" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
