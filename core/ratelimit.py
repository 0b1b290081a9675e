"""Fixed-window rate limits counted in the cache (Redis in production: atomic INCR)."""

import logging
import time
from dataclasses import dataclass

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Counts the checks' windows in order and stops after the first check over its limit, so
# later checks are not used up; returns that check's number (1-based), or 0 when all pass.
# KEYS: one counter per rate; ARGV: per key its limit, lifetime and check number.
# EXPIRE NX (Redis >= 7) sets the lifetime only on a new counter: later hits never extend
# the window. A script is atomic and one round trip for every rate of every check.
COUNT_SCRIPT = """
local failed = 0
for i, key in ipairs(KEYS) do
    local check = tonumber(ARGV[3 * i])
    if failed > 0 and check > failed then
        return failed
    end
    local count = redis.call('INCR', key)
    redis.call('EXPIRE', key, ARGV[3 * i - 1], 'NX')
    if count > tonumber(ARGV[3 * i - 2]) and failed == 0 then
        failed = check
    end
end
return failed
"""


@dataclass(frozen=True)
class Rate:
    """``count`` events per ``seconds``, parsed from "5/300" (five per five minutes)."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text):
        count, _, seconds = str(text).partition("/")
        rate = cls(int(count), int(seconds or 60))
        if rate.count < 0 or rate.seconds <= 0:
            raise ValueError(f"bad rate {text!r}: use count/seconds, e.g. 5/300")
        return rate

    @classmethod
    def parse_list(cls, texts):
        return [cls.parse(text) for text in texts]


def hit(scope, key, rates):
    """Count one event for ``(scope, key)``; True when it is within every rate.

    If the cache is unreachable the limit fails *open* (the event is allowed and logged):
    refusing every supporter because Redis is down would do more harm than a burst.
    """
    return hit_in_order((scope, key, rates))


def hit_in_order(*checks):
    """Count one event for each ``(scope, key, rates)`` check in turn, like ``hit()`` for
    each, stopping after the first check that is over a rate (the later ones are not
    counted); True when every check passed. Fails open like ``hit()``.
    """
    now = int(time.time())
    counters = [
        [
            (rate, f"ratelimit:{scope}:{rate.count}/{rate.seconds}:{key}:{now // rate.seconds}")
            for rate in rates
        ]
        for scope, key, rates in checks
    ]
    backend = caches[DEFAULT_CACHE_ALIAS]
    try:
        if isinstance(backend, RedisCache):
            return _count_in_redis(backend, counters)
        return all(_within(check) for check in counters)  # all() stops at the first False
    except Exception:
        scopes = ", ".join(scope for scope, _key, _rates in checks)
        logger.warning("rate limit %s not enforced: cache unavailable", scopes, exc_info=True)
        return True


def _count_in_redis(backend, counters):
    """Every counter of every check in one round trip (``COUNT_SCRIPT``).

    Django's ``add`` + ``incr`` take up to three round trips per rate (SET NX, then EXISTS and
    INCRBY), each about as long as a bare view. The keys and stored integers are Django's,
    so ``cache.get`` still reads these counters.
    """
    keys, args = [], []
    for number, check in enumerate(counters, 1):
        for rate, cache_key in check:
            keys.append(backend.make_and_validate_key(cache_key))
            args += [rate.count, rate.seconds + 1, number]
    if not keys:
        return True
    client = backend._cache.get_client(write=True)
    # EVALSHA, and EVAL only when Redis does not know the script yet.
    return client.register_script(COUNT_SCRIPT)(keys=keys, args=args, client=client) == 0


def _within(check):
    """The portable path (LocMem in local runs): add, else incr, for each rate of a check."""
    allowed = True
    for rate, cache_key in check:
        try:
            added = cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1 if added else cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
        allowed = allowed and count <= rate.count
    return allowed
