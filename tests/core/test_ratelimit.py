from unittest import mock

import pytest

from core.ratelimit import Rate, hit


class TestRate:
    def test_it_parses_count_per_seconds(self):
        assert Rate.parse("5/300") == Rate(5, 300)

    def test_it_parses_a_list(self):
        assert Rate.parse_list(["1/60", "5/300"]) == [Rate(1, 60), Rate(5, 300)]


class TestHit:
    def test_it_allows_up_to_the_count_then_refuses(self):
        rates = [Rate(2, 60)]
        assert [hit("sign", "ip1", rates) for _ in range(3)] == [True, True, False]

    def test_it_counts_keys_apart(self):
        rates = [Rate(1, 60)]
        assert hit("sign", "ip1", rates)
        assert hit("sign", "ip2", rates)
        assert not hit("sign", "ip1", rates)

    def test_it_refuses_when_any_rate_is_exceeded(self):
        rates = [Rate(10, 60), Rate(1, 300)]
        assert hit("sign", "ip1", rates)
        assert not hit("sign", "ip1", rates)

    def test_it_fails_open_when_the_cache_is_down(self):
        with mock.patch("core.ratelimit.cache.add", side_effect=ConnectionError("down")):
            assert hit("sign", "ip1", [Rate(0, 60)])

    @pytest.mark.parametrize("text", ["x/60", "5/0", "-1/60"])
    def test_it_rejects_bad_rates(self, text):
        with pytest.raises(ValueError):
            Rate.parse(text)
