"""The incoming register: letters that came in on paper or by e-mail enter a unit's inbox."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import SCAN_TYPES, UploadInfo, upload_inspect
from notifications.kinds import Kind
from notifications.services import notify
from organizations.models import Position, Unit, User
from workflows.choices import SecurityLevel, Urgency

from .. import hooks, numbering
from .. import permissions as policy
from ..choices import (
    AttachmentKind,
    LetterState,
    RecipientKind,
)
from ..models import (
    Delivery,
    Letter,
    LetterType,
)
from .common import (
    letter_url,
    notice_subject,
    tenant_today,
    transition_record,
)
from .drafting import attachment_keep, letter_fields_check


def _agenda(delivery: Delivery, unit: Unit, today: dt.date) -> None:
    """The next agenda number of the unit's register for the year."""
    seq = numbering.counter_take(
        tenant_id=unit.tenant_id, key=numbering.agenda_key(unit_id=unit.pk, year=today.year)
    )
    delivery.agenda_year, delivery.agenda_seq = today.year, seq
    delivery.agenda_number = f"{seq}/{unit.code}/{today.year}"


@transaction.atomic
def incoming_register(
    *,
    unit: Unit,
    by: User,
    sender_name: str,
    subject: str,
    received_date: dt.date,
    scan: UploadedFile,
    sender_number: str = "",
    sender_date: dt.date | None = None,
    classification_code: str = "",
    security: str = SecurityLevel.BIASA,
    urgency: str = Urgency.BIASA,
    letter_type: LetterType | None = None,
    addressed_position: Position | None = None,
    scan_types: frozenset[str] | None = SCAN_TYPES,
    extra: list[tuple[File, UploadInfo, str]] = (),
) -> Delivery:
    """Register a letter that came in on paper or by e-mail: it enters the unit's inbox with an
    agenda number, its scan attached (and `extra` files already inspected: an OCR copy, an
    e-mail's other attachments). Raises PermissionDenied, ValidationError. Long because each
    field of the register is a keyword of its own and the letter is built from all of them."""
    if not policy.can_register_incoming(by, unit):
        raise PermissionDenied
    if addressed_position is not None and addressed_position.unit_id != unit.pk:
        raise ValidationError({"addressed_position": _("Choose a position of this unit.")})
    info = upload_inspect(scan, allowed=scan_types)
    if received_date > tenant_today(unit.tenant):
        raise ValidationError({"received_date": _("The received date is in the future.")})
    letter = _incoming_letter(
        unit,
        by,
        letter_type,
        subject=subject,
        security=security,
        urgency=urgency,
        classification_code=classification_code,
        sender_name=sender_name,
        sender_number=sender_number,
        sender_date=sender_date,
        received_date=received_date,
    )
    return _incoming_create(
        letter, by, [(scan, info, AttachmentKind.SCAN), *extra], addressed_position
    )


@transaction.atomic
def incoming_accept(
    *,
    unit: Unit,
    by: User,
    sender_name: str,
    subject: str,
    files: list[tuple[File, UploadInfo, str]],
    sender_number: str = "",
    sender_date: dt.date | None = None,
    classification_code: str = "",
    security: str = SecurityLevel.BIASA,
    urgency: str = Urgency.BIASA,
    letter_type: LetterType | None = None,
    addressed_position: Position | None = None,
    reply_to: Letter | None = None,
) -> Delivery:
    """Register a letter another deployment delivered (its files already inspected, the
    signed PDF first): the caller has authenticated the sending instance and checked the
    letter's signature, so no clerk's permission is asked; `by` is the tenant's exchange
    account. A classification code unknown here is dropped (the sender's code is theirs).
    Raises ValidationError."""
    if addressed_position is not None and addressed_position.unit_id != unit.pk:
        raise ValidationError({"addressed_position": _("Choose a position of this unit.")})
    if classification_code and not hooks.classification_known(unit.tenant, classification_code):
        classification_code = ""
    letter = _incoming_letter(
        unit,
        by,
        letter_type,
        subject=subject,
        security=security,
        urgency=urgency,
        classification_code=classification_code,
        sender_name=sender_name,
        sender_number=sender_number,
        sender_date=sender_date,
        received_date=tenant_today(unit.tenant),
    )
    letter.reply_to = (
        reply_to if reply_to is not None and reply_to.tenant_id == unit.tenant_id else None
    )
    return _incoming_create(letter, by, files, addressed_position)


def _incoming_letter(unit: Unit, by: User, letter_type: LetterType | None, **fields) -> Letter:
    """A registered incoming letter of `unit`, its fields checked (not yet saved)."""
    letter = Letter(
        tenant_id=unit.tenant_id,
        letter_type=letter_type or LetterType.objects.filter(tenant_id=unit.tenant_id).first(),
        drafter=by,
        unit=unit,
        is_incoming=True,
        state=LetterState.REGISTERED,
        sent_at=timezone.now(),
        **fields,
    )
    letter_fields_check(letter)
    return letter


def _incoming_create(
    letter: Letter,
    by: User,
    files: list[tuple[File, UploadInfo, str]],
    addressed_position: Position | None,
) -> Delivery:
    """Save a checked incoming letter with its files and deliver it into its unit's inbox;
    the handlers are told."""
    if not letter.sender_name.strip():
        raise ValidationError({"sender_name": _("Name the sender.")})
    letter.save()
    for upload, info, kind in files:
        attachment_keep(letter, by, upload, info, kind)
    d = _incoming_deliver(letter, by, addressed_position)
    notify(
        policy.delivery_handlers(d),
        Kind.DELIVERY_RECEIVED,
        d,
        text=_("New letter from %(unit)s: %(s)s")
        % {"unit": letter.sender_name, "s": notice_subject(letter)},
        url=letter_url(letter),
    )
    return d


def _incoming_deliver(letter: Letter, by: User, addressed_position: Position | None) -> Delivery:
    """The registered letter's delivery into its unit's inbox (a confidential one to the head's
    post), with an agenda number; both logged."""
    unit = letter.unit
    position = addressed_position
    if position is None and letter.is_confidential:
        position = policy.unit_heads([unit.pk]).get(unit.pk)
    d = Delivery(
        tenant_id=unit.tenant_id,
        letter=letter,
        unit=unit,
        position=position,
        kind=RecipientKind.TO,
        security=letter.security,
        urgency=letter.urgency,
        delivered_at=letter.sent_at,
    )
    _agenda(d, unit, tenant_today(unit.tenant))
    d.save()
    transition_record(letter, "", action="letter.registered", by=by, save=False)
    transition_record(d, "", action="delivery.delivered", by=by, save=False)
    return d
