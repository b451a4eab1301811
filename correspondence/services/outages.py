"""Outage numbers and outages: every unit that numbers letters holds, at all times, a block of
numbers per letter type taken from its real register, printed on its outage sheet; a tenant
administrator records an outage (often after the fact). The periodic job tops the blocks up and,
at the turn of the year, issues the new year's and voids last year's unused numbers, so every
number of a register is a letter, a held number, or void with a reason."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Position, Tenant, Unit, User
from workflows.services import security_event_record
from workflows.transitions import row_lock

from .. import numbering, outagepolicy
from .. import permissions as policy
from ..choices import ReservationState
from ..models import LetterType, NumberReservation, Outage
from .common import tenant_today

# Last year's unused outage numbers stay usable this long into the new year: a letter made by
# hand on 31 December during an outage is registered under its own year's number.
YEAR_GRACE_DAYS = 7
BANNER_KEY = "naskah:outage:open:{tenant}"


def outage_holders(tenant: Tenant) -> list[tuple[Unit, LetterType]]:
    """Every (unit, letter type) pair that holds outage numbers: the active types with a block
    size, each with the active units one of whose active posts may sign it."""
    pairs = []
    for letter_type in LetterType.objects.filter(
        tenant=tenant, is_active=True, outage_block__gt=0
    ).order_by("sort_order", "code"):
        unit_ids = (
            Position.objects.filter(
                policy.signer_positions_q(letter_type),
                tenant=tenant,
                is_active=True,
                unit__is_active=True,
            )
            .values("unit_id")
            .distinct()
        )
        for unit in Unit.objects.filter(pk__in=unit_ids).order_by("path"):
            pairs.append((unit, letter_type))
    return pairs


def _issue(tenant: Tenant, wants: list[tuple[Unit, LetterType, int]], year: int):
    """Take `count` numbers for each (unit, type, count) from its register, in one locked
    batch, and hold them as outage numbers."""
    keys = [numbering.register_key(t, tenant, u, year) for u, t, _n in wants]
    counts = Counter()
    for key, (_u, _t, n) in zip(keys, wants, strict=True):
        counts[key] += n
    if not counts:
        return []
    first = numbering.counters_take(tenant_id=tenant.pk, counts=dict(counts))
    rows = []
    for key, (unit, letter_type, n) in zip(keys, wants, strict=True):
        pattern = numbering.effective_pattern(letter_type, tenant)
        for seq in range(first[key], first[key] + n):
            rows.append(
                NumberReservation(
                    tenant=tenant,
                    unit=unit,
                    letter_type=letter_type,
                    year=year,
                    seq=seq,
                    register=key,
                    for_outage=True,
                    number=numbering.number_hint(
                        pattern,
                        seq=seq,
                        unit_code=unit.code,
                        type_code=letter_type.code,
                        year=year,
                    ),
                    reason=_("Outage number"),
                )
            )
        first[key] += n
    return NumberReservation.objects.bulk_create(rows)


def _year_close(tenant: Tenant, today: dt.date) -> int:
    """Void the unused outage numbers of past years once the grace days are over."""
    if (today - dt.date(today.year, 1, 1)).days < YEAR_GRACE_DAYS:
        stale = NumberReservation.objects.filter(year__lt=today.year - 1)
    else:
        stale = NumberReservation.objects.filter(year__lt=today.year)
    return stale.filter(tenant=tenant, for_outage=True, state=ReservationState.RESERVED).update(
        state=ReservationState.RELEASED,
        reason=_("Year closed: outage number not used"),
        closed_at=timezone.now(),
    )


def outage_blocks_ensure_for(
    tenant: Tenant, pairs: list[tuple[Unit, LetterType]] | None = None
) -> dict[str, int]:
    """Bring each holder's block of this year's outage numbers to its type's size, and close
    past years; returns how many were issued and voided. Needs a transaction."""
    today = tenant_today(tenant)
    voided = _year_close(tenant, today)
    pairs = outage_holders(tenant) if pairs is None else pairs
    held = Counter(
        NumberReservation.objects.filter(
            tenant=tenant, for_outage=True, state=ReservationState.RESERVED, year=today.year
        ).values_list("unit_id", "letter_type_id")
    )
    wants = [
        (u, t, t.outage_block - held[(u.pk, t.pk)])
        for u, t in pairs
        if t.outage_block > held[(u.pk, t.pk)]
    ]
    issued = _issue(tenant, wants, today.year)
    if issued or voided:
        security_event_record(
            kind="numbers.outage_blocks",
            tenant_id=tenant.pk,
            detail={"issued": len(issued), "voided": voided, "year": today.year},
        )
    return {"issued": len(issued), "voided": voided}


@transaction.atomic
def outage_blocks_ensure(*, tenant: Tenant) -> dict[str, int]:
    """Top up every unit's outage numbers of the tenant (one run at a time per tenant)."""
    Tenant.objects.select_for_update(no_key=True).filter(pk=tenant.pk).first()
    return outage_blocks_ensure_for(tenant)


def outage_blocks_ensure_all() -> dict[str, int]:
    """Top up the outage numbers of every active tenant; returns the totals."""
    totals = Counter()
    for tenant in Tenant.objects.filter(is_active=True).order_by("pk"):
        totals.update(outage_blocks_ensure(tenant=tenant))
    return dict(totals)


def _banner_forget(tenant_id: int) -> None:
    transaction.on_commit(lambda: cache.delete(BANNER_KEY.format(tenant=tenant_id)))


def outage_open(tenant_id: int) -> Outage | None:
    """The tenant's outage now recorded as going on (cached for the banner), or None."""
    key = BANNER_KEY.format(tenant=tenant_id)
    found = cache.get(key)
    if found is None:
        row = Outage.objects.filter(tenant_id=tenant_id, ended_at__isnull=True).first()
        found = row.pk if row else 0
        cache.set(key, found, 300)
    return Outage(pk=found) if found else None


def _when_check(field: str, when: dt.datetime) -> None:
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: _("This time is in the future.")})


@transaction.atomic
def outage_record(
    *,
    tenant: Tenant,
    by: User,
    reason: str,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
) -> Outage:
    """Record an outage: going on now (a banner shows) or, told after the fact, with its start
    in the past and perhaps its end. Raises PermissionDenied, ValidationError."""
    if not outagepolicy.can_manage_outages(by, tenant):
        raise PermissionDenied
    started_at = started_at or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what happened.")})
    _when_check("started_at", started_at)
    if ended_at is not None:
        _when_check("ended_at", ended_at)
        if ended_at < started_at:
            raise ValidationError({"ended_at": _("The outage must end after it starts.")})
    Tenant.objects.select_for_update(no_key=True).filter(pk=tenant.pk).first()
    if ended_at is None and Outage.objects.filter(tenant=tenant, ended_at__isnull=True).exists():
        raise ValidationError(_("An outage is already recorded as going on: end it first."))
    outage = Outage.objects.create(
        tenant=tenant,
        started_at=started_at,
        ended_at=ended_at,
        reason=reason[:300],
        started_by=by,
        ended_by=by if ended_at else None,
    )
    security_event_record(
        kind="outage.recorded", tenant_id=tenant.pk, user=by, target=outage, detail={}
    )
    _banner_forget(tenant.pk)
    return outage


@transaction.atomic
def outage_end(*, outage: Outage, by: User, ended_at: dt.datetime | None = None) -> Outage:
    """End a recorded outage (now, or at the time given). Raises PermissionDenied,
    ValidationError."""
    outage = row_lock(outage)
    if not outagepolicy.can_manage_outages(by, outage.tenant):
        raise PermissionDenied
    if outage.ended_at is not None:
        raise ValidationError(_("This outage has already ended."))
    ended_at = ended_at or timezone.now()
    _when_check("ended_at", ended_at)
    if ended_at < outage.started_at:
        raise ValidationError({"ended_at": _("The outage must end after it starts.")})
    outage.ended_at, outage.ended_by = ended_at, by
    outage.save(update_fields=["ended_at", "ended_by"])
    security_event_record(
        kind="outage.ended", tenant_id=outage.tenant_id, user=by, target=outage, detail={}
    )
    _banner_forget(outage.tenant_id)
    return outage
