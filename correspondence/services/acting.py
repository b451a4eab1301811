"""Acting on a letter once it arrived: reply (a new draft linked to it), forward it to other
units with a note, and acknowledge a copy (tembusan) as read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from organizations.models import Unit, User
from workflows.services import transition_log_many
from workflows.transitions import row_lock, transition_fire

from .. import acting, hooks, signals
from .. import permissions as policy
from ..choices import DeliveryState, RecipientKind
from ..models import AddressBookEntry, Delivery, Letter, LetterType
from .common import RecipientInput, letter_url, notice_subject, transition_record
from .drafting import letter_create
from .sending import _agenda_many


def _reply_type(letter: Letter, by: User) -> LetterType:
    """The reply's type: the original's where the replier's tenant has it (not for mail from
    off the platform), else a Surat Dinas, else the tenant's first type."""
    types = LetterType.objects.filter(tenant_id=by.tenant_id, is_active=True)
    same = None if letter.is_incoming else types.filter(code=letter.letter_type.code).first()
    chosen = same or types.filter(code="surat_dinas").first() or types.order_by("pk").first()
    if chosen is None:
        raise ValidationError({"letter_type": _("No type of letter is set up.")})
    return chosen


def _reply_addressee(letter: Letter, by: User) -> RecipientInput:
    """Back to where the letter came from: the unit of its signer (the OPD, not the drafter's
    seksi), or for mail registered from off the platform, the sender's address-book entry."""
    if not letter.is_incoming:
        return RecipientInput(kind=RecipientKind.TO, unit=_sending_unit(letter))
    entries = AddressBookEntry.objects.filter(tenant_id=by.tenant_id, is_active=True)
    entry = (
        entries.filter(name__iexact=letter.sender_name.strip()).first()
        or entries.filter(organization__iexact=letter.sender_name.strip()).first()
    )
    if entry is None:
        raise ValidationError(
            {
                "recipients": _(
                    "%(sender)s is not in the address book: add it there first, then reply."
                )
                % {"sender": letter.sender_name}
            }
        )
    return RecipientInput(kind=RecipientKind.TO, address=entry)


def _sending_unit(letter: Letter) -> Unit:
    return letter.signed_as.unit if letter.signed_as_id else letter.unit


def reply_opening(letter: Letter) -> str:
    """The reply's first paragraph: the letter it answers, by sender, number, date and hal."""
    sender = letter.sender_name if letter.is_incoming else _sending_unit(letter).name
    number = letter.sender_number if letter.is_incoming else letter.number
    day = letter.sender_date if letter.is_incoming else letter.signed_at or letter.sent_at
    text = _(
        "In reply to the letter of %(sender)s number %(number)s dated %(date)s on "
        "%(subject)s, we convey the following."
    ) % {
        "sender": sender,
        "number": number or "—",
        "date": date_format(day, "j F Y") if day else "—",
        "subject": letter.subject,
    }
    return f"<p>{escape(text)}</p><p></p>"


def letter_reply_start(*, letter: Letter, by: User) -> Letter:
    """Start the reply to a received letter: a draft of the replier's own, linked by
    `reply_to`, addressed back to the sending unit, opening with the reference. Raises
    PermissionDenied, ValidationError."""
    if not acting.can_reply_letter(by, letter):
        raise PermissionDenied
    return letter_create(
        by=by,
        letter_type=_reply_type(letter, by),
        subject=letter.subject,
        recipients=[_reply_addressee(letter, by)],
        body=reply_opening(letter),
        security=letter.security,
        reply_to=letter,
    )


def _forward_targets(letter: Letter, by: User, units: list[Unit]) -> list[Unit]:
    """The chosen units of the user's government that do not have the letter yet."""
    has = set(
        Delivery.objects.filter(letter=letter)
        .exclude(state=DeliveryState.RETRACTED)
        .values_list("unit_id", flat=True)
    )
    targets = [
        u
        for u in dict.fromkeys(units)
        if u.tenant_id == by.tenant_id and u.is_active and u.pk not in has
    ]
    if not targets:
        raise ValidationError({"units": _("Choose units that do not have this letter yet.")})
    return targets


@transaction.atomic
def letter_forward(
    *, letter: Letter, by: User, units: list[Unit], note: str = ""
) -> list[Delivery]:
    """Forward a received letter from the user's inbox to other units of their government:
    one copy delivery each, marked with who forwarded it and the note, numbered in the unit's
    agenda, logged on the letter (or, for another government's letter, on the user's own
    delivery). Raises PermissionDenied, ValidationError."""
    source = acting.forwardable_delivery(by, letter)
    if source is None:
        raise PermissionDenied
    source = row_lock(source)  # two forwards at once do not both pass the "already there" test
    targets = _forward_targets(letter, by, units)
    now = timezone.now()
    rows = [
        Delivery(
            tenant_id=by.tenant_id,
            letter=letter,
            unit=u,
            kind=RecipientKind.CC,
            security=source.security,
            urgency=source.urgency,
            delivered_at=now,
            forwarded_from=source,
            forwarded_by=by,
            forward_note=note.strip()[:2000],
        )
        for u in targets
    ]
    _agenda_many(rows)
    rows = Delivery.objects.bulk_create(rows)
    transition_log_many(
        rows,
        tenant_id=by.tenant_id,
        action="delivery.forwarded",
        target=DeliveryState.DELIVERED,
        actor=by,
        note=note.strip()[:2000],
    )
    said = ", ".join(u.label for u in targets) + (f": {note.strip()}" if note.strip() else "")
    logged = letter if letter.tenant_id == by.tenant_id else source
    transition_record(logged, logged.state, action="letter.forwarded", by=by, note=said, save=False)
    text = _("Forwarded by %(who)s: %(s)s") % {
        "who": by.display_name,
        "s": notice_subject(letter),
    }
    handlers = policy.delivery_handlers_many(rows)
    notify_many(
        Kind.DELIVERY_RECEIVED,
        [Notice(handlers[d.pk], d, text, letter_url(letter)) for d in rows],
    )
    return rows


@transaction.atomic
def delivery_acknowledge(*, delivery: Delivery, by: User) -> Delivery:
    """A copy's reader says it was read ("sudah dibaca"): the copy is closed and filed. Raises
    TransitionNotAllowed (not a copy, or closed already), PermissionDenied."""
    delivery = row_lock(delivery)
    unread = delivery.first_read_at is None
    fired = transition_fire(delivery, "acknowledge", by=by, reader=by)
    transition_record(delivery, fired, action="delivery.acknowledged", by=by)
    if unread:
        signals.delivery_read.send(sender=Delivery, delivery=delivery, by=by)
    hooks.delivery_done(delivery, by=by)
    signals.delivery_finished.send(sender=Delivery, delivery=delivery, by=by)
    return delivery
