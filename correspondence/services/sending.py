"""After the signature: send (deliveries with agenda numbers), retract, close, reschedule an
invitation, and record dispatch to addressees off the platform."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from notifications.kinds import Kind
from notifications.services import Notice, notify, notify_many
from organizations.models import Position, User
from workflows.services import transition_log_many
from workflows.transitions import row_lock, transition_fire

from .. import hooks, numbering, signals
from .. import permissions as policy
from ..choices import (
    DeliveryState,
    LetterState,
    RecipientScope,
)
from ..models import (
    Delivery,
    Disposition,
    Letter,
    Recipient,
)
from .common import (
    letter_notify,
    letter_url,
    notice_subject,
    tenant_today,
    transition_record,
)
from .emailing import recipients_email_queue


def _confidential_heads(letter: Letter, recipients: list[Recipient]) -> dict[int, Position]:
    """A confidential letter to a unit goes to its head's post, never to the unit inbox."""
    if not letter.is_confidential:
        return {}
    return policy.unit_heads(r.unit_id for r in recipients if r.position_id is None)


def _agenda_many(deliveries: list[Delivery]) -> None:
    """Agenda numbers for a send's deliveries, each in its unit's register for the year of
    its tenant's today; counters taken per tenant in one locked batch."""
    by_tenant: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_tenant[d.unit.tenant_id].append(d)
    for tenant_id, rows in sorted(by_tenant.items()):
        year = tenant_today(rows[0].unit.tenant).year
        keys = [numbering.agenda_key(unit_id=d.unit_id, year=year) for d in rows]
        taken = numbering.counters_take(tenant_id=tenant_id, counts=Counter(keys))
        for d, key in zip(rows, keys, strict=True):
            seq = taken[key]
            taken[key] += 1
            d.agenda_year, d.agenda_seq = year, seq
            d.agenda_number = f"{seq}/{d.unit.code}/{year}"


@transaction.atomic
def letter_send(*, letter: Letter, by: User) -> Letter:
    """Deliver a signed letter: one delivery per recipient unit or position, each with an
    agenda number in the receiving unit, and an e-mail queued for each addressee off the
    platform with an e-mail address, all in this transaction. Raises
    TransitionNotAllowed, PermissionDenied."""
    letter = row_lock(letter)
    fired = transition_fire(letter, "send", by=by)
    deliveries = _deliveries_create(letter, by)
    transition_record(letter, fired, action="letter.sent", by=by)
    subject = notice_subject(letter)
    text = _("New letter from %(unit)s: %(s)s") % {"unit": letter.unit.label, "s": subject}
    handlers = policy.delivery_handlers_many(deliveries)
    notify_many(
        Kind.DELIVERY_RECEIVED,
        [Notice(handlers[d.pk], d, text, letter_url(letter)) for d in deliveries],
    )
    notify(
        [letter.drafter],
        Kind.LETTER_SENT,
        letter,
        text=_("Sent: %(s)s") % {"s": subject},
        url=letter_url(letter),
    )
    hooks.letter_sent(letter, deliveries, by=by)
    recipients_email_queue(letter)
    signals.letter_sent.send(sender=Letter, letter=letter, by=by)
    return letter


def _deliveries_create(letter: Letter, by: User) -> list[Delivery]:
    """One delivery per recipient unit or position of a letter being sent, numbered in the
    receiving unit's agenda and logged as delivered."""
    recipients = list(
        letter.recipients.filter(unit__isnull=False).select_related("unit__tenant", "position")
    )
    deliveries = []
    heads = _confidential_heads(letter, recipients)
    for r in sorted(recipients, key=lambda r: (r.unit_id, r.pk)):
        deliveries.append(
            Delivery(
                tenant_id=r.unit.tenant_id,
                letter=letter,
                recipient=r,
                unit=r.unit,
                position=r.position or heads.get(r.unit_id),
                kind=r.kind,
                security=letter.security,
                urgency=letter.urgency,
                delivered_at=letter.sent_at,
            )
        )
    _agenda_many(deliveries)
    deliveries = Delivery.objects.bulk_create(deliveries)
    by_tenant: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_tenant[d.tenant_id].append(d)
    for tenant_id, rows in by_tenant.items():
        transition_log_many(
            rows,
            tenant_id=tenant_id,
            action="delivery.delivered",
            target=DeliveryState.DELIVERED,
            actor=by,
        )
    return deliveries


@transaction.atomic
def letter_retract(*, letter: Letter, by: User, reason: str) -> Letter:
    """The signer withdraws a sent letter with a reason; it keeps its number; every recipient
    is told. Raises ValidationError, TransitionNotAllowed, PermissionDenied."""
    letter = row_lock(letter)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for retracting.")})
    fired = transition_fire(letter, "retract", by=by, reason=reason)
    letter.save()
    handlers = _deliveries_retract(letter, by)
    transition_record(
        letter,
        fired,
        action="letter.retracted",
        by=by,
        position=letter.signed_as,
        note=reason,
        save=False,
    )
    letter_notify(handlers, Kind.LETTER_RETRACTED, letter, _("Retracted: %(s)s"))
    hooks.letter_retracted(letter, reason=reason, by=by)
    return letter


def _deliveries_retract(letter: Letter, by: User) -> list[User]:
    """Withdraw a retracted letter's open deliveries; returns who is told: each delivery's
    handlers and the assignees of its dispositions."""
    handlers: list[User] = []
    for d in Delivery.objects.select_for_update().filter(letter=letter):
        if d.state not in (DeliveryState.DONE, DeliveryState.RETRACTED):
            fired = transition_fire(d, "withdraw_by_sender")
            transition_record(d, fired, action="delivery.retracted", by=by)
        handlers += policy.delivery_handlers(d)
    assignees: dict[tuple[int, str], list[int]] = defaultdict(list)
    for tenant_id, security, post in Disposition.objects.filter(letter=letter).values_list(
        "tenant_id", "delivery__security", "to_position_id"
    ):
        assignees[(tenant_id, security)].append(post)
    for (tenant_id, security), posts in assignees.items():
        handlers += policy.position_users(posts, level=security, tenant_id=tenant_id)
    return handlers


@transaction.atomic
def letter_close(*, letter: Letter, by: User) -> Letter:
    """The drafter or signer closes a sent letter: it is filed in the archive (in the
    background, after commit). Raises PermissionDenied if it may not be closed (again)."""
    letter = row_lock(letter)
    if not policy.can_close_letter(by, letter):
        raise PermissionDenied
    letter.closed_at = timezone.now()
    letter.save(update_fields=["closed_at", "updated_at"])
    transition_record(letter, letter.state, action="letter.closed", by=by, save=False)
    hooks.letter_finished(letter)
    return letter


@transaction.atomic
def letter_reschedule(
    *,
    letter: Letter,
    by: User,
    event_start: dt.datetime,
    event_end: dt.datetime | None,
    event_location: str,
) -> Letter:
    """Move a sent invitation to another time or place: the letter's details change (logged
    with the old and new time) and its events move, each attendee told once. The signed PDF
    keeps the time it was signed with. Raises TransitionNotAllowed, PermissionDenied,
    ValidationError."""
    letter = row_lock(letter)
    if not policy.can_reschedule_letter(by, letter):
        if letter.state != LetterState.SENT or not letter.letter_type.creates_event:
            raise TransitionNotAllowed("only a sent invitation can be rescheduled")
        raise PermissionDenied
    if event_start is None:
        raise ValidationError({"event_start": _("Give the new start.")})
    if event_end is not None and event_end <= event_start:
        raise ValidationError({"event_end": _("The event must end after it starts.")})
    location = (event_location or "").strip()[:200]
    before = (letter.event_start, letter.event_end, letter.event_location)
    if before == (event_start, event_end, location):
        return letter
    zone = ZoneInfo(letter.tenant.time_zone)
    note = _("%(old)s → %(new)s") % {
        "old": f"{timezone.localtime(before[0], zone):%Y-%m-%d %H:%M} {before[2]}".strip(),
        "new": f"{timezone.localtime(event_start, zone):%Y-%m-%d %H:%M} {location}".strip(),
    }
    letter.event_start, letter.event_end, letter.event_location = event_start, event_end, location
    letter.save(update_fields=["event_start", "event_end", "event_location", "updated_at"])
    transition_record(
        letter, letter.state, action="letter.rescheduled", by=by, note=note, save=False
    )
    hooks.letter_rescheduled(letter, by=by)
    return letter


@transaction.atomic
def recipient_mark_dispatched(*, recipient: Recipient, by: User) -> Recipient:
    """The clerk records that the signed PDF went to an addressee off the platform."""
    letter = recipient.letter
    if recipient.scope != RecipientScope.EXTERNAL or not policy.can_dispatch_external(by, letter):
        raise PermissionDenied
    recipient = row_lock(recipient)
    if recipient.dispatched_at is None:
        recipient.dispatched_at, recipient.dispatched_by = timezone.now(), by
        recipient.save(update_fields=["dispatched_at", "dispatched_by"])
        note = str(recipient)
        transition_record(letter, "", action="letter.dispatched", by=by, note=note, save=False)
    return recipient
