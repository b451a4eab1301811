"""Letters that share a number within a tenant, and their repair.

Before a register followed its pattern (see `numbering.register_key`), every type had its own
sequence, so in a tenant whose pattern lacks {type} a Surat Dinas and an Undangan of one unit
and year could both be `1/000.1.2/DISKOMINFO/2026`. The first letter to be signed keeps the
number; each later one gets a fresh number from its register and keeps the old one in
`number_previous`, with an audit row. A signed PDF is never changed: it still carries the old
number, and the audit row says so.

Both functions take a model registry, `django.apps.apps` or a migration's historical `apps`, so
migration 0012 repairs a deployed database with the same code as `manage.py number_duplicates`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from workflows.hashing import row_hash, transition_fields

from . import numbering

NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)  # unsigned letters sort after signed ones


@dataclass(frozen=True)
class Renumbered:
    letter_id: int
    tenant: str
    old: str
    new: str
    kept_by: int  # the letter that keeps the old number
    signed_pdf: bool  # its signed PDF still carries the old number


def number_duplicates(apps, *, tenant_id: int | None = None) -> dict[tuple[int, str], list]:
    """Letters sharing a number, by (tenant id, number); each list in signing order (the one
    that keeps the number first)."""
    Letter = apps.get_model("correspondence", "Letter")
    issued = Letter.objects.exclude(number="")
    if tenant_id is not None:
        issued = issued.filter(tenant_id=tenant_id)
    shared = (
        issued.values("tenant_id", "number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("tenant_id", "number")
    )
    groups: dict[tuple[int, str], list] = defaultdict(list)
    for tenant, number in shared:
        for letter in issued.filter(tenant_id=tenant, number=number).select_related(
            "tenant", "letter_type", "unit", "number_unit"
        ):
            groups[(tenant, number)].append(letter)
    for letters in groups.values():
        letters.sort(key=lambda x: (x.signed_at is None, x.signed_at or NEVER, x.pk))
    return dict(groups)


def number_duplicates_repair(apps, *, tenant_id: int | None = None) -> list[Renumbered]:
    """Give every letter but the first of each shared number a fresh number from its register.
    Needs a transaction (the counters are locked)."""
    done = []
    for letters in number_duplicates(apps, tenant_id=tenant_id).values():
        for letter in letters[1:]:
            done.append(_renumber(apps, letter, kept_by=letters[0]))
    return done


def _renumber(apps, letter, *, kept_by) -> Renumbered:
    Letter = apps.get_model("correspondence", "Letter")
    tenant, unit = letter.tenant, letter.number_unit or letter.unit
    signed = (
        letter.signed_at.astimezone(ZoneInfo(tenant.time_zone)).date() if letter.signed_at else None
    )
    year = letter.number_year or (signed or timezone.localdate()).year
    on = signed if signed and signed.year == year else dt.date(year, 1, 1)
    key = numbering.register_key(letter.letter_type, tenant, unit, year)
    taken = Letter.objects.filter(tenant_id=tenant.pk)
    while True:  # a number another register happened to give is passed over
        seq = numbering.counter_take(
            tenant_id=tenant.pk, key=key, model=apps.get_model("correspondence", "NumberCounter")
        )
        number = numbering.number_format(
            numbering.effective_pattern(letter.letter_type, tenant),
            seq=seq,
            classification=letter.classification_code,
            unit_code=unit.code,
            type_code=letter.letter_type.code,
            on=on,
        )
        if not taken.filter(number=number).exists():
            break
    old, signed_pdf = letter.number, bool(letter.pdf)
    taken.filter(pk=letter.pk).update(
        number=number,
        number_previous=old,
        number_seq=seq,
        number_unit=unit,
        number_year=year,
        updated_at=timezone.now(),
    )
    note = f"number {old} -> {number}: letter {kept_by.pk} was given {old} first"
    if signed_pdf:
        note += f"; the signed PDF still carries {old} (not re-signed)"
    _audit(apps, letter, note)
    return Renumbered(letter.pk, tenant.slug, old, number, kept_by.pk, signed_pdf)


def _audit(apps, letter, note: str) -> None:
    """The letter's `letter.renumbered` audit row, chained as `workflows.services.transition_log`
    chains (written here on the registry's own models, for the migration)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    TransitionLog = apps.get_model("workflows", "TransitionLog")
    ct, _ = ContentType.objects.get_or_create(app_label="correspondence", model="letter")
    prev = (
        TransitionLog.objects.filter(content_type=ct, object_id=letter.pk)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    ) or ""
    row = TransitionLog(
        tenant_id=letter.tenant_id,
        content_type=ct,
        object_id=letter.pk,
        action="letter.renumbered",
        source=letter.state,
        target=letter.state,
        note=note,
        created_at=timezone.now(),
        prev_hash=prev,
    )
    row.hash = row_hash(prev, transition_fields(row))
    row.save()
