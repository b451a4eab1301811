"""Gapless counters: letter numbers per register and agenda numbers per unit+year.

A counter row is created on first use (insert-or-ignore, so two first signers do not collide)
and then locked with SELECT ... FOR UPDATE for the rest of the caller's transaction; the number
is therefore given exactly once and a rolled-back transaction gives it back.

A letter's register follows what its number pattern shows (`register_key`): a sequence per unit
only when the pattern has {unit}, per type only with {type}, restarting yearly only with
{year}; types without {type} share one sequence when they share a pattern. Two numbers of one
register differ in {seq}, and numbers of two registers of one pattern differ in what the key
varies by; `patterns_check` refuses patterns that would break this, and two different patterns
with the same text between placeholders. What no check of patterns can see (a classification
code spelling another pattern's text) the database refuses: a number belongs to one letter of
the tenant (constraint `letter_number_issued_once`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import string

from django.db import transaction

from .models import NumberCounter

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
PLACEHOLDERS = {"seq", "classification", "unit", "type", "month", "month_roman", "year"}


def counter_take(*, tenant_id: int, key: str, count: int = 1, model=NumberCounter) -> int:
    """Reserve `count` consecutive numbers under `key`; returns the first. Needs a transaction.
    `model`: a migration's historical NumberCounter."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_take must run inside a transaction")
    model.objects.bulk_create([model(tenant_id=tenant_id, key=key, last=0)], ignore_conflicts=True)
    counter = model.objects.select_for_update().get(key=key)
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


def effective_pattern(letter_type, tenant) -> str:
    """The pattern a type's numbers follow: its own, or the tenant's."""
    return letter_type.number_pattern or tenant.number_pattern


def pattern_names(pattern: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}


def register_key(letter_type, tenant, unit, year: int) -> str:
    """The counter key of the register that numbers `letter_type`'s letters signed for `unit`
    in `year`: `reg:<tenant>:<unit or *>:<t<type> or p<pattern hash>>:<year or *>`."""
    pattern = effective_pattern(letter_type, tenant)
    names = pattern_names(pattern)
    if "type" in names:
        kind = f"t{letter_type.pk}"
    else:
        # Every type numbered with this pattern shares it: their numbers look alike.
        kind = "p" + hashlib.sha256(pattern.encode()).hexdigest()[:12]
    return ":".join(
        [
            "reg",
            str(tenant.pk),
            str(unit.pk) if "unit" in names else "*",
            kind,
            str(year) if "year" in names else "*",
        ]
    )


def agenda_key(*, unit_id: int, year: int) -> str:
    return f"agenda:{unit_id}:{year}"


def pattern_check(pattern: str) -> None:
    """Raise ValueError when a pattern uses an unknown placeholder, lacks {seq}, or runs {seq}
    into a placeholder or a digit (1 then 12 would read as 11 then 2)."""
    parsed = list(string.Formatter().parse(pattern))
    names = {name for _, name, _, _ in parsed if name is not None}
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValueError(f"unknown placeholder(s): {', '.join(sorted(unknown))}")
    if "seq" not in names:
        raise ValueError("the pattern needs {seq}")
    for i, (before, name, _, _) in enumerate(parsed):
        if name != "seq":
            continue
        after = parsed[i + 1][0] if i + 1 < len(parsed) else None
        glued_before = (before == "" and i > 0) or before[-1:].isdigit()
        glued_after = after == "" and parsed[i + 1][1] is not None
        if glued_before or glued_after or (after or "")[:1].isdigit():
            raise ValueError("{seq} needs text other than a digit on each side (such as /)")


def literal_text(pattern: str) -> tuple[str, ...]:
    """The pattern's constant text between its placeholders (what every number of it shows)."""
    return tuple(text for text, _, _, _ in string.Formatter().parse(pattern))


def patterns_check(patterns: dict[str, str]) -> None:
    """Refuse, with a ValueError naming the types, patterns (type code -> effective pattern)
    whose numbers could be the same: two different patterns with the same constant text can
    give one number from two registers ({seq}/{unit}/{year} and {seq}/{type}/{year}: a unit
    and a type both coded SK). One pattern is safe: one register, or {type}/{unit}/{year}
    tell its registers apart. A pattern without {year} is safe too: its register never
    restarts."""
    seen: dict[tuple[str, ...], tuple[str, str]] = {}
    for code, pattern in patterns.items():
        try:
            pattern_check(pattern)
        except ValueError as exc:
            raise ValueError(f"letter type {code} (pattern {pattern}): {exc}") from None
        other = seen.setdefault(literal_text(pattern), (code, pattern))
        if other[1] != pattern:
            raise ValueError(
                f"letter types {other[0]} (pattern {other[1]}) and {code} (pattern {pattern}) "
                "could give the same number: the patterns have the same text between their "
                "placeholders. Give one of them distinct text (such as its type's letters)."
            )


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
        effective_pattern(letter.letter_type, letter.tenant),
        seq=seq,
        classification=letter.classification_code,
        unit_code=unit.code,
        type_code=letter.letter_type.code,
        on=on,
    )


BLANK = "…"  # what the writer of a letter made by hand fills in


def number_hint(pattern: str, *, seq: int, unit_code: str, type_code: str, year: int) -> str:
    """An outage number as printed on the sheet: what is known in advance filled in, the
    classification and the month (known only when the letter is made) left as `…`."""
    return pattern.format(
        seq=seq,
        classification=BLANK,
        unit=unit_code,
        type=type_code,
        month=BLANK,
        month_roman=BLANK,
        year=year,
    )
