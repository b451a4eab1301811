"""Legal holds: a court case or an audit puts records under a hold, and none of them can be
disposed of until every hold on it is released."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Tenant
from workflows.transitions import row_lock_for

from ..choices import RecordState
from ..models import LegalHold, Record
from ..permissions import can_manage_disposal, can_manage_hold
from .common import log


def _hold_records(tenant_id: int, records: list[Record]) -> list[Record]:
    ids = {r.pk for r in records}
    found = list(Record.objects.filter(pk__in=ids, tenant_id=tenant_id))
    if len(found) != len(ids):
        raise PermissionDenied
    gone = [r for r in found if r.state == RecordState.DESTROYED]
    if gone:
        raise ValidationError(_("%(record)s is already destroyed.") % {"record": gone[0]})
    return found


@transaction.atomic
def hold_place(*, tenant: Tenant, title: str, reason: str, records: list[Record], by) -> LegalHold:
    """Put records under a legal hold (a court case, an audit): none of them can be
    disposed of until it is released. Raises PermissionDenied or ValidationError."""
    if not can_manage_disposal(by, tenant.pk):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the hold a title.")})
    found = _hold_records(tenant.pk, records)
    hold = LegalHold.objects.create(
        tenant=tenant, title=title.strip()[:200], reason=reason.strip(), created_by=by
    )
    hold.records.add(*found)
    log(hold, action="hold.placed", by=by, note=reason.strip())
    for record in found:
        log(record, action="record.held", by=by, note=f"hold:{hold.pk}")
    return hold


@transaction.atomic
def hold_add_records(*, hold: LegalHold, records: list[Record], by) -> int:
    """Add records to an active hold. Raises PermissionDenied or ValidationError."""
    hold = row_lock_for(hold, by, can_manage_hold)
    if not hold.is_active:
        raise ValidationError(_("This hold has been released."))
    found = _hold_records(hold.tenant_id, records)
    new = [r for r in found if not hold.records.filter(pk=r.pk).exists()]
    hold.records.add(*new)
    for record in new:
        log(record, action="record.held", by=by, note=f"hold:{hold.pk}")
    if new:
        log(hold, action="hold.records_added", by=by, note=", ".join(str(r.pk) for r in new))
    return len(new)


@transaction.atomic
def hold_release(*, hold: LegalHold, reason: str, by) -> LegalHold:
    """Release a hold (its records may be disposed of again unless another hold keeps
    them). Raises PermissionDenied or ValidationError."""
    hold = row_lock_for(hold, by, can_manage_hold)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for releasing the hold.")})
    if not hold.is_active:
        raise ValidationError(_("This hold has already been released."))
    hold.released_at, hold.released_by = timezone.now(), by
    hold.release_reason = reason.strip()
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    log(hold, action="hold.released", by=by, note=reason.strip())
    return hold
