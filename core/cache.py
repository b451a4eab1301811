"""Django's Redis cache, made an optimisation rather than a dependency.

Every request resolves its tenant, its user's access facts and its inbox counts through the
cache. With Django's `RedisCache` a stopped or unreachable Redis raised on each of those
reads, so every page, API call and socket answered 500 while the database was fine.
`ResilientRedisCache` answers as an empty cache instead (reads miss, writes are dropped,
`add` claims nothing), logs the outage once per `LOG_EVERY` seconds, and after a failure does
not touch Redis again for `retry_after` seconds (the `RETRY_AFTER` option, default 2 s): while
Redis is away a process pays a connect timeout once per interval (and the calls already on
their way), not on every cache call. Callers then read the database, as on a cache miss.

A write that was dropped may have been an invalidation (a new access generation, a tenant's
host list): the keys of every dropped write, delete or increment are remembered, and the first
call that reaches Redis again deletes them, so nothing cached before the outage outlives a
change made during it. Past `DIRTY_MAX` keys the process says so at CRITICAL level: then the
cache should be cleared by hand.

Written here rather than taken from django-redis (whose IGNORE_EXCEPTIONS does the first
half): it keeps Django's own backend, which the project already tunes (`core.cachepool`),
and adds the pause that keeps pages fast while Redis is away.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("core.cache")

LOG_EVERY = 30.0  # seconds between two log lines about the same outage
DIRTY_MAX = 10_000  # keys of dropped writes remembered per process


class _Breaker:
    """Shared by every cache object of a process (ASGI builds one per request)."""

    lock = threading.Lock()
    down_until = 0.0
    logged_at = 0.0
    dirty: set[str] = set()  # made keys whose writes were dropped
    overflowed = False

    @classmethod
    def remember(cls, keys: list[str]) -> None:
        with cls.lock:
            if len(cls.dirty) + len(keys) > DIRTY_MAX:
                if not cls.overflowed:
                    log.critical(
                        "more than %s cache writes dropped while Redis was away: entries made "
                        "before the outage may be stale; clear the cache",
                        DIRTY_MAX,
                    )
                cls.overflowed = True
                return
            cls.dirty.update(keys)

    @classmethod
    def take_dirty(cls) -> list[str]:
        with cls.lock:
            keys, cls.dirty = list(cls.dirty), set()
            return keys

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


def _tolerant(fallback, *, writes: bool = False):
    """Run the cache operation; on a Redis failure answer `fallback(*args, **kwargs)`, and
    remember the keys of a dropped write (see the module's docstring)."""

    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            if not _Breaker.is_open():
                try:
                    result = method(self, *args, **kwargs)
                except RedisError as exc:
                    _Breaker.trip(self.retry_after, exc)
                else:
                    if _Breaker.dirty:
                        self._forget_dropped()
                    return result
            if writes:
                _Breaker.remember(self._made_keys(method, args, kwargs))
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

    def _made_keys(self, method, args: tuple, kwargs: dict) -> list[str]:
        given = inspect.signature(method).bind(self, *args, **kwargs).arguments
        keys = [given["key"]] if "key" in given else list(given.get("keys", given.get("data", ())))
        return [self.make_and_validate_key(k, version=given.get("version")) for k in keys]

    def _forget_dropped(self) -> None:
        keys = _Breaker.take_dirty()
        try:
            self._cache.delete_many(keys)
        except RedisError as exc:
            _Breaker.remember(keys)
            _Breaker.trip(self.retry_after, exc)
        else:
            log.info("cache back: %s entries written during the outage forgotten", len(keys))

    get = _tolerant(_default)(RedisCache.get)
    get_many = _tolerant(_empty)(RedisCache.get_many)
    set = _tolerant(_nothing, writes=True)(RedisCache.set)
    set_many = _tolerant(_keys, writes=True)(RedisCache.set_many)
    add = _tolerant(_false)(RedisCache.add)
    touch = _tolerant(_false, writes=True)(RedisCache.touch)
    delete = _tolerant(_false, writes=True)(RedisCache.delete)
    delete_many = _tolerant(_nothing, writes=True)(RedisCache.delete_many)
    has_key = _tolerant(_false)(RedisCache.has_key)
    incr = _tolerant(_missing, writes=True)(RedisCache.incr)
    clear = _tolerant(_false)(RedisCache.clear)
    # get_or_set, decr and the *_many helpers of BaseCache go through the methods above.
