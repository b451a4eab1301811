"""Reminders: planning them for attendees, sending those due, the tenant's defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from organizations.models import Tenant

from ..choices import EventState, Rsvp
from ..models import Attendee, CalendarSettings, Reminder
from .base import (
    event_notice_title,
    event_url,
    local_label,
    reminder_minutes_clean,
)


def _reminders_plan(attendees: Iterable[Attendee], *, now: dt.datetime | None = None) -> None:
    """Create the reminders still ahead for these attendees (never one already due)."""
    now = now or timezone.now()
    rows = []
    for a in attendees:
        event = a.event
        if event.is_cancelled or a.rsvp not in Rsvp.going():
            continue
        for minutes in event.reminder_minutes:
            due = event.starts_at - dt.timedelta(minutes=int(minutes))
            if due > now:
                rows.append(Reminder(attendee=a, minutes_before=int(minutes), due_at=due))
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every reminder that is due and not yet sent, for events still to come that were
    not cancelled, to people still expected there. Each reminder is claimed with a
    conditional update first, so two workers never send the same one; when a person has
    several due at once (the worker was down), only the nearest goes out."""
    now = now or timezone.now()
    due = list(
        Reminder.objects.filter(
            sent_at__isnull=True,
            due_at__lte=now,
            attendee__rsvp__in=Rsvp.going(),
            attendee__event__state=EventState.SCHEDULED,
            attendee__event__starts_at__gt=now,
        )
        .select_related("attendee__user", "attendee__event__tenant", "attendee__event__room")
        .order_by("attendee_id", "minutes_before")[:1000]
    )
    sent = 0
    nearest: set[int] = set()
    for r in due:
        first = r.attendee_id not in nearest
        nearest.add(r.attendee_id)
        with transaction.atomic():
            claimed = Reminder.objects.filter(pk=r.pk, sent_at__isnull=True).update(
                sent_at=now, skipped=not first
            )
            if not claimed or not first:
                continue  # another worker took it, or a nearer one goes out instead
            event = r.attendee.event
            text = _("Reminder: %(t)s, %(when)s%(where)s") % {
                "t": event_notice_title(event),
                "when": local_label(event.starts_at, event.tenant.time_zone),
                "where": f", {event.place}" if event.place and not event.is_confidential else "",
            }
            notify_many(Kind.REMINDER, [Notice([r.attendee.user], event, text, event_url(event))])
            sent += 1
    return sent


@transaction.atomic
def calendar_settings_set(*, tenant: Tenant, reminder_minutes: Iterable[int]) -> CalendarSettings:
    """The tenant's default reminders for new events."""
    row, _created = CalendarSettings.objects.update_or_create(
        tenant=tenant, defaults={"reminder_minutes": reminder_minutes_clean(reminder_minutes)}
    )
    return row
