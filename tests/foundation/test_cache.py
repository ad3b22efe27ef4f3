"""helpdesk.cache: one redis client per pool, and still a working cache."""

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.redis


def test_one_client_per_pool_and_the_cache_still_works():
    backend = cache._cache
    assert backend.get_client(write=True) is backend.get_client(write=True)
    cache.set("cache-test", {"a": 1}, 5)
    assert cache.get("cache-test") == {"a": 1}
    assert cache.add("cache-test", 2, 5) is False
    cache.delete("cache-test")
