"""Fixed-window rate limits counted in the cache (Redis in production: atomic INCR)."""

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)


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
    now = int(time.time())
    allowed = True
    for rate in rates:
        window = now // rate.seconds
        cache_key = f"ratelimit:{scope}:{rate.count}/{rate.seconds}:{key}:{window}"
        try:
            added = cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1 if added else cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
        except Exception:
            logger.warning("rate limit %s not enforced: cache unavailable", scope, exc_info=True)
            return True
        if count > rate.count:
            allowed = False
    return allowed
