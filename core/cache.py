"""Django's Redis cache, reusing one client per connection pool, and failing open.

Django builds a new ``redis.Redis`` for every cache call and redis-py rebuilds its table of
response callbacks each time (redis-py issue #3624): about 0.2 ms per call, as much as a
whole bare Django view here. ``redis.Redis`` objects are thread-safe (connections come from
the pool), so one per pool is enough.

The cache only ever holds copies (pages, counts, lookups), so an unreachable Redis must not
take the site down: while it is unreachable every read is a miss and every write is dropped,
and the pages are served from PostgreSQL. See ``ReusingRedisCacheClient`` for the details.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure the process stops asking Redis for this long: with a black-holed server
# every call would otherwise wait for the socket timeout.
RETRY_AFTER_SECONDS = 5.0


def _fail_open(method, answer):
    """``method``, answering ``answer(*args)`` instead when Redis is unreachable."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        if time.monotonic() < self._retry_at:
            return answer(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE:
            self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "cache: Redis unreachable, serving without it for %ss",
                RETRY_AFTER_SECONDS,
                exc_info=True,
            )
            return answer(*args, **kwargs)

    return wrapper


class ReusingRedisCacheClient(RedisCacheClient):
    """One ``redis.Redis`` per pool; reads miss and writes are dropped while Redis is down.

    ``add()`` answers True (the caller goes ahead as if it had stored the key), so locks and
    debounces built on it fail open too. ``incr()`` is the exception: a counter cannot be
    made up, so it raises and its caller decides (``core.ratelimit`` lets the event through).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._retry_at = 0.0

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client

    add = _fail_open(RedisCacheClient.add, lambda key, value, timeout: True)
    get = _fail_open(RedisCacheClient.get, lambda key, default: default)
    set = _fail_open(RedisCacheClient.set, lambda key, value, timeout: None)
    touch = _fail_open(RedisCacheClient.touch, lambda key, timeout: False)
    delete = _fail_open(RedisCacheClient.delete, lambda key: False)
    get_many = _fail_open(RedisCacheClient.get_many, lambda keys: {})
    has_key = _fail_open(RedisCacheClient.has_key, lambda key: False)
    set_many = _fail_open(RedisCacheClient.set_many, lambda data, timeout: None)
    delete_many = _fail_open(RedisCacheClient.delete_many, lambda keys: None)
    clear = _fail_open(RedisCacheClient.clear, lambda: False)


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
