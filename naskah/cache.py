"""Django's Redis cache, made an optimisation rather than a dependency.

Every request resolves its tenant, its user's access facts and its inbox counts through the
cache. With Django's `RedisCache` a stopped or unreachable Redis raised on each of those
reads, so every page, API call and socket answered 500 while the database was fine.
`ResilientRedisCache` answers as an empty cache instead (reads miss, writes are dropped,
`add` claims nothing), logs the outage once per `LOG_EVERY` seconds, and after a failure does
not touch Redis again for `retry_after` seconds (the `RETRY_AFTER` option, default 2 s), so an
unreachable host costs one connect timeout per process per interval, not one per cache call.
Callers then read the database, as they do on a cache miss.

Written here rather than taken from django-redis (whose IGNORE_EXCEPTIONS does the first
half): it keeps Django's own backend, which the project already tunes (`naskah.cachepool`),
and adds the pause that keeps pages fast while Redis is away.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("naskah.cache")

LOG_EVERY = 30.0  # seconds between two log lines about the same outage


class _Breaker:
    """Shared by every cache object of a process (ASGI builds one per request)."""

    lock = threading.Lock()
    down_until = 0.0
    logged_at = 0.0

    @classmethod
    def is_open(cls) -> bool:
        return time.monotonic() < cls.down_until

    @classmethod
    def trip(cls, retry_after: float, exc: BaseException) -> None:
        now = time.monotonic()
        with cls.lock:
            cls.down_until = now + retry_after
            if now - cls.logged_at >= LOG_EVERY:
                cls.logged_at = now
                log.warning("cache unavailable, reading the database instead: %s", exc)


def cache_is_down() -> bool:
    """Whether this process is currently working without the shared cache."""
    return _Breaker.is_open()


def _tolerant(fallback):
    """Run the cache operation; on a Redis failure answer `fallback(*args, **kwargs)`."""

    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if _Breaker.is_open():
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                _Breaker.trip(self.retry_after, exc)
                return fallback(*args, **kwargs)

        return call

    return wrap


def _default(key, default=None, version=None):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _keys(keys, *args, **kwargs):
    return list(keys)


def _missing(key, delta=1, version=None):
    raise ValueError(f"Key '{key}' not found (the cache is unavailable)")


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 2.0))
        super().__init__(server, {**params, "OPTIONS": options})

    get = _tolerant(_default)(RedisCache.get)
    get_many = _tolerant(_empty)(RedisCache.get_many)
    set = _tolerant(_nothing)(RedisCache.set)
    set_many = _tolerant(_keys)(RedisCache.set_many)
    add = _tolerant(_false)(RedisCache.add)
    touch = _tolerant(_false)(RedisCache.touch)
    delete = _tolerant(_false)(RedisCache.delete)
    delete_many = _tolerant(_nothing)(RedisCache.delete_many)
    has_key = _tolerant(_false)(RedisCache.has_key)
    incr = _tolerant(_missing)(RedisCache.incr)
    clear = _tolerant(_false)(RedisCache.clear)
    # get_or_set, decr and the *_many helpers of BaseCache go through the methods above.
