"""Django's Redis cache, reusing one client per connection pool.

Django builds a new ``redis.Redis`` for every cache call and redis-py rebuilds its table of
response callbacks each time (redis-py issue #3624): about 0.2 ms per call, as much as a
whole bare Django view here. ``redis.Redis`` objects are thread-safe (connections come from
the pool), so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
