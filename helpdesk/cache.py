"""Django's Redis cache with one client object per connection pool.

Django 5.2's RedisCacheClient builds a new `redis.Redis` for every cache call; redis-py 8 fills
~170 response callbacks in each constructor, which cost about 0.3 ms of CPU per call here (six
calls per new ticket). A `redis.Redis` is thread-safe and only wraps its pool, so one per pool
is enough. Everything else (pools, serialisation, options) is Django's.

With OPTIONS["sentinel"] (settings, from a sentinel:// REDIS_URL) the one pool is a Sentinel pool:
it asks the Sentinels for the primary and asks again after a failover (helpdesk/backends.py).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from helpdesk.backends import sentinel_pool


class _ClientPerPool(RedisCacheClient):
    def __init__(self, *args, sentinel=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._sentinel = sentinel

    def _get_connection_pool(self, write):
        if self._sentinel is None:
            return super()._get_connection_pool(write)
        if 0 not in self._pools:
            self._pools[0] = sentinel_pool(self._sentinel, **self._pool_options)
        return self._pools[0]

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool
