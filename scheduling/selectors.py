"""Reads of the calendar: ranges for the three calendars, clashes, one event, the feed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from organizations.models import Assignment, User
from organizations.permissions import can_login_to_tenant

from .choices import BookingState, CalendarView, EventState, Rsvp
from .models import Attendee, CalendarFeed, Event, Room, RoomBooking

FEED_PAST = dt.timedelta(days=90)
FEED_AHEAD = dt.timedelta(days=400)
MAX_RANGE = dt.timedelta(days=62)


@dataclass
class Slot:
    """One entry of a calendar: an event the viewer may see, or a busy block in a room."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    event: Event | None = None
    mine: Attendee | None = None
    clash: bool = False
    busy_only: bool = False


def _clashing(user_id: int) -> Q:
    """Attendances of the user that overlap another of theirs (both still expected)."""
    other = (
        Attendee.objects.going()
        .filter(
            user_id=user_id,
            event__starts_at__lt=OuterRef("event__ends_at"),
            event__ends_at__gt=OuterRef("event__starts_at"),
        )
        .exclude(event_id=OuterRef("event_id"))
    )
    return Q(Exists(other))


def clash_event_ids(user, event_ids: Iterable[int]) -> set[int]:
    """Which of these events overlap another event the user is still expected at."""
    ids = list(event_ids)
    if not ids:
        return set()
    return set(
        Attendee.objects.going()
        .filter(user_id=user.pk, event_id__in=ids)
        .filter(_clashing(user.pk))
        .values_list("event_id", flat=True)
    )


def range_check(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start or end - start > MAX_RANGE:
        raise ValueError("a calendar range is at most 62 days")


def calendar_events(
    *, viewer, start: dt.datetime, end: dt.datetime, unit=None, personal: bool = True
) -> list[Slot]:
    """The events the viewer may see in [start, end), for their personal calendar or a unit's,
    each with their own answer and a clash mark."""
    range_check(start, end)
    qs = Event.objects.visible_to(viewer).overlapping(start, end)
    qs = qs.for_unit(unit) if unit is not None else qs.personal(viewer)
    events = list(
        qs.select_related("room", "organiser_unit", "tenant")
        .prefetch_related(
            Prefetch("attendees", queryset=Attendee.objects.filter(user_id=viewer.pk), to_attr="me")
        )
        .order_by("starts_at", "pk")
    )
    clashes = clash_event_ids(viewer, [e.pk for e in events])
    return [
        Slot(e.starts_at, e.ends_at, e.title, e, (e.me or [None])[0], e.pk in clashes)
        for e in events
    ]


def room_calendar(*, viewer, room: Room, start: dt.datetime, end: dt.datetime) -> list[Slot]:
    """A room's bookings in [start, end); bookings of events the viewer may not see show as
    busy blocks without a title."""
    range_check(start, end)
    bookings = list(
        RoomBooking.objects.filter(
            room=room, state=BookingState.ACTIVE, starts_at__lt=end, ends_at__gt=start
        )
        .select_related("event")
        .order_by("starts_at", "pk")
    )
    visible = set(
        Event.objects.visible_to(viewer)
        .filter(pk__in=[b.event_id for b in bookings if b.event_id])
        .values_list("pk", flat=True)
    )
    slots = []
    for b in bookings:
        if b.event_id is None:
            slots.append(Slot(b.starts_at, b.ends_at, b.title))
        elif b.event_id in visible:
            slots.append(Slot(b.starts_at, b.ends_at, b.event.title, b.event))
        else:
            slots.append(Slot(b.starts_at, b.ends_at, "", busy_only=True))
    return slots


def event_get_for_user(user, pk) -> Event:
    """An event the user may see; missing, hidden and foreign give the same 404."""
    try:
        return (
            Event.objects.visible_to(user)
            .select_related("room", "organiser_unit", "tenant", "created_by")
            .get(pk=pk)
        )
    except (Event.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def event_attendees(event: Event) -> list[Attendee]:
    """Everyone on an event with a clash mark per person (one query for the marks)."""
    other = (
        Attendee.objects.going()
        .filter(
            user_id=OuterRef("user_id"),
            event__starts_at__lt=OuterRef("event__ends_at"),
            event__ends_at__gt=OuterRef("event__starts_at"),
        )
        .exclude(event_id=OuterRef("event_id"))
    )
    rows = list(
        event.attendees.select_related("user", "position", "unit", "delegated_to__user")
        .annotate(overlaps=Exists(other))
        .order_by("unit__path", "role", "pk")
    )
    live = event.state == EventState.SCHEDULED
    for a in rows:
        a.clash = live and a.overlaps and a.rsvp in Rsvp.going()
    return rows


def subordinates_of(attendee: Attendee, *, limit: int = 300) -> list[User]:
    """Who the attendee may send in their place, in one query: holders of posts in units
    below theirs, and for a head also the other posts of their own unit (the rule of
    `permissions.subordinate_post`)."""
    own = attendee.position
    if own is None:
        return []
    unit = own.unit
    below = Q(position__unit__path__startswith=unit.path, position__unit__depth__gt=unit.depth)
    if own.is_head:
        below |= Q(position__unit_id=unit.pk) & ~Q(position_id=own.pk)
    holders = (
        Assignment.objects.current(timezone.localdate())
        .filter(below, tenant_id=attendee.event.tenant_id)
        .values("user_id")
    )
    return list(
        User.objects.filter(pk__in=holders, is_active=True)
        .exclude(pk=attendee.user_id)
        .order_by("first_name", "last_name", "pk")[:limit]
    )


def attendee_of(event: Event, user) -> Attendee | None:
    return event.attendees.filter(user_id=user.pk).select_related("delegated_to__user").first()


def busy_positions(
    position_ids: Iterable[int], start: dt.datetime, end: dt.datetime, *, exclude_source=None
) -> dict[int, list[Event]]:
    """For each post whose holder is expected at another event overlapping [start, end):
    those events (for the clash mark a head sees when dispositioning an invitation)."""
    ids = list(position_ids)
    if not ids:
        return {}
    holders = defaultdict(set)
    for position_id, user_id in (
        Assignment.objects.current(timezone.localdate())
        .filter(position_id__in=ids)
        .values_list("position_id", "user_id")
    ):
        holders[user_id].add(position_id)
    rows = Attendee.objects.going().filter(
        user_id__in=list(holders), event__starts_at__lt=end, event__ends_at__gt=start
    )
    if exclude_source is not None:
        rows = rows.exclude(
            event__source_type=ContentType.objects.get_for_model(exclude_source),
            event__source_id=exclude_source.pk,
        )
    found: dict[int, list[Event]] = defaultdict(list)
    for a in rows.select_related("event"):
        for position_id in holders[a.user_id]:
            found[position_id].append(a.event)
    return dict(found)


def feed_for_token(token: str, *, tenant) -> CalendarFeed | None:
    """The live feed of a token asked for on a host of its user's own tenant, or None (a
    token works on its tenant's hosts only, as API tokens do). Reads only: the caller notes
    the use through `services.calendar_feed_touch`."""
    feed = (
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash(token), revoked_at__isnull=True)
        .select_related("user__tenant")
        .first()
    )
    if feed is None or not can_login_to_tenant(feed.user, tenant):
        return None
    return feed


def feed_live(user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_events(user) -> list[Event]:
    """The user's personal events from 90 days back to 400 ahead, cancelled ones included
    (so a subscribed calendar drops them)."""
    now = timezone.now()
    return list(
        Event.objects.visible_to(user)
        .personal(user)
        .filter(ends_at__gt=now - FEED_PAST, starts_at__lt=now + FEED_AHEAD)
        .select_related("room", "organiser_unit", "tenant")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related("user", "unit").order_by("pk"),
            )
        )
        .order_by("starts_at", "pk")
    )


def rooms_for(user) -> list[Room]:
    return list(Room.objects.filter(tenant_id=user.tenant_id, is_active=True).order_by("name"))


@dataclass
class Window:
    view: str
    anchor: dt.date
    days: list[dt.date]
    start: dt.datetime
    end: dt.datetime
    previous: dt.date
    next: dt.date


def calendar_window(view: str, anchor: dt.date, zone: str) -> Window:
    """The local days and the UTC range a calendar view covers (month: whole weeks)."""
    tz = ZoneInfo(zone)
    if view == CalendarView.DAY:
        first, count = anchor, 1
        prev, nxt = anchor - dt.timedelta(days=1), anchor + dt.timedelta(days=1)
    elif view == CalendarView.WEEK:
        first, count = anchor - dt.timedelta(days=anchor.weekday()), 7
        prev, nxt = anchor - dt.timedelta(days=7), anchor + dt.timedelta(days=7)
    elif view == CalendarView.MONTH:
        month_start = anchor.replace(day=1)
        following = (month_start + dt.timedelta(days=32)).replace(day=1)
        first = month_start - dt.timedelta(days=month_start.weekday())
        last = following + dt.timedelta(days=(6 - following.weekday()) % 7)
        count = (last - first).days
        prev, nxt = (month_start - dt.timedelta(days=1)).replace(day=1), following
    else:  # agenda: the next 30 days
        first, count = anchor, 30
        prev, nxt = anchor - dt.timedelta(days=30), anchor + dt.timedelta(days=30)
    days = [first + dt.timedelta(days=i) for i in range(count)]
    start = dt.datetime.combine(first, dt.time.min, tz)
    end = dt.datetime.combine(first + dt.timedelta(days=count), dt.time.min, tz)
    return Window(view, anchor, days, start, end, prev, nxt)


def slots_by_day(slots: list[Slot], days: list[dt.date], zone: str) -> list[tuple]:
    """[(day, [slots on that local day])] — an event over several days shows on each."""
    tz = ZoneInfo(zone)
    out = []
    for day in days:
        start = dt.datetime.combine(day, dt.time.min, tz)
        end = start + dt.timedelta(days=1)
        out.append((day, [s for s in slots if s.starts_at < end and s.ends_at > start]))
    return out
