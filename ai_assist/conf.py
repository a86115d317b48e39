"""
The ``AI_ASSIST`` settings dict, read through one object.

A host project sets only the keys it wants to change::

    AI_ASSIST = {
        "STORE_ADAPTER": "ai_assist.adapters.ModelStoreAdapter",
        "PRODUCT_MODEL": "shop.Product",
    }

Everything else falls back to ``DEFAULTS`` below, where each key is
documented next to its default. Read values as attributes of
``ai_settings`` (``ai_settings.PRODUCT_MODEL``); the object notices
``override_settings`` in tests through the ``setting_changed`` signal.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

DEFAULTS = {
    # --- The host store -------------------------------------------------
    # Dotted path to the StoreAdapter subclass that reads the host store.
    # The default maps the models named below through FIELD_MAP.
    "STORE_ADAPTER": "ai_assist.adapters.ModelStoreAdapter",
    # Model labels ("app_label.ModelName") of the host's catalogue and
    # orders. ORDER_LINE_MODEL's rows point at an order and a product.
    "PRODUCT_MODEL": "shop.Product",
    "ORDER_MODEL": "shop.Order",
    "ORDER_LINE_MODEL": "shop.OrderLine",
    # How our names map onto the host's field names. Only the keys that
    # differ need to be given; a value may follow relations with "__"
    # ("category__name"). A value of None means the host has no such field.
    "FIELD_MAP": {},
    # Where the session cart lives: the session key holding a dict of
    # {product_id: quantity}. Stores with a cart model override get_cart().
    "CART_SESSION_KEY": "cart",
    # Currency used when a product does not name its own.
    "DEFAULT_CURRENCY": "GBP",
    # --- Models and where they are cached -------------------------------
    # Writable folder for converted model weights (safetensors copies of
    # the packaged GGUF files). Defaults to <BASE_DIR>/var/models.
    "MODEL_CACHE_DIR": None,
    # Sentence embedder for the catalogue, knowledge and intents:
    # "minilm" (English, all-MiniLM-L6-v2), "e5" (multilingual-e5-small,
    # for stores with non-English text) or a dotted path to an Embedder.
    "EMBEDDER": "minilm",
    # Embedder for text that is not English (chat messages in Chinese).
    "MULTILINGUAL_EMBEDDER": "e5",
    # Threads each worker process gives torch and the e5 engine.
    "TORCH_THREADS": 2,
    # --- Chat ------------------------------------------------------------
    # Reply generator: an alias into GENERATORS.
    "GENERATOR": "local",
    # Generator backends, shaped like Django's CACHES: alias -> BACKEND
    # (dotted path) plus that backend's options.
    "GENERATORS": {
        "local": {
            "BACKEND": "ai_assist.llm.local.LocalGenerator",
            "MAX_NEW_TOKENS": 60,
            # Intents whose replies the model may phrase (see
            # ai_assist.chat.replies.PHRASING; absent: all of them).
            # SmolLM2-135M writes usable small talk but rarely a usable
            # opener, and every try costs a second or more on 2 cores.
            "PHRASE_INTENTS": ["smalltalk"],
        },
        "openai": {
            "BACKEND": "ai_assist.llm.openai.OpenAIGenerator",
            "BASE_URL": "https://api.openai.com/v1",
            "MODEL": "gpt-4o-mini",
            # Name of the environment variable holding the key; the key
            # itself never goes into settings.
            "API_KEY_ENV": "OPENAI_API_KEY",
            "TIMEOUT": 20,
            "MAX_RETRIES": 2,
        },
        "templates": {"BACKEND": "ai_assist.llm.templates.TemplateGenerator"},
    },
    # Longest message a shopper may send, in characters.
    "MAX_MESSAGE_LENGTH": 2000,
    # Messages one session may send per minute before getting a 429.
    "MESSAGES_PER_MINUTE": 12,
    # Where staff hand-offs are promised to reach the shopper.
    "SUPPORT_EMAIL": "support@example.com",
    "SUPPORT_HOURS": "Monday to Friday, 9:00 to 17:00",
    # Extra CSV files (text,intent[,language]) of example phrases for the
    # intent router, read after the packaged ones in ai_assist/data/intents.
    "INTENT_EXAMPLE_FILES": [],
    # --- Chat transport --------------------------------------------------
    # Dotted path to the function that writes a reply; tests and hosts may
    # swap it. Called as f(text, *, context=ReplyContext, on_token=None).
    "CHAT_REPLY_BUILDER": "ai_assist.chat.replies.build_reply",
    # Redis URL that carries streamed tokens from workers to the SSE view.
    # None: the Celery broker's URL when that is Redis, otherwise an
    # in-process channel (enough when tasks run eagerly in the web process).
    "CHAT_STREAM_URL": None,
    # Prefix of the Redis keys and channels of reply streams; give each site
    # sharing one Redis its own.
    "CHAT_STREAM_PREFIX": "ai_assist:chat",
    # Seconds the streamed events of a reply stay in Redis for replay.
    "CHAT_STREAM_TTL": 600,
    # Seconds between SSE keep-alive comments, so proxies keep it open.
    "CHAT_STREAM_KEEPALIVE": 10,
    # Seconds the SSE view waits for a reply before giving up with an error
    # (the widget then polls). A cold worker's first reply loads every model.
    "CHAT_STREAM_TIMEOUT": 300,
    # Without a broker (CELERY_TASK_ALWAYS_EAGER) run the reply task in a
    # background thread after commit, so posting still answers at once.
    # False runs it inline before the response (tests, scripts).
    "CHAT_EAGER_THREAD": True,
    # How many earlier messages of the conversation the reply builder sees.
    "CHAT_HISTORY_MESSAGES": 12,
    # Guest order look-ups one conversation may try per minute.
    "ORDER_LOOKUPS_PER_MINUTE": 5,
    # --- Recommendations -------------------------------------------------
    # Leave out-of-stock products out of every list.
    "HIDE_OUT_OF_STOCK": True,
    # Leave out what the customer already bought in "for_you".
    "HIDE_PURCHASED": False,
    # How many neighbours to precompute per product and signal.
    "NEIGHBOURS": 50,
    # Seconds a precomputed list stays in the cache.
    "RECOMMENDATION_CACHE_TIMEOUT": 3600,
    # Half-life in days of the trending score.
    "TRENDING_HALF_LIFE_DAYS": 7,
    # How many products the stored trending list keeps.
    "TRENDING_ITEMS": 200,
    # How much each signal counts in "for_you": co_customer (what buyers of
    # an item bought with it or later), co_purchase (same order), content
    # (similar text) and trending. Each signal is scaled to a maximum of 1
    # before weighting. Keys given here replace the ranker's defaults.
    "RECOMMENDATION_WEIGHTS": {},
    # Days after a click within which an order of the product counts as
    # converted by the widget.
    "ATTRIBUTION_DAYS": 7,
    # --- Banners ---------------------------------------------------------
    # Copy writer: an alias into COPYWRITERS.
    "COPYWRITER": "local",
    "COPYWRITERS": {
        "local": {"BACKEND": "ai_assist.banners.copy.LocalCopywriter"},
        "openai": {
            "BACKEND": "ai_assist.banners.copy.OpenAICopywriter",
            "BASE_URL": "https://api.openai.com/v1",
            "MODEL": "gpt-4o-mini",
            "API_KEY_ENV": "OPENAI_API_KEY",
            "TIMEOUT": 30,
            "MAX_RETRIES": 2,
        },
        "templates": {"BACKEND": "ai_assist.banners.copy.TemplateCopywriter"},
    },
    # Dotted path to the image renderer; swap in a diffusion backend here.
    "BANNER_RENDERER": "ai_assist.banners.render.PillowRenderer",
    # Longest text per copy field, in characters.
    "COPY_LIMITS": {"headline": 30, "description": 90, "cta": 15},
    # Font files for banner text; None picks a bundled or system font.
    "BANNER_FONT": None,
    "BANNER_CJK_FONT": None,
    # "PNG" or "WEBP".
    "BANNER_FORMAT": "PNG",
    # Largest product photo or logo an owner may upload, in bytes.
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    # Seconds one variant's generation (copy and every size) may take in
    # the worker before it is stopped and marked failed.
    "BANNER_TIME_LIMIT": 300,
    # Without a broker (CELERY_TASK_ALWAYS_EAGER) generate banners one at a
    # time in a background thread after commit, so the admin answers at
    # once and shows progress. False runs them inline (tests, scripts).
    "BANNER_EAGER_THREAD": True,
    # Sizes a storefront slot prefers, best first: the slot tag shows the
    # first size a live variant has (and a square one on small screens).
    "BANNER_SLOT_SIZES": {
        "home_hero": ["1920x600", "1200x628", "728x90"],
        "category_top": ["1920x600", "728x90", "1200x628"],
    },
    # --- Celery ----------------------------------------------------------
    # Queue names for latency-bound work (chat) and bulk work (indexing,
    # banners). Route them to separate workers in production.
    "INTERACTIVE_QUEUE": "ai_assist.interactive",
    "BATCH_QUEUE": "ai_assist.batch",
}

# Keys whose value is a dotted path to import.
IMPORT_STRINGS = {"STORE_ADAPTER", "BANNER_RENDERER"}


class AISettings:
    """Attribute access to ``AI_ASSIST`` merged over ``DEFAULTS``."""

    def __init__(self, defaults=None):
        self.defaults = defaults or DEFAULTS
        self._cached = set()

    @property
    def user_settings(self):
        if not hasattr(self, "_user_settings"):
            self._user_settings = getattr(settings, "AI_ASSIST", {}) or {}
        return self._user_settings

    def __getattr__(self, name):
        if name not in self.defaults:
            raise AttributeError(f"Unknown AI_ASSIST setting: {name!r}")
        value = self.user_settings.get(name, self.defaults[name])
        if isinstance(self.defaults[name], dict) and isinstance(value, dict):
            # Nested dicts merge one level deep, so a host can change one
            # generator's option without restating the rest.
            merged = dict(self.defaults[name])
            for key, item in value.items():
                base = merged.get(key)
                if isinstance(base, dict) and isinstance(item, dict):
                    merged[key] = {**base, **item}
                else:
                    merged[key] = item
            value = merged
        self._cached.add(name)
        setattr(self, name, value)
        return value

    def import_class(self, name):
        """Import the dotted path stored under setting ``name``."""
        return import_string(getattr(self, name))

    @property
    def model_cache_dir(self):
        """The folder for converted model weights, created on first use."""
        path = self.MODEL_CACHE_DIR
        if path is None:
            base = getattr(settings, "BASE_DIR", None) or os.getcwd()
            path = Path(base) / "var" / "models"
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def reload(self):
        for name in self._cached:
            delattr(self, name)
        self._cached.clear()
        if hasattr(self, "_user_settings"):
            delattr(self, "_user_settings")


ai_settings = AISettings()


def _reload(*, setting, **kwargs):
    if setting == "AI_ASSIST":
        ai_settings.reload()


setting_changed.connect(_reload)
