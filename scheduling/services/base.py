"""What the calendar's use cases share: labels and links, reminder defaults, time checks,
who holds a post, the audience of an event, and the event row lock."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from organizations.choices import TimeZone
from organizations.models import Assignment, Position, Tenant, Unit, User

from ..choices import Rsvp
from ..models import DEFAULT_REMINDERS, CalendarSettings, Event

MAX_REMINDER_MINUTES = 14 * 24 * 60


def local_label(moment: dt.datetime, zone: str, *, time_only: bool = False) -> str:
    """A time as the viewer's tenant shows it: "Senin, 23 November 2026 09.00 WIB"."""
    local = timezone.localtime(moment, ZoneInfo(zone))
    clock = f"{local:%H.%M} {TimeZone.abbreviation(zone)}".strip()
    if time_only:
        return clock
    return f"{formats.date_format(local.date(), 'l, j F Y')} {clock}"


def event_notice_title(event: Event) -> str:
    """An event's title as a notification may show it: never for Rahasia and above."""
    if event.is_confidential:
        return _("%(level)s meeting") % {"level": event.get_security_display()}
    return event.title


def event_url(event: Event) -> str:
    """The path of an event's page."""
    return reverse("scheduling:event", args=[event.pk])


def reminder_minutes_for(tenant: Tenant) -> list[int]:
    """The tenant's default reminders (minutes before), or the platform's."""
    found = CalendarSettings.objects.filter(tenant=tenant).values_list(
        "reminder_minutes", flat=True
    )
    return list(found[0]) if found else list(DEFAULT_REMINDERS)


def reminder_minutes_clean(minutes: Iterable[int]) -> list[int]:
    """Distinct whole minutes, largest first; raises ValidationError."""
    try:
        values = sorted({int(m) for m in minutes}, reverse=True)
    except (TypeError, ValueError):
        raise ValidationError(_("Give reminders in whole minutes.")) from None
    if len(values) > 5 or any(m < 1 or m > MAX_REMINDER_MINUTES for m in values):
        raise ValidationError(_("Up to 5 reminders, each between 1 minute and 14 days before."))
    return values


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if starts_at is None or ends_at is None:
        raise ValidationError({"starts_at": _("Give the start and the end.")})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": _("Times need a time zone.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The event must end after it starts.")})
    if ends_at - starts_at > dt.timedelta(days=31):
        raise ValidationError({"ends_at": _("An event lasts at most 31 days.")})


def _holders(position_ids: Iterable[int]) -> dict[int, list[User]]:
    """Current holders (definitive and acting) of each post, active users only."""
    found: dict[int, list[User]] = defaultdict(list)
    rows = (
        Assignment.objects.current(timezone.localdate())
        .filter(position_id__in=list(position_ids), user__is_active=True)
        .select_related("user")
        .order_by("kind", "start_date")
    )
    for a in rows:
        if a.user not in found[a.position_id]:
            found[a.position_id].append(a.user)
    return found


def _head(unit: Unit) -> Position | None:
    return Position.objects.filter(unit=unit, is_head=True, is_active=True).order_by("pk").first()


def _audience(event: Event) -> list[User]:
    """Everyone on an event who should hear about a change to it."""
    return [a.user for a in event.attendees.select_related("user") if a.rsvp != Rsvp.DECLINED]


def _lock_event(event: Event) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("tenant", "room")
        .get(pk=event.pk)
    )
