from unittest import mock

import pytest
from django.core.cache import cache

from core.ratelimit import Rate, hit, hit_in_order

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class TestRate:
    def test_it_parses_count_per_seconds(self):
        assert Rate.parse("5/300") == Rate(5, 300)

    def test_it_parses_a_list(self):
        assert Rate.parse_list(["1/60", "5/300"]) == [Rate(1, 60), Rate(5, 300)]

    @pytest.mark.parametrize("text", ["x/60", "5/0", "-1/60"])
    def test_it_rejects_bad_rates(self, text):
        with pytest.raises(ValueError):
            Rate.parse(text)


@pytest.fixture(params=["redis", "locmem"])
def backend(request, settings):
    """Every behaviour on both paths: Redis (one pipelined round trip) and the cache API."""
    if request.param == "locmem":
        settings.CACHES = LOCMEM
    cache.clear()
    return request.param


class TestHit:
    def test_it_allows_up_to_the_count_then_refuses(self, backend):
        rates = [Rate(2, 60)]
        assert [hit("sign", "ip1", rates) for _ in range(3)] == [True, True, False]

    def test_it_counts_keys_apart(self, backend):
        rates = [Rate(1, 60)]
        assert hit("sign", "ip1", rates)
        assert hit("sign", "ip2", rates)
        assert not hit("sign", "ip1", rates)

    def test_it_counts_scopes_apart(self, backend):
        rates = [Rate(1, 60)]
        assert hit("sign", "ip1", rates)
        assert hit("other", "ip1", rates)

    def test_it_refuses_when_any_rate_is_exceeded(self, backend):
        rates = [Rate(10, 60), Rate(1, 300)]
        assert hit("sign", "ip1", rates)
        assert not hit("sign", "ip1", rates)

    def test_it_starts_a_new_window_when_the_old_one_is_over(self, backend):
        rates = [Rate(1, 60)]
        with mock.patch("core.ratelimit.time.time", return_value=6000.0):
            assert hit("sign", "ip1", rates)
            assert not hit("sign", "ip1", rates)
        with mock.patch("core.ratelimit.time.time", return_value=6060.0):
            assert hit("sign", "ip1", rates)


class TestHitInOrder:
    def test_it_passes_when_every_check_passes(self, backend):
        checks = [("ip", "a", [Rate(1, 60)]), ("petition", 1, [Rate(2, 60)])]
        assert hit_in_order(*checks)
        assert not hit_in_order(*checks)

    def test_it_does_not_count_later_checks_once_one_failed(self, backend):
        assert hit_in_order(("ip", "a", [Rate(1, 60)]), ("petition", 1, [Rate(1, 60)]))
        # "a" is over its limit: the petition's allowance is not used up by it.
        assert not hit_in_order(("ip", "a", [Rate(1, 60)]), ("petition", 1, [Rate(1, 60)]))
        assert hit_in_order(("ip", "b", [Rate(1, 60)]), ("petition", 1, [Rate(2, 60)]))

    def test_it_counts_every_rate_of_the_failing_check(self, backend):
        rates = [Rate(0, 60), Rate(1, 300)]
        assert not hit_in_order(("ip", "a", rates))
        assert not hit("ip", "a", [Rate(1, 300)])  # the second rate counted the first event

    def test_it_fails_a_later_check_on_its_own(self, backend):
        checks = [("ip", "a", [Rate(5, 60)]), ("petition", 1, [Rate(0, 60)])]
        assert not hit_in_order(*checks)


class TestHitInRedis:
    def test_it_uses_one_round_trip_for_every_rate_of_every_check(self):
        client = cache._cache.get_client(write=True)
        checks = [("ip", "rt", [Rate(5, 60), Rate(10, 300)]), ("petition", 1, [Rate(20, 60)])]
        hit_in_order(*checks)  # Redis learns the script
        with mock.patch.object(client, "execute_command", wraps=client.execute_command) as command:
            hit_in_order(*checks)
        assert [call.args[0] for call in command.call_args_list] == ["EVALSHA"]

    def test_it_stores_counters_the_cache_api_reads_with_the_window_as_expiry(self):
        with mock.patch("core.ratelimit.time.time", return_value=1200.0):
            hit("sign", "ip-ttl", [Rate(5, 60)])
            hit("sign", "ip-ttl", [Rate(5, 60)])
        key = "ratelimit:sign:5/60:ip-ttl:20"
        assert cache.get(key) == 2
        ttl = cache._cache.get_client().ttl(cache.make_and_validate_key(key))
        assert 0 < ttl <= 61

    def test_it_does_not_extend_the_window_on_later_hits(self):
        key = cache.make_and_validate_key("ratelimit:sign:5/60:ip-nx:0")
        client = cache._cache.get_client(write=True)
        with mock.patch("core.ratelimit.time.time", return_value=30.0):
            hit("sign", "ip-nx", [Rate(5, 60)])
            client.expire(key, 7)
            hit("sign", "ip-nx", [Rate(5, 60)])
        assert client.ttl(key) <= 7


class TestFailOpen:
    def test_it_allows_when_redis_is_down(self):
        with mock.patch.object(cache._cache, "get_client", side_effect=ConnectionError("down")):
            assert hit("sign", "ip1", [Rate(0, 60)])

    def test_it_allows_when_the_cache_api_fails(self, settings):
        settings.CACHES = LOCMEM
        with mock.patch("core.ratelimit.cache.add", side_effect=ConnectionError("down")):
            assert hit("sign", "ip1", [Rate(0, 60)])
