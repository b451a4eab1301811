"""Room bookings: hold a room (a clash names the booking in the way), move, free."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from organizations.models import User

from .. import permissions as policy
from ..choices import BookingState
from ..models import Event, Room, RoomBooking
from .base import _check_times, local_label


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
