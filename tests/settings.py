"""Test settings: the demo project on PostgreSQL and Redis, plus a second host."""

import os

from shop.settings import *  # noqa: F403

DATABASES = {
    "default": dj_database_url.parse(  # noqa: F405
        os.environ.get(
            "TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ai_assist"
        )
    )
}

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test{os.getpid()}",
    }
}

# Tests run tasks eagerly unless they start a real worker (marker "worker").
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = True

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testhost"]  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
