import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the suite shares one Redis).

    Only this process's keys are deleted (the cache's KEY_PREFIX holds the
    pid): a FLUSHDB would also wipe the broker queues and reply streams of
    test runs going on beside this one in the same Redis database.
    """
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield
