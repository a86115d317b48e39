"""
Reply generators, chosen in settings like Django's ``CACHES``::

    AI_ASSIST = {
        "GENERATOR": "openai",
        "GENERATORS": {"openai": {"BASE_URL": "http://127.0.0.1:11434/v1",
                                  "MODEL": "llama3.2"}},
    }

``get_generator()`` returns one instance per alias and process; a model
behind it loads on first use, never at import.
"""

import threading

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from ..conf import ai_settings
from .base import Generator, GeneratorError

__all__ = ["Generator", "GeneratorError", "get_generator", "reset_generators"]

_instances = {}
_lock = threading.Lock()


def get_generator(alias=None):
    """Return the process-wide generator for ``alias`` (default: GENERATOR)."""
    alias = alias or ai_settings.GENERATOR
    with _lock:
        if alias not in _instances:
            options = ai_settings.GENERATORS.get(alias)
            if not options or "BACKEND" not in options:
                raise ImproperlyConfigured(
                    f"AI_ASSIST['GENERATORS'] has no backend for {alias!r}."
                )
            backend = import_string(options["BACKEND"])
            _instances[alias] = backend(alias, options)
        return _instances[alias]


def reset_generators():
    """Forget every generator instance (tests swap them through settings)."""
    with _lock:
        _instances.clear()


def _reset(*, setting, **kwargs):
    if setting == "AI_ASSIST":
        reset_generators()


setting_changed.connect(_reset)
