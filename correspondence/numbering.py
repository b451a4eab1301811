"""Gapless counters: numbers per tenant+unit+type+year and agenda numbers per unit+year.

A counter row is created on first use (insert-or-ignore, so two first signers do not collide)
and then locked with SELECT ... FOR UPDATE for the rest of the caller's transaction; the number
is therefore given exactly once and a rolled-back transaction gives it back.
"""

from __future__ import annotations

import datetime as dt
import string

from django.db import transaction

from .models import NumberCounter

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
PLACEHOLDERS = {"seq", "classification", "unit", "type", "month", "month_roman", "year"}


def counter_take(*, tenant_id: int, key: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers under `key`; returns the first. Needs a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_take must run inside a transaction")
    NumberCounter.objects.bulk_create(
        [NumberCounter(tenant_id=tenant_id, key=key, last=0)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(key=key)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return first


def counters_take(*, tenant_id: int, counts: dict[str, int]) -> dict[str, int]:
    """Reserve `counts[key]` consecutive numbers under each key in three queries; returns the
    first of each. Rows are locked in key order, so two transactions taking overlapping sets
    never wait on each other in a cycle."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counters_take must run inside a transaction")
    NumberCounter.objects.bulk_create(
        [NumberCounter(tenant_id=tenant_id, key=k, last=0) for k in sorted(counts)],
        ignore_conflicts=True,
    )
    rows = list(NumberCounter.objects.select_for_update().filter(key__in=counts).order_by("key"))
    first = {}
    for row in rows:
        first[row.key] = row.last + 1
        row.last += counts[row.key]
    NumberCounter.objects.bulk_update(rows, ["last"])
    return first


def letter_key(*, tenant_id: int, unit_id: int, type_id: int, year: int) -> str:
    return f"out:{tenant_id}:{unit_id}:{type_id}:{year}"


def agenda_key(*, unit_id: int, year: int) -> str:
    return f"agenda:{unit_id}:{year}"


def pattern_check(pattern: str) -> None:
    """Raise ValueError when a pattern uses an unknown placeholder or lacks {seq}."""
    names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValueError(f"unknown placeholder(s): {', '.join(sorted(unknown))}")
    if "seq" not in names:
        raise ValueError("the pattern needs {seq}")


def number_format(
    pattern: str, *, seq: int, classification: str, unit_code: str, type_code: str, on: dt.date
) -> str:
    """Fill a number pattern such as `{seq}/{classification}/{unit}/{year}`."""
    return pattern.format(
        seq=seq,
        classification=classification or "-",
        unit=unit_code,
        type=type_code,
        month=f"{on.month:02d}",
        month_roman=ROMAN[on.month - 1],
        year=on.year,
    )


def letter_number(letter, *, seq: int, unit, on: dt.date) -> str:
    """A letter's number in `unit`'s register: its type's pattern (or the tenant's) filled."""
    return number_format(
        letter.letter_type.number_pattern or letter.tenant.number_pattern,
        seq=seq,
        classification=letter.classification_code,
        unit_code=unit.code,
        type_code=letter.letter_type.code,
        on=on,
    )
