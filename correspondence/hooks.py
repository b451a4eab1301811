"""Where letters meet the other apps: the archive's file plan and records, the calendar.

Correspondence calls `archive.services` / `scheduling.services` from here and only here, so
the dependency stays one-way and each integration point is easy to find.
"""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from archive.selectors import record_of_sources_for_user
from archive.services import records as archive_records
from core.tasks import enqueue_with_transaction
from scheduling import selectors as calendar
from scheduling import services as scheduling

from .choices import DeliveryState, RecipientKind
from .models import Delivery, DispositionInstruction

CODE = re.compile(r"^\d{3}(\.\d+)*$")


def classification_known(tenant, code: str) -> bool:
    """Whether a classification code exists in the tenant's file plan (a tenant that has no
    file plan yet accepts any well-formed code)."""
    if not CODE.match(code):
        return False
    return archive_records.classification_exists(tenant.pk, code) or not (
        archive_records.file_plan_in_use(tenant.pk)
    )


def classification_state(tenant, code: str) -> str:
    """The state of a letter's classification code in the tenant's file plan: "ok" (active,
    or any well-formed code while the tenant has no file plan yet), "inactive" or "unknown"."""
    if not CODE.match(code):
        return "unknown"
    active = archive_records.classification_active(tenant.pk, code)
    if active is None:
        return "ok" if not archive_records.file_plan_in_use(tenant.pk) else "unknown"
    return "ok" if active else "inactive"


def letter_finished(letter) -> None:
    """A letter is finished (closed by its sender, or every delivery done): file it in the
    archive in the background (its PDFs take a moment), queued with this transaction."""
    # Imported here: tasks imports services, which import this module (hooks → tasks →
    # services → hooks).
    from . import tasks

    enqueue_with_transaction(tasks.letter_archive, letter.pk)


def _makes_event(letter) -> bool:
    return bool(letter.letter_type.creates_event and letter.event_start)


def letter_sent(letter, deliveries, *, by) -> None:
    """After a letter is sent (inside the sending transaction): an undangan becomes events in
    the calendars of the units it invites (its "to" recipients; tembusan only informs)."""
    if not _makes_event(letter):
        return
    scheduling.event_sync_from_source(
        source=letter,
        title=letter.subject,
        starts_at=letter.event_start,
        ends_at=letter.event_end,
        location=letter.event_location,
        organiser_unit=letter.unit,
        security=letter.security,
        invites=[
            scheduling.Invite(unit=d.unit, position=d.position)
            for d in deliveries
            if d.kind == RecipientKind.TO
        ],
        by=by,
        agenda=letter.summary,
        label=f"{letter.letter_type.name} {letter.number}".strip(),
        url=reverse("correspondence:letter", args=[letter.pk]),
    )


def letter_retracted(letter, *, reason: str, by) -> None:
    """After a sent letter is retracted: its events are cancelled."""
    if _makes_event(letter):
        scheduling.event_cancel_for_source(source=letter, reason=reason, by=by)


def letter_rescheduled(letter, *, by) -> None:
    """After a sent invitation's time or place changed: its events move."""
    scheduling.event_reschedule_for_source(
        source=letter,
        starts_at=letter.event_start,
        ends_at=letter.event_end,
        location=letter.event_location,
        by=by,
    )


def disposition_issued(disposition, *, by) -> None:
    """After a disposition is issued: "attend/represent" on an invitation sends the assignee
    to its event in the issuer's place."""
    letter = disposition.letter
    if not _makes_event(letter) or not disposition.instructions:
        return
    represents = DispositionInstruction.objects.filter(
        tenant_id=disposition.tenant_id, code__in=disposition.instructions, represents=True
    ).exists()
    if represents:
        scheduling.event_representative_assign(
            source=letter,
            unit=disposition.delivery.unit,
            from_position=disposition.issued_as,
            to_position=disposition.to_position,
            by=by,
        )


def event_clashes(letter, position_ids) -> dict[int, list]:
    """For the disposition form of an invitation: the posts whose holders are already
    expected elsewhere at that time, with the events in the way."""
    if not _makes_event(letter):
        return {}
    end = letter.event_end or letter.event_start + dt.timedelta(hours=2)
    return calendar.busy_positions(position_ids, letter.event_start, end, exclude_source=letter)


def delivery_done(delivery, *, by) -> None:
    """After a delivery is closed: the receiving unit's record of it is filed once this
    commits, and when it was the letter's last open one, the letter is finished."""
    from . import tasks  # hooks → tasks → services → hooks, as in `letter_finished`

    enqueue_with_transaction(tasks.delivery_archive, delivery.pk)
    # A copy (tembusan) is only informed: the letter is finished once every "to" delivery is
    # done, whatever its copies do (a letter sent to copies only, once they all are).
    siblings = Delivery.objects.filter(letter_id=delivery.letter_id)
    if siblings.filter(kind=RecipientKind.TO).exists():
        if not delivery.is_to():
            return
        siblings = siblings.filter(kind=RecipientKind.TO)
    still_open = siblings.exclude(state__in=[DeliveryState.DONE, DeliveryState.RETRACTED]).exists()
    if not still_open:
        letter_finished(delivery.letter)


def archived_record(letter, user):
    """The archive record of a letter that this user may open, if any (for a link on the
    letter page): their side's, the sender's or their receiving unit's."""
    deliveries = Delivery.objects.visible_to(user).filter(letter_id=letter.pk)
    return record_of_sources_for_user(user, [letter, *deliveries])
