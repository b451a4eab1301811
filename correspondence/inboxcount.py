"""Unit inbox counts, kept across requests until the inbox's rows change.

Counting a busy unit's inbox (100,000 deliveries) is most of its page's database time, yet
the figures change only when one of its deliveries, their dispositions or their grants are
written, or when who handles what changes. Database triggers (migration 0008) record every
such write per unit as an `InboxChange`; the sum of a unit's weights is its version. The
figures are kept per user, unit, day and filter with the version and the access generation
(`organizations.access`) they were counted under, and used only while both are current.

Why the kept figures are exact:
- The version is read before the count. A write committed in between makes the figures newer
  than their version: the next request reads a higher version and counts again.
- Every committed write raises the sum, whatever order writers commit in (ids would not: a
  sequence hands out ids at insert, not at commit). Folding rows keeps the sum.
- Nothing is read or kept inside a transaction (its own writes could still roll back), outside
  a request, or when the user's access facts are not kept (no Redis, a pending change).
- Filters on the letter's columns (sender, text) are never kept: letters have no trigger.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from organizations.access import access_generation

from .models import InboxChange

log = logging.getLogger(__name__)

FOLD_AT = 32  # change rows a unit may gather before a reader folds them into one


def inbox_version(unit_id: int) -> int:
    """The number of committed writes to the unit's inbox rows (folding its rows when many)."""
    figures = InboxChange.objects.filter(unit_id=unit_id).aggregate(
        version=Coalesce(Sum("weight"), 0), rows=Count("pk")
    )
    if figures["rows"] > FOLD_AT and not connection.in_atomic_block:
        inbox_fold(unit_id)
    return figures["version"]


def inbox_fold(unit_id: int) -> None:
    """Replace a unit's change rows by one of the same total weight. Concurrent folds take
    disjoint rows (rows another holds are skipped), so the sum never changes."""
    with transaction.atomic():
        rows = list(
            InboxChange.objects.select_for_update(skip_locked=True)
            .filter(unit_id=unit_id)
            .values_list("pk", "weight")
        )
        if len(rows) < 2:
            return
        InboxChange.objects.filter(pk__any=[pk for pk, _ in rows]).delete()
        InboxChange.objects.create(unit_id=unit_id, weight=sum(w for _, w in rows))


def inbox_fold_all() -> int:
    """Fold the change rows of every unit that has gathered more than one (the periodic job:
    the inbox of a unit nobody reads would otherwise gather a row per write). Returns how
    many units were folded."""
    units = list(
        InboxChange.objects.values("unit_id")
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
        .values_list("unit_id", flat=True)
    )
    for unit_id in units:
        inbox_fold(unit_id)
    return len(units)


def inbox_counts_kept(
    user,
    unit_id: int,
    filters: tuple | None,
    compute: Callable[[], tuple[int, int]],
    *,
    on: dt.date,
) -> tuple[int, int]:
    """`compute()` (a unit inbox's total and unread rows for the user by who handles what
    `on` a day: the day its list was built for), or the figures kept from an earlier request
    if neither the inbox's rows nor the user's access changed since. `filters`: the list's
    filters on delivery columns, None when it filters on others."""
    if filters is None or connection.in_atomic_block:
        return compute()
    generation = access_generation(user, on)
    if generation is None:
        return compute()
    where = "|".join(str(v) for v in (*filters, timezone.get_current_timezone_name()))
    key = f"inbox-count:{user.pk}:{unit_id}:{on.isoformat()}:{where}"
    try:
        kept = cache.get(key)
    except Exception:
        log.warning("inbox count cache unavailable", exc_info=True)
        return compute()
    version = inbox_version(unit_id)  # before counting: see the module's note
    if kept is not None and kept[:2] == (generation, version):
        return kept[2], kept[3]
    total, unread = compute()
    try:
        cache.set(key, (generation, version, total, unread), settings.ACCESS_CACHE_SECONDS)
    except Exception:
        log.warning("inbox count cache unavailable", exc_info=True)
    return total, unread
