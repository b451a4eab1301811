"""Numbers reserved in advance for letters made by hand (during an outage): reserve, bind,
release."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from core.uploads import SCAN_TYPES, stored_name, upload_inspect
from organizations.models import Unit, User
from workflows.services import security_event_record
from workflows.transitions import row_lock

from .. import numbering
from .. import permissions as policy
from ..choices import (
    ReservationState,
)
from ..models import (
    LetterType,
    NumberReservation,
)
from .common import (
    tenant_today,
)


@transaction.atomic
def numbers_reserve(
    *,
    unit: Unit,
    letter_type: LetterType,
    count: int,
    by: User,
    reason: str = "",
    classification_code: str = "",
) -> list[NumberReservation]:
    """Take a block of numbers from the register the type's signed letters are numbered in (the
    same gapless sequence), for letters made by hand."""
    if not policy.can_reserve_numbers(by, unit) or letter_type.tenant_id != unit.tenant_id:
        raise PermissionDenied
    if not 1 <= count <= 100:
        raise ValidationError({"count": _("Reserve between 1 and 100 numbers.")})
    today = tenant_today(unit.tenant)
    key = numbering.register_key(letter_type, unit.tenant, unit, today.year)
    first = numbering.counter_take(tenant_id=unit.tenant_id, key=key, count=count)
    pattern = numbering.effective_pattern(letter_type, unit.tenant)
    rows = [
        NumberReservation(
            tenant_id=unit.tenant_id,
            unit=unit,
            letter_type=letter_type,
            year=today.year,
            seq=seq,
            number=numbering.number_format(
                pattern,
                seq=seq,
                classification=classification_code,
                unit_code=unit.code,
                type_code=letter_type.code,
                on=today,
            ),
            reason=reason,
            reserved_by=by,
            register=key,
        )
        for seq in range(first, first + count)
    ]
    NumberReservation.objects.bulk_create(rows)
    security_event_record(
        kind="numbers.reserved",
        tenant_id=unit.tenant_id,
        user=by,
        detail={"unit": unit.code, "type": letter_type.code, "first": first, "count": count},
    )
    return rows


def _reservation_close(reservation: NumberReservation, by: User, state: str) -> NumberReservation:
    reservation = row_lock(reservation)
    unit = reservation.unit
    if not policy.can_reserve_numbers(by, unit):
        raise PermissionDenied
    if reservation.state != ReservationState.RESERVED:
        raise TransitionNotAllowed("this number is already bound or released")
    reservation.state, reservation.closed_at, reservation.closed_by = state, timezone.now(), by
    return reservation


@transaction.atomic
def reservation_bind(
    *, reservation: NumberReservation, by: User, subject: str, scan: UploadedFile
) -> NumberReservation:
    """Bind a reserved number to the scan of the letter made by hand."""
    reservation = _reservation_close(reservation, by, ReservationState.BOUND)
    if reservation.for_outage:  # an outage number becomes a letter (outage_letter_register)
        raise PermissionDenied
    if not (subject or "").strip():
        raise ValidationError({"subject": _("Give the letter's subject.")})
    info = upload_inspect(scan, allowed=SCAN_TYPES)
    scan.seek(0)
    reservation.bound_subject, reservation.bound_sha256 = subject, info.sha256
    reservation.bound_file.save(stored_name(info), scan, save=False)
    reservation.save()
    return reservation


@transaction.atomic
def reservation_release(*, reservation: NumberReservation, by: User, reason: str) -> None:
    """Void a reserved number that was not used; it is never given again."""
    reservation = _reservation_close(reservation, by, ReservationState.RELEASED)
    reservation.reason = reason or reservation.reason
    reservation.save()
