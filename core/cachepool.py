"""One Redis connection pool per process for Django's cache.

Django keeps cache objects per context, and under ASGI every request runs in a context of its
own: each request built a new `RedisCache` with a new pool, so it opened (and left behind) a
fresh Redis connection, with its handshake, on every request (51 connections for 50 requests
of daphne). `SharedConnectionPool`, given as the cache's `pool_class`, hands every cache
object of the process the same pool for the same address and options. redis-py's pools are
thread-safe and reset themselves in a forked child.
"""

from __future__ import annotations

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict[tuple, redis.ConnectionPool] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs) -> redis.ConnectionPool:
        key = (url, repr(sorted(kwargs.items())))
        with cls._lock:
            pool = cls._shared.get(key)
            if pool is None:
                pool = cls._shared[key] = super().from_url(url, **kwargs)
            return pool
