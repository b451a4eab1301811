"""The receiving side of a delivery: opening (read receipts, audited confidential access) and
finishing."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from organizations.models import User
from workflows.services import security_event_by
from workflows.transitions import row_lock, transition_fire

from .. import hooks, signals
from ..choices import (
    DeliveryState,
)
from ..models import (
    Attachment,
    Delivery,
    Letter,
)
from .common import (
    transition_record,
)


def letter_opened(*, letter: Letter, by: User, ip: str | None = None, agent: str = "") -> None:
    """Record that a user opened a letter: first-read receipts of the deliveries they receive
    (handle, or work the unit inbox of), and an audited open for Rahasia and Sangat Rahasia letters."""
    now = timezone.now()
    unread = Delivery.objects.received_by(by).filter(letter=letter, state=DeliveryState.DELIVERED)
    # Most opens are of letters already read: those take no row lock and write no receipt.
    with transaction.atomic():  # receipts and the audited open together, or neither
        if unread.exists():
            _deliveries_read(letter, by)
        _confidential_access(
            letter, by, "letter.opened", ip, agent, security=letter.security, at=now.isoformat()
        )


def _deliveries_read(letter: Letter, by: User, *, only: int | None = None) -> None:
    """First-read receipts of the letter's unread deliveries the user receives (handles, or
    works the inbox of)."""
    rows = Delivery.objects.select_for_update().filter(
        pk__in=Delivery.objects.received_by(by).filter(letter=letter).values("pk"),
        state=DeliveryState.DELIVERED,  # tested again under the lock: one receipt per delivery
    )
    for d in rows.filter(pk=only) if only is not None else rows:
        fired = transition_fire(d, "open", by=by, reader=by)
        transition_record(d, fired, action="delivery.read", by=by)
        signals.delivery_read.send(sender=Delivery, delivery=d, by=by)


def _confidential_access(letter: Letter, by: User, kind: str, ip, agent, **detail) -> None:
    # Opening or downloading a Rahasia or Sangat Rahasia letter is itself a security event.
    if letter.is_confidential:
        security_event_by(
            by,
            kind,
            target=letter,
            detail=detail,
            ip_address=ip,
            user_agent=agent,
        )


def attachment_downloaded(
    *, attachment: Attachment, by: User, ip: str | None = None, agent: str = ""
) -> None:
    """Audit the download of a confidential letter's file."""
    _confidential_access(
        attachment.letter,
        by,
        "attachment.downloaded",
        ip,
        agent,
        attachment=attachment.pk,
        name=attachment.original_name,
    )


def letter_pdf_downloaded(*, letter: Letter, by: User, ip: str | None = None, agent: str = ""):
    """Audit the download of a confidential letter's signed PDF."""
    _confidential_access(letter, by, "letter.pdf_downloaded", ip, agent, number=letter.number)


def letter_preview_opened(*, letter: Letter, by: User, ip: str | None = None, agent: str = ""):
    """Audit the opening of a confidential letter's draft preview (its full text)."""
    _confidential_access(
        letter, by, "letter.preview_opened", ip, agent, state=letter.state, version=letter.version
    )


@transaction.atomic
def delivery_finish(*, delivery: Delivery, by: User) -> Delivery:
    """The head closes a delivery once it has been acted on. Raises TransitionNotAllowed,
    PermissionDenied."""
    delivery = row_lock(delivery)
    fired = transition_fire(delivery, "finish", by=by)
    transition_record(delivery, fired, action="delivery.done", by=by)
    hooks.delivery_done(delivery, by=by)
    signals.delivery_finished.send(sender=Delivery, delivery=delivery, by=by)
    return delivery
