from django.core.cache import cache, caches

from core.cache import RedisCache


class TestRedisCache:
    """`make test` runs with REDIS_URL, so the default cache is the real Redis."""

    def test_it_is_the_configured_backend(self):
        assert isinstance(caches["default"], RedisCache)

    def test_it_reuses_one_client_per_pool(self):
        client = cache._cache.get_client("a")
        assert cache._cache.get_client("b") is client

    def test_it_still_stores_reads_and_counts(self):
        cache.set("core-cache-test", {"n": 1}, 30)
        assert cache.get("core-cache-test") == {"n": 1}
        assert cache.add("core-cache-counter", 1, 30)
        assert cache.incr("core-cache-counter") == 2
