"""A letter made by hand under an outage number, registered after the outage: it becomes a real
letter, sent, carrying that number, and flows like any other (inbox deliveries with agenda
numbers, notifications, the archive)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import SCAN_TYPES, upload_inspect
from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from organizations.models import Position, Tenant, Unit, User
from workflows.choices import SecurityLevel, Urgency
from workflows.services import security_event_record
from workflows.transitions import row_lock, transition_fire

from .. import hooks, numbering, outagepolicy
from .. import permissions as policy
from ..choices import AttachmentKind, RecipientKind, RecipientScope, ReservationState
from ..models import (
    AddressBookEntry,
    Letter,
    LetterType,
    NumberReservation,
    Outage,
    Recipient,
    SigningMandate,
)
from .common import letter_url, notice_subject, tenant_today, transition_record
from .drafting import attachment_keep, letter_fields_check
from .outages import outage_blocks_ensure_for
from .sending import _deliveries_create


class OutageNumberTaken(Exception):
    """The outage number is already used or void: nothing was registered."""


@dataclass
class HandMadeLetter:
    """What the clerk reads off the letter made by hand."""

    letter_type: LetterType
    letter_date: dt.date
    subject: str
    signer_position: Position
    to_units: list[Unit] = field(default_factory=list)
    cc_units: list[Unit] = field(default_factory=list)
    addresses: list[AddressBookEntry] = field(default_factory=list)
    security: str = SecurityLevel.BIASA
    urgency: str = Urgency.BIASA
    classification_code: str = ""
    summary: str = ""


def outage_covering(tenant_id: int, day: dt.date, zone: ZoneInfo) -> Outage | None:
    """The recorded outage of the tenant during which `day` (local) falls, or None."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    return (
        Outage.objects.filter(tenant_id=tenant_id, started_at__lt=end)
        .exclude(ended_at__lt=start)
        .order_by("started_at")
        .first()
    )


def _check(
    reservation: NumberReservation, data: HandMadeLetter, today: dt.date, zone: ZoneInfo
) -> None:
    """Refuse what does not fit the number: another type, another year, a date to come or
    before the number was issued, a signer of another unit or one the type's signing rule
    does not name, recipients of another tenant or none."""
    if data.letter_type.pk != reservation.letter_type_id:
        raise ValidationError(
            {"letter_type": _("This number is for a %(type)s.") % {"type": reservation.letter_type}}
        )
    if data.letter_date > today:
        raise ValidationError({"letter_date": _("The letter's date is in the future.")})
    if data.letter_date.year != reservation.year:
        raise ValidationError(
            {
                "letter_date": _("This number belongs to the register of %(y)s.")
                % {"y": reservation.year}
            }
        )
    issued_on = timezone.localtime(reservation.reserved_at, zone).date()
    if data.letter_date < issued_on:
        raise ValidationError(
            {
                "letter_date": _("This number was issued on %(d)s, after the letter's date.")
                % {"d": issued_on.isoformat()}
            }
        )
    if data.signer_position.unit_id != reservation.unit_id:
        raise ValidationError({"signer_position": _("Choose a post of the number's unit.")})
    may_sign = policy.signer_positions_q(data.letter_type) | Q(
        pk__in=SigningMandate.objects.filter(
            tenant_id=reservation.tenant_id, is_active=True
        ).values("holder")
    )
    if not Position.objects.filter(may_sign, pk=data.signer_position.pk, is_active=True).exists():
        raise ValidationError(
            {
                "signer_position": _("This post may not sign a %(type)s.")
                % {"type": data.letter_type}
            }
        )
    if data.security not in SecurityLevel.values or data.urgency not in Urgency.values:
        raise ValidationError({"security": _("Unknown security or urgency.")})
    tenant_id = reservation.tenant_id
    units = [*data.to_units, *data.cc_units]
    if any(u.tenant_id != tenant_id or not u.is_active for u in units) or any(
        a.tenant_id != tenant_id for a in data.addresses
    ):
        raise ValidationError({"recipients": _("Unknown recipient.")})
    if not data.to_units and not data.addresses:
        raise ValidationError({"recipients": _("Name at least one addressee.")})
    if not (data.subject or "").strip():
        raise ValidationError({"subject": _("Give the letter's subject.")})


def _recipients(letter: Letter, data: HandMadeLetter, by: User) -> None:
    """The letter's addressees; those off the platform got the paper letter already."""
    rows = [
        Recipient(letter=letter, kind=RecipientKind.TO, scope=RecipientScope.INTERNAL, unit=u)
        for u in data.to_units
    ]
    rows += [
        Recipient(letter=letter, kind=RecipientKind.CC, scope=RecipientScope.INTERNAL, unit=u)
        for u in data.cc_units
        if u not in data.to_units
    ]
    rows += [
        Recipient(
            letter=letter,
            kind=RecipientKind.TO,
            scope=RecipientScope.EXTERNAL,
            address=a,
            dispatched_at=timezone.now(),
            dispatched_by=by,
        )
        for a in data.addresses
    ]
    for order, r in enumerate(rows):
        r.order = order
    Recipient.objects.bulk_create(rows)


@transaction.atomic
def outage_letter_register(
    *, reservation: NumberReservation, by: User, scan: UploadedFile, data: HandMadeLetter
) -> tuple[Letter, str]:
    """Register a letter made by hand under an outage number: a sent letter with that number,
    its scan, deliveries with agenda numbers in its recipients' inboxes (told after commit),
    its sender's record filed, the number used and the unit's block topped up. Returns the
    letter and a warning ("" when its date falls in a recorded outage). Raises
    PermissionDenied, OutageNumberTaken, ValidationError; on any of them nothing is kept.
    Long because the letter is built, checked, sent and filed in one transaction."""
    # One registration or top-up of the tenant at a time, the tenant first and then the number
    # (the order outage_blocks_ensure takes them in). FOR NO KEY UPDATE: every row inserted
    # for the tenant (here and in its other requests) takes FOR KEY SHARE on it, which a plain
    # FOR UPDATE conflicts with: those inserts would wait, or deadlock with this one.
    Tenant.objects.select_for_update(no_key=True).filter(pk=reservation.tenant_id).first()
    reservation = row_lock(reservation)
    if not outagepolicy.can_register_outage_number(by, reservation):
        raise PermissionDenied
    if reservation.state != ReservationState.RESERVED:
        raise OutageNumberTaken(
            _("Number %(n)s is already used or void.") % {"n": reservation.number}
        )
    tenant, unit = reservation.unit.tenant, reservation.unit
    zone = ZoneInfo(tenant.time_zone)
    _check(reservation, data, tenant_today(tenant), zone)
    info = upload_inspect(scan, allowed=SCAN_TYPES)
    pattern = numbering.effective_pattern(data.letter_type, tenant)
    letter = Letter(
        tenant=tenant,
        letter_type=data.letter_type,
        subject=data.subject.strip()[:300],
        summary=data.summary,
        drafter=by,
        unit=unit,
        signer_position=data.signer_position,
        classification_code=data.classification_code,
        security=data.security,
        urgency=data.urgency,
        number=numbering.number_format(
            pattern,
            seq=reservation.seq,
            classification=data.classification_code,
            unit_code=unit.code,
            type_code=data.letter_type.code,
            on=data.letter_date,
        ),
        number_seq=reservation.seq,
        number_unit=unit,
        number_year=reservation.year,
    )
    letter_fields_check(letter)
    try:
        with transaction.atomic():
            letter.save()
    except IntegrityError:
        raise ValidationError(
            {"classification_code": _("Another letter already carries this number.")}
        ) from None
    _recipients(letter, data, by)
    attachment_keep(letter, by, scan, info, AttachmentKind.SCAN)
    signed_at = dt.datetime.combine(data.letter_date, dt.time(12), tzinfo=zone)
    fired = transition_fire(
        letter, "record_made_by_hand", by=by, signed_at=signed_at, position=data.signer_position
    )
    covering = outage_covering(tenant.pk, data.letter_date, zone)
    warning = "" if covering else _("No outage is recorded on %(d)s.") % {"d": data.letter_date}
    note = _("Made by hand under outage number %(n)s.") % {"n": reservation.number}
    transition_record(letter, fired, action="letter.sent", by=by, note=f"{note} {warning}".strip())
    reservation.state, reservation.letter = ReservationState.USED, letter
    reservation.closed_at, reservation.closed_by = timezone.now(), by
    # The register page lists every number of the unit: a Rahasia subject stays on the letter.
    reservation.bound_subject, reservation.bound_sha256 = notice_subject(letter), info.sha256
    reservation.save()
    deliveries = _deliveries_create(letter, by)
    text = _("New letter from %(unit)s: %(s)s") % {"unit": unit.label, "s": notice_subject(letter)}
    handlers = policy.delivery_handlers_many(deliveries)
    notify_many(
        Kind.DELIVERY_RECEIVED,
        [Notice(handlers[d.pk], d, text, letter_url(letter)) for d in deliveries],
    )
    hooks.letter_sent(letter, deliveries, by=by)
    hooks.letter_finished(letter)  # the sender's side is done: its record is filed now
    outage_blocks_ensure_for(tenant, [(unit, data.letter_type)])
    security_event_record(
        kind="outage.letter_registered",
        tenant_id=tenant.pk,
        user=by,
        target=letter,
        detail={"number": letter.number, "reservation": reservation.pk, "warned": bool(warning)},
    )
    return letter, warning
