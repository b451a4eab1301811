"""Who handles what, kept across requests.

Every page starts from a few facts about its user: the posts they hold, the posts they act for
or were delegated, the unit inboxes they handle, whether they administer the tenant. Reading
them costs a query each, on every request, yet they change only when an assignment, a post, a
unit, a unit role or a delegation changes. So they are kept in the shared cache, one entry per
user and day, under a generation of the user's tenant that every such change replaces once it
commits (`access_changed`): a request after the commit never reads the old facts.

- The generation is a random token, not a counter: if the cache evicts it, the next one is new
  and every older entry is simply never read again.
- Inside a transaction that has changed who handles what, reads go to the database and nothing
  is stored: the uncommitted change must neither be missed by it nor leak to other requests.
- Outside a request (workers, commands) nothing is read from or written to the cache.
- Entries also expire after `ACCESS_CACHE_SECONDS`, a bound on any change made behind the
  models' backs (a raw SQL edit); services and the admin go through the models. Without a
  shared cache (no Redis: each process has its own memory) the setting defaults to 0 and the
  facts are kept for one request only, since another process's change could not reach them.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from core.memo import in_request, request_memo, request_memo_clear

log = logging.getLogger(__name__)

_PENDING = "naskah_access_pending"  # attribute on the connection: tenants changed in this txn


def _gen_key(tenant_id: int) -> str:
    return f"access:gen:{tenant_id}"


def _entry_key(tenant_id: int, user_id: int, on: dt.date) -> str:
    return f"access:{tenant_id}:{user_id}:{on.isoformat()}"


@dataclass(slots=True)
class _Entry:
    """One user's facts for one day, as read this request."""

    gen: str | None
    values: dict
    key: str
    shared: bool  # read from / written to the shared cache


def access_remembered(user, name: Hashable, compute: Callable[[], Any], on: dt.date | None = None):
    """`compute()` for this user and day: from this request's memo, else from the shared cache
    when no uncommitted change of the tenant's organisation is pending, else from the
    database (and then kept for the next requests)."""
    tenant_id = getattr(user, "tenant_id", None)
    if not in_request() or tenant_id is None or not user.pk:
        return compute()
    if settings.ACCESS_CACHE_SECONDS <= 0:  # kept for this request only
        return request_memo(("access", user.pk, on or timezone.localdate(), name), compute)
    day = on or timezone.localdate()
    entry: _Entry = request_memo(
        ("access-entry", user.pk, day), lambda: _load(tenant_id, user, day)
    )
    if name in entry.values:
        return entry.values[name]
    value = compute()
    entry.values[name] = value
    if entry.shared and not _pending(tenant_id):
        try:
            cache.set(entry.key, (entry.gen, entry.values), settings.ACCESS_CACHE_SECONDS)
        except Exception:
            log.warning("access cache unavailable", exc_info=True)
            entry.shared = False
    return value


def access_generation(user, on: dt.date | None = None) -> str | None:
    """The generation this request's facts about the user are kept under, for values derived
    from them and kept alike (inbox counts); None when nothing is kept across requests."""
    tenant_id = getattr(user, "tenant_id", None)
    if not in_request() or tenant_id is None or not user.pk or settings.ACCESS_CACHE_SECONDS <= 0:
        return None
    day = on or timezone.localdate()
    entry: _Entry = request_memo(
        ("access-entry", user.pk, day), lambda: _load(tenant_id, user, day)
    )
    return entry.gen if entry.shared and not _pending(tenant_id) else None


def _load(tenant_id: int, user, day: dt.date) -> _Entry:
    key = _entry_key(tenant_id, user.pk, day)
    if _pending(tenant_id):
        return _Entry(gen=None, values={}, key=key, shared=False)
    try:
        found = cache.get_many([_gen_key(tenant_id), key])
        gen = found.get(_gen_key(tenant_id))
        if gen is None:  # first read since start or eviction: a new generation
            cache.add(_gen_key(tenant_id), uuid.uuid4().hex, None)
            gen = cache.get(_gen_key(tenant_id))
    except Exception:  # the cache is down: the database answers, as it did before the cache
        log.warning("access cache unavailable", exc_info=True)
        gen = None
    if gen is None:  # no cache, or one that keeps nothing: this request reads the database
        return _Entry(gen=None, values={}, key=key, shared=False)
    stored = found.get(key)
    if stored is not None and stored[0] == gen:
        return _Entry(gen=gen, values=dict(stored[1]), key=key, shared=True)
    return _Entry(gen=gen, values={}, key=key, shared=True)


def _pending(tenant_id: int) -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    pending = connection.__dict__.get(_PENDING)
    if not pending:
        return False
    if not connection.in_atomic_block:  # the transaction ended (a rollback runs no hook)
        pending.clear()
        return False
    return tenant_id in pending


def access_changed(tenant_id: int | None) -> None:
    """Who handles what changed in a tenant: forget this request's facts now, and everyone's
    kept facts when the change commits."""
    request_memo_clear()
    if tenant_id is None:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _new_generation(tenant_id)
        return
    connection.__dict__.setdefault(_PENDING, set()).add(tenant_id)

    def committed() -> None:
        connection.__dict__.get(_PENDING, set()).discard(tenant_id)
        _new_generation(tenant_id)

    # robust: a failing hook must not drop the other hooks of the commit (pushes, tasks).
    transaction.on_commit(committed, robust=True)


def access_forget_all() -> None:
    """Drop every tenant's kept facts (after rows were written without the models: a restore)."""
    for tenant_id in apps.get_model("organizations", "Tenant").objects.values_list("pk", flat=True):
        _new_generation(tenant_id)


def _new_generation(tenant_id: int) -> None:
    try:
        cache.set(_gen_key(tenant_id), uuid.uuid4().hex, None)
    except Exception:  # the change is committed; kept lists age out within ACCESS_CACHE_SECONDS
        log.exception("could not replace the access generation of tenant %s", tenant_id)


def access_signal_handler(sender, instance, **kwargs) -> None:
    """post_save / post_delete receiver for the models that decide who handles what."""
    access_changed(getattr(instance, "tenant_id", None))
