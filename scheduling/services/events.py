"""Events made in the calendar: create, reschedule, cancel, minutes; the moves and
cancellation an invitation's events share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from core.uploads import stored_name, upload_inspect
from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from organizations.models import Position, Unit, User
from workflows.choices import SecurityLevel
from workflows.transitions import transition_run

from .. import permissions as policy
from ..choices import AttendeeRole, BookingState
from ..models import Event, EventUnit, Reminder, Room
from .attendees import _attendees_add
from .base import (
    _audience,
    _check_times,
    _holders,
    _lock_event,
    event_notice_title,
    event_url,
    local_label,
    reminder_minutes_clean,
    reminder_minutes_for,
)
from .reminders import _reminders_plan
from .rooms import _booking_move, room_booking_create


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


def _cancel(event: Event, reason: str, *, by: User | None) -> None:
    """Cancel a locked event through the transition helper (one `event.cancelled` audit row),
    free its room and drop its unsent reminders. Raises ValidationError when already cancelled.

    The callers decide who may cancel (`event_cancel` asks the policy, an invitation's events
    follow their letter), so the transition checks state only (`check_perm=False`)."""
    try:
        transition_run(
            event,
            "cancel",
            action="event.cancelled",
            by=by,
            check_perm=False,
            lock=False,
            note=reason,
            reason=reason,
        )
    except TransitionNotAllowed:
        raise ValidationError(_("The event is already cancelled.")) from None
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
    positions = list(invite_positions)
    _event_input_check(
        by=by,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        security=security,
        room=room,
        positions=positions,
    )
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
        _event_room_hold(event, by=by)
    _event_invite(event, positions, by=by)
    return event


def _event_room_hold(event: Event, *, by: User) -> None:
    """Book a new event's room for its time (a clash raises RoomClash); the organiser's
    right to the room comes with the event, so the booking rule is not asked again."""
    room_booking_create(
        room=event.room,
        by=by,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        title=event.title,
        event=event,
        check_access=False,
    )


def _event_input_check(
    *,
    by: User,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    security: str,
    room: Room | None,
    positions: list[Position],
) -> None:
    """What `event_create` refuses before writing anything; raises ValidationError."""
    _check_times(starts_at, ends_at)
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the event a title.")})
    if security not in SecurityLevel.values:
        raise ValidationError({"security": _("Unknown security level.")})
    if room is not None and (room.tenant_id != by.tenant_id or not room.is_active):
        raise ValidationError({"room": _("Unknown room.")})
    if any(p.tenant_id != by.tenant_id or not p.is_active for p in positions):
        raise ValidationError({"invite_positions": _("Unknown position.")})


def _event_invite(event: Event, positions: list[Position], *, by: User) -> None:
    """Invite the holders of the chosen posts to a new event and tell them (not the organiser)."""
    holders = _holders([p.pk for p in positions])
    for p in positions:
        EventUnit.objects.get_or_create(event=event, unit=p.unit, defaults={"position": p})
        _attendees_add(event, {p.pk: holders.get(p.pk, [])}, unit=p.unit, role=AttendeeRole.INVITED)
    invited = [a.user for a in event.attendees.select_related("user") if a.user_id != by.pk]
    text = _("Invitation: %(t)s, %(when)s") % {
        "t": event_notice_title(event),
        "when": local_label(event.starts_at, by.tenant.time_zone),
    }
    notify_many(Kind.EVENT_INVITATION, [Notice(invited, event, text, event_url(event))])


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
    _cancel(event, reason.strip(), by=by)
    _notify_changed([event], cancelled=True)
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
