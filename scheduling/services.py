"""Use cases of the calendar: events (from letters or direct), answers, rooms, reminders, feeds.

Every function here is one transaction; notifications go out on commit (through
`notifications.services`). Correspondence calls the `*_for_source` functions through its
hooks; nothing here imports correspondence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from core.uploads import stored_name, upload_inspect
from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from organizations.choices import TimeZone
from organizations.models import Assignment, Position, Tenant, Unit, User
from workflows.choices import SecurityLevel

from . import permissions as policy
from .choices import AttendeeRole, BookingState, EventState, Rsvp
from .models import (
    DEFAULT_REMINDERS,
    Attendee,
    CalendarFeed,
    CalendarSettings,
    Event,
    EventUnit,
    Reminder,
    Room,
    RoomBooking,
)

MAX_REMINDER_MINUTES = 14 * 24 * 60


class RoomClash(ValidationError):
    """The room is already booked for (part of) that time; `booking` is the one in the way."""

    def __init__(self, booking: RoomBooking):
        self.booking = booking
        super().__init__(
            _("%(room)s is already booked from %(start)s to %(end)s (%(title)s).")
            % {
                "room": booking.room,
                "start": local_label(booking.starts_at, booking.tenant.time_zone),
                "end": local_label(booking.ends_at, booking.tenant.time_zone, time_only=True),
                "title": booking.title,
            },
            code="room_clash",
        )


@dataclass(frozen=True)
class Invite:
    """A unit invited to an event, addressed to one post in it (by default its head)."""

    unit: Unit
    position: Position | None = None


# --- small helpers ---
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
    return reverse("scheduling:event", args=[event.pk])


def reminder_minutes_for(tenant: Tenant) -> list[int]:
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


def _attendees_add(
    event: Event,
    users_by_position: dict[int | None, list[User]],
    *,
    unit: Unit | None,
    role: str,
    rsvp: str = Rsvp.PENDING,
    sent_by: Attendee | None = None,
) -> list[Attendee]:
    """Put people on an event (or back on it, when they were there before); returns them."""
    made = []
    existing = {a.user_id: a for a in event.attendees.all()}
    for position_id, users in users_by_position.items():
        for user in users:
            a = existing.get(user.pk)
            if a is None:
                a = Attendee(event=event, user=user)
            elif a.rsvp in Rsvp.going():
                continue  # already expected there
            a.position_id, a.unit, a.role, a.sent_by = position_id, unit, role, sent_by
            a.rsvp, a.decline_reason, a.delegated_to = rsvp, "", None
            a.responded_at = timezone.now() if rsvp != Rsvp.PENDING else None
            a.save()
            existing[user.pk] = a
            made.append(a)
    for a in made:
        a.event = event
    _reminders_plan(made)
    return made


def _audience(event: Event) -> list[User]:
    """Everyone on an event who should hear about a change to it."""
    return [a.user for a in event.attendees.select_related("user") if a.rsvp != Rsvp.DECLINED]


# --- events from a source document (an undangan) ---
def _source_key(source) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(source), source.pk


def events_for_source(source) -> list[Event]:
    ct, pk = _source_key(source)
    return list(
        Event.objects.select_for_update()
        .filter(source_type=ct, source_id=pk)
        .select_related("tenant")
        .order_by("pk")
    )


@transaction.atomic
def event_sync_from_source(
    *,
    source,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    location: str,
    organiser_unit: Unit,
    security: str,
    invites: list[Invite],
    by: User,
    agenda: str = "",
    label: str = "",
    url: str = "",
) -> list[Event]:
    """Create the events of an invitation: one per tenant involved (the organiser's and each
    invited unit's), the invited units in each, their addressed posts' holders as attendees.
    Idempotent: a second call adds only what is missing."""
    ends_at = ends_at or starts_at + dt.timedelta(hours=2)
    _check_times(starts_at, ends_at)
    ct, pk = _source_key(source)
    by_tenant: dict[int, list[Invite]] = defaultdict(list)
    by_tenant.setdefault(organiser_unit.tenant_id, [])  # the organiser's calendar holds it too
    for invite in invites:
        by_tenant[invite.unit.tenant_id].append(invite)
    tenants = Tenant.objects.in_bulk(list(by_tenant))
    heads = {}
    for invite in invites:
        if invite.position is None and invite.unit.pk not in heads:
            heads[invite.unit.pk] = _head(invite.unit)
    posts = [i.position or heads.get(i.unit.pk) for i in invites]
    holders = _holders([p.pk for p in posts if p is not None])
    events = []
    for tenant_id, tenant_invites in sorted(by_tenant.items()):
        event, _new = Event.objects.get_or_create(
            tenant_id=tenant_id,
            source_type=ct,
            source_id=pk,
            defaults={
                "title": title[:300],
                "starts_at": starts_at,
                "ends_at": ends_at,
                "location": location[:200],
                "organiser_unit": organiser_unit,
                "agenda": agenda,
                "security": security,
                "source_label": label[:200],
                "source_url": url[:300],
                "reminder_minutes": reminder_minutes_for(tenants[tenant_id]),
                "created_by": by if tenant_id == organiser_unit.tenant_id else None,
            },
        )
        for invite in tenant_invites:
            position = invite.position or heads.get(invite.unit.pk)
            EventUnit.objects.get_or_create(
                event=event, unit=invite.unit, defaults={"position": position}
            )
            if position is not None:
                _attendees_add(
                    event,
                    {position.pk: holders.get(position.pk, [])},
                    unit=invite.unit,
                    role=AttendeeRole.INVITED,
                )
        events.append(event)
    return events


@transaction.atomic
def event_representative_assign(
    *, source, unit: Unit, from_position: Position, to_position: Position, by: User
) -> list[Attendee]:
    """A head dispositions an invitation with "attend/represent": the assignee's holders
    attend for the unit and the head's own place passes to them."""
    event = next((e for e in events_for_source(source) if e.tenant_id == unit.tenant_id), None)
    if event is None or event.is_cancelled:
        return []
    replaced = list(
        event.attendees.select_for_update().filter(position=from_position, rsvp__in=Rsvp.going())
    )
    made = _attendees_add(
        event,
        {to_position.pk: _holders([to_position.pk]).get(to_position.pk, [])},
        unit=unit,
        role=AttendeeRole.REPRESENTATIVE,
        rsvp=Rsvp.ATTENDING,
        sent_by=replaced[0] if replaced else None,
    )
    if made:
        for a in replaced:
            a.rsvp, a.delegated_to, a.responded_at = Rsvp.DELEGATED, made[0], timezone.now()
            a.save(update_fields=["rsvp", "delegated_to", "responded_at"])
        Reminder.objects.filter(attendee__in=replaced, sent_at__isnull=True).delete()
    return made


@transaction.atomic
def event_reschedule_for_source(
    *, source, starts_at: dt.datetime, ends_at: dt.datetime | None, location: str, by: User
) -> list[Event]:
    """The invitation moved: every event of it moves, reminders are planned again and each
    person on it is told once."""
    ends_at = ends_at or starts_at + dt.timedelta(hours=2)
    _check_times(starts_at, ends_at)
    events = [e for e in events_for_source(source) if not e.is_cancelled]
    for event in events:
        _move(event, starts_at=starts_at, ends_at=ends_at, location=location, room=event.room)
    _notify_changed(events, cancelled=False)
    return events


@transaction.atomic
def event_cancel_for_source(*, source, reason: str, by: User) -> list[Event]:
    """The invitation was withdrawn: its events are cancelled, rooms freed, people told."""
    events = [e for e in events_for_source(source) if not e.is_cancelled]
    for event in events:
        _cancel(event, reason)
    _notify_changed(events, cancelled=True)
    return events


def _move(
    event: Event, *, starts_at: dt.datetime, ends_at: dt.datetime, location: str, room: Room | None
) -> None:
    if (event.starts_at, event.ends_at, event.location, event.room_id) == (
        starts_at,
        ends_at,
        location[:200],
        room.pk if room else None,
    ):
        return
    event.starts_at, event.ends_at, event.location = starts_at, ends_at, location[:200]
    event.sequence += 1
    event.save()
    booking = event.bookings.filter(state=BookingState.ACTIVE).first()
    if booking is not None and room is not None:
        _booking_move(booking, room=room, starts_at=starts_at, ends_at=ends_at)
    elif booking is not None:
        booking.state = BookingState.CANCELLED
        booking.save(update_fields=["state"])
    elif room is not None:
        room_booking_create(
            room=room,
            by=event.created_by,
            starts_at=starts_at,
            ends_at=ends_at,
            title=event.title,
            event=event,
            check_access=False,
        )
    event.room = room
    event.save(update_fields=["room"])
    Reminder.objects.filter(attendee__event=event, sent_at__isnull=True).delete()
    _reminders_plan(list(event.attendees.select_related("event")))


def _cancel(event: Event, reason: str) -> None:
    try:
        event.cancel(reason=reason)
    except TransitionNotAllowed:
        raise ValidationError(_("The event is already cancelled.")) from None
    event.save()
    event.bookings.filter(state=BookingState.ACTIVE).update(state=BookingState.CANCELLED)
    Reminder.objects.filter(attendee__event=event, sent_at__isnull=True).delete()


def _notify_changed(events: list[Event], *, cancelled: bool) -> None:
    notices = []
    for event in events:
        zone = event.tenant.time_zone
        if cancelled:
            text = _("Cancelled: %(t)s (%(when)s)") % {
                "t": event_notice_title(event),
                "when": local_label(event.starts_at, zone),
            }
        else:
            text = _("Moved: %(t)s, now %(when)s") % {
                "t": event_notice_title(event),
                "when": local_label(event.starts_at, zone),
            }
        notices.append(Notice(_audience(event), event, text, event_url(event)))
    notify_many(Kind.EVENT_CHANGED, notices)


# --- events made in the calendar ---
@transaction.atomic
def event_create(
    *,
    by: User,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    organiser_unit: Unit,
    room: Room | None = None,
    location: str = "",
    online_url: str = "",
    agenda: str = "",
    security: str = SecurityLevel.BIASA,
    invite_positions: Iterable[Position] = (),
    reminder_minutes: Iterable[int] | None = None,
) -> Event:
    """A meeting organised in the calendar: books the room (a clash raises RoomClash) and
    invites the holders of the chosen posts of the tenant."""
    if not policy.can_organise_for(by, organiser_unit):
        raise PermissionDenied
    _check_times(starts_at, ends_at)
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the event a title.")})
    if security not in SecurityLevel.values:
        raise ValidationError({"security": _("Unknown security level.")})
    if room is not None and (room.tenant_id != by.tenant_id or not room.is_active):
        raise ValidationError({"room": _("Unknown room.")})
    positions = list(invite_positions)
    if any(p.tenant_id != by.tenant_id or not p.is_active for p in positions):
        raise ValidationError({"invite_positions": _("Unknown position.")})
    minutes = (
        reminder_minutes_clean(reminder_minutes)
        if reminder_minutes is not None
        else reminder_minutes_for(by.tenant)
    )
    event = Event(
        tenant_id=by.tenant_id,
        title=title.strip()[:300],
        starts_at=starts_at,
        ends_at=ends_at,
        room=room,
        location="" if room else location.strip()[:200],
        online_url=online_url,
        organiser_unit=organiser_unit,
        agenda=agenda,
        security=security,
        reminder_minutes=minutes,
        created_by=by,
    )
    event.full_clean(exclude=["state", "source_type", "created_by", "tenant", "organiser_unit"])
    event.save()
    if room is not None:
        room_booking_create(
            room=room,
            by=by,
            starts_at=starts_at,
            ends_at=ends_at,
            title=event.title,
            event=event,
            check_access=False,
        )
    holders = _holders([p.pk for p in positions])
    for p in positions:
        EventUnit.objects.get_or_create(event=event, unit=p.unit, defaults={"position": p})
        _attendees_add(event, {p.pk: holders.get(p.pk, [])}, unit=p.unit, role=AttendeeRole.INVITED)
    invited = [a.user for a in event.attendees.select_related("user") if a.user_id != by.pk]
    text = _("Invitation: %(t)s, %(when)s") % {
        "t": event_notice_title(event),
        "when": local_label(starts_at, by.tenant.time_zone),
    }
    notify_many(Kind.EVENT_INVITATION, [Notice(invited, event, text, event_url(event))])
    return event


def _lock_event(event: Event) -> Event:
    return (
        Event.objects.select_for_update(of=("self",))
        .select_related("tenant", "room")
        .get(pk=event.pk)
    )


@transaction.atomic
def event_reschedule(
    *,
    event: Event,
    by: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    location: str = "",
    room: Room | None = None,
) -> Event:
    """Move a calendar-made event (and its room booking); an invitation's event moves with
    its letter instead. Attendees are told once."""
    event = _lock_event(event)
    if event.source_id is not None:
        raise ValidationError(_("This event follows its letter: reschedule the letter."))
    if not policy.can_manage_event(by, event):
        raise PermissionDenied
    if event.is_cancelled:
        raise ValidationError(_("The event is cancelled."))
    _check_times(starts_at, ends_at)
    if room is not None and (room.tenant_id != event.tenant_id or not room.is_active):
        raise ValidationError({"room": _("Unknown room.")})
    _move(event, starts_at=starts_at, ends_at=ends_at, location="" if room else location, room=room)
    _notify_changed([event], cancelled=False)
    return event


@transaction.atomic
def event_cancel(*, event: Event, by: User, reason: str) -> Event:
    """Cancel a calendar-made event; its room is freed, no reminder goes out, people are told."""
    event = _lock_event(event)
    if event.source_id is not None:
        raise ValidationError(_("This event follows its letter: retract the letter."))
    if not policy.can_manage_event(by, event):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    _cancel(event, reason.strip())
    _notify_changed([event], cancelled=True)
    return event


# --- answers ---
def _lock_attendee(attendee: Attendee) -> Attendee:
    return (
        Attendee.objects.select_for_update(of=("self",))
        .select_related("event__tenant", "user", "position__unit")
        .get(pk=attendee.pk)
    )


@transaction.atomic
def attendee_respond(*, attendee: Attendee, by: User, answer: str, reason: str = "") -> Attendee:
    """The invited person says they attend, or decline with a reason."""
    attendee = _lock_attendee(attendee)
    if not policy.can_respond(by, attendee):
        raise PermissionDenied
    if attendee.event.ends_at <= timezone.now():
        raise ValidationError(_("The event is over."))
    if answer == Rsvp.ATTENDING:
        attendee.decline_reason = ""
    elif answer == Rsvp.DECLINED:
        if not (reason or "").strip():
            raise ValidationError({"reason": _("Give the reason for declining.")})
        attendee.decline_reason = reason.strip()
    else:
        raise ValidationError({"answer": _("Answer attend or decline.")})
    if attendee.rsvp == Rsvp.DELEGATED and attendee.delegated_to_id:
        _withdraw(attendee.delegated_to_id)
    attendee.rsvp, attendee.delegated_to, attendee.responded_at = answer, None, timezone.now()
    attendee.save()
    Reminder.objects.filter(attendee=attendee, sent_at__isnull=True).delete()
    attendee.event = attendee.event  # keep the related objects loaded
    _reminders_plan([attendee])
    return attendee


def _withdraw(attendee_id: int) -> None:
    """Someone sent in a person's place is no longer expected (the person goes after all)."""
    stand_in = Attendee.objects.select_for_update().get(pk=attendee_id)
    if stand_in.rsvp in Rsvp.going():
        stand_in.rsvp, stand_in.responded_at = Rsvp.DECLINED, timezone.now()
        stand_in.decline_reason = _("No longer needed.")
        stand_in.save()
        Reminder.objects.filter(attendee=stand_in, sent_at__isnull=True).delete()


@transaction.atomic
def attendee_delegate(*, attendee: Attendee, by: User, to_user: User) -> Attendee:
    """The invited person sends a named subordinate in their place; returns the stand-in."""
    attendee = _lock_attendee(attendee)
    if not policy.can_respond(by, attendee):
        raise PermissionDenied
    event = attendee.event
    if event.ends_at <= timezone.now():
        raise ValidationError(_("The event is over."))
    post = policy.subordinate_post(attendee, to_user)
    if post is None:
        raise ValidationError({"to_user": _("Choose someone who works under you.")})
    if attendee.rsvp == Rsvp.DELEGATED and attendee.delegated_to_id:
        _withdraw(attendee.delegated_to_id)
    made = _attendees_add(
        event,
        {post.pk: [to_user]},
        unit=attendee.unit or post.unit,
        role=AttendeeRole.DELEGATE,
        rsvp=Rsvp.PENDING,
        sent_by=attendee,
    )
    if not made:
        raise ValidationError(
            {"to_user": _("%(name)s is already on this event.") % {"name": to_user.display_name}}
        )
    attendee.rsvp, attendee.delegated_to = Rsvp.DELEGATED, made[0]
    attendee.responded_at, attendee.decline_reason = timezone.now(), ""
    attendee.save()
    Reminder.objects.filter(attendee=attendee, sent_at__isnull=True).delete()
    text = _("%(name)s asks you to attend in their place: %(t)s, %(when)s") % {
        "name": by.display_name,
        "t": event_notice_title(event),
        "when": local_label(event.starts_at, event.tenant.time_zone),
    }
    notify_many(Kind.EVENT_INVITATION, [Notice([to_user], event, text, event_url(event))])
    return made[0]


@transaction.atomic
def attendance_record(*, event: Event, by: User, present: Iterable[int]) -> Event:
    """After the start, the organiser records who was there (attendee ids present)."""
    event = _lock_event(event)
    if not policy.can_manage_event(by, event):
        raise PermissionDenied
    if event.is_cancelled or event.starts_at > timezone.now():
        raise ValidationError(_("Attendance is taken once the event has started."))
    present_ids = {int(pk) for pk in present}
    rows = list(event.attendees.select_for_update())
    unknown = present_ids - {a.pk for a in rows}
    if unknown:
        raise ValidationError({"present": _("Unknown attendee.")})
    for a in rows:
        a.attended = a.pk in present_ids
    Attendee.objects.bulk_update(rows, ["attended"])
    event.attendance_taken_at = timezone.now()
    event.save(update_fields=["attendance_taken_at", "updated_at"])
    return event


@transaction.atomic
def event_minutes_attach(
    *, event: Event, by: User, upload=None, label: str = "", url: str = ""
) -> Event:
    """Attach the minutes (notulen): a file, or a link to a letter (a nota dinas)."""
    event = _lock_event(event)
    if not policy.can_manage_event(by, event):
        raise PermissionDenied
    if event.is_cancelled or event.starts_at > timezone.now():
        raise ValidationError(_("Minutes are added once the event has started."))
    if upload is None and not label:
        raise ValidationError({"minutes": _("Upload the minutes or choose the letter.")})
    if upload is not None:
        info = upload_inspect(upload)
        if event.minutes_file:
            event.minutes_file.delete(save=False)
        event.minutes_file.save(stored_name(info), upload, save=False)
        event.minutes_name, event.minutes_sha256 = info.original_name, info.sha256
    if label:
        event.minutes_label, event.minutes_url = label[:200], url[:300]
    event.save()
    return event


# --- rooms ---
def _conflict(room: Room, starts_at: dt.datetime, ends_at: dt.datetime, *, exclude=None):
    qs = RoomBooking.objects.filter(
        room=room, state=BookingState.ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("room", "tenant")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("starts_at").first()


@transaction.atomic
def room_booking_create(
    *,
    room: Room,
    by: User | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str,
    event: Event | None = None,
    check_access: bool = True,
) -> RoomBooking:
    """Hold a room; a clash raises RoomClash naming the booking in the way. The database
    refuses an overlap even when two requests pass the check at the same moment."""
    if check_access and not policy.can_book_room(by, room):
        raise PermissionDenied
    _check_times(starts_at, ends_at)
    if not (title or "").strip():
        raise ValidationError({"title": _("Say what the room is booked for.")})
    clash = _conflict(room, starts_at, ends_at)
    if clash is not None:
        raise RoomClash(clash)
    booking = RoomBooking(
        tenant_id=room.tenant_id,
        room=room,
        event=event,
        title=title.strip()[:300],
        starts_at=starts_at,
        ends_at=ends_at,
        booked_by=by,
    )
    try:
        with transaction.atomic():  # a savepoint, so the caller's transaction survives
            booking.save()
    except IntegrityError:
        clash = _conflict(room, starts_at, ends_at)
        if clash is None:
            raise
        raise RoomClash(clash) from None
    return booking


def _booking_move(
    booking: RoomBooking, *, room: Room, starts_at: dt.datetime, ends_at: dt.datetime
) -> None:
    clash = _conflict(room, starts_at, ends_at, exclude=booking.pk)
    if clash is not None:
        raise RoomClash(clash)
    booking.room, booking.starts_at, booking.ends_at = room, starts_at, ends_at
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError:
        clash = _conflict(room, starts_at, ends_at, exclude=booking.pk)
        if clash is None:
            raise
        raise RoomClash(clash) from None


@transaction.atomic
def room_booking_cancel(*, booking: RoomBooking, by: User) -> RoomBooking:
    """Free a room booked outside an event (an event's room goes with the event)."""
    booking = RoomBooking.objects.select_for_update().get(pk=booking.pk)
    if not policy.can_cancel_booking(by, booking):
        raise PermissionDenied
    if booking.event_id is not None:
        raise ValidationError(_("This room belongs to an event: cancel or move the event."))
    if booking.state != BookingState.ACTIVE:
        raise ValidationError(_("The booking is already cancelled."))
    booking.state = BookingState.CANCELLED
    booking.save(update_fields=["state"])
    return booking


# --- reminders ---
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


# --- settings and feeds ---
@transaction.atomic
def calendar_settings_set(*, tenant: Tenant, reminder_minutes: Iterable[int]) -> CalendarSettings:
    """The tenant's default reminders for new events."""
    row, _created = CalendarSettings.objects.update_or_create(
        tenant=tenant, defaults={"reminder_minutes": reminder_minutes_clean(reminder_minutes)}
    )
    return row


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(*, user: User) -> str:
    """A new private feed URL token for the user; any earlier one stops working. The token
    is shown once and only its hash is kept."""
    feed_revoke(user=user)
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(user=user, token_hash=feed_token_hash(token))
    return token


@transaction.atomic
def feed_revoke(*, user: User) -> int:
    """Stop the user's feed URL."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
