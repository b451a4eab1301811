"""Who may do what with events, answers and rooms (one place; views and API call these).

The three questions of a policy: may this user do that to this event (`can_*`), which events
may the user see (`events_visible_to`, SQL), who may manage this event (`event_managers`, SQL).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from organizations.models import Assignment, Position, Unit, User

from .choices import BookingState
from .models import Attendee, Event, Room, RoomBooking
from .selectors import attendee_of


def _posts(user) -> list[Position]:
    if not getattr(user, "is_authenticated", False):
        return []
    held = Assignment.objects.current(timezone.localdate()).filter(user_id=user.pk)
    return list(
        Position.objects.filter(
            pk__in=held.values("position_id"), tenant_id=user.tenant_id
        ).select_related("unit")
    )


def _member_of(user, unit_id: int | None) -> bool:
    return unit_id is not None and any(p.unit_id == unit_id for p in _posts(user))


def events_visible_to(user) -> QuerySet[Event]:
    """The events the user may see, as SQL (the rule is `EventQuerySet.visible_to`)."""
    return Event.objects.visible_to(user)


def can_view_event(user, event: Event) -> bool:
    """The user may see the event (see `events_visible_to`)."""
    return events_visible_to(user).filter(pk=event.pk).exists()


def can_organise_for(user, unit: Unit) -> bool:
    """Anyone holding a post in a unit may organise its meetings."""
    return unit.tenant_id == getattr(user, "tenant_id", None) and _member_of(user, unit.pk)


def can_manage_event(user, event: Event) -> bool:
    """Record attendance, add minutes, move or cancel: whoever made the event and the
    members of the organising unit (in the organiser's tenant)."""
    if event.tenant_id != getattr(user, "tenant_id", None):
        return False
    if event.created_by_id is not None and event.created_by_id == user.pk:
        return True
    return _member_of(user, event.organiser_unit_id) and can_view_event(user, event)


def event_managers(event: Event) -> QuerySet[User]:
    """Who may manage the event (`can_manage_event` as SQL): its maker, and the holders of a
    post in the organising unit who may see it (a confidential event: those on it)."""
    members = Assignment.objects.current(timezone.localdate()).filter(
        position__unit_id=event.organiser_unit_id, position__tenant_id=event.tenant_id
    )
    rule = Q(pk__in=members.values("user_id"))
    if event.is_confidential:
        rule &= Q(pk__in=event.attendees.values("user_id"))
    if event.created_by_id is not None:
        rule |= Q(pk=event.created_by_id)
    return User.objects.filter(tenant_id=event.tenant_id).filter(rule)


def can_respond(user, attendee: Attendee) -> bool:
    """Only the person on the event answers for their place, and not once it is cancelled."""
    return (
        getattr(user, "is_authenticated", False)
        and attendee.user_id == user.pk
        and not attendee.event.is_cancelled
    )


def attendee_access(user, event: Event) -> Attendee:
    """The user's own place on an event they may see, which they answer or delegate for;
    raises PermissionDenied when they are not on it."""
    me = attendee_of(event, user)
    if me is None:
        raise PermissionDenied
    return me


def subordinate_post(attendee: Attendee, to_user) -> Position | None:
    """The post by which `to_user` works under the attendee (None if they do not): a head
    may send anyone of their unit's subtree, others someone in a unit below theirs."""
    own = attendee.position
    if own is None or to_user.pk == attendee.user_id or not to_user.is_active:
        return None
    if to_user.tenant_id != attendee.event.tenant_id:
        return None
    unit = own.unit
    for post in _posts(to_user):
        below = post.unit.path.startswith(unit.path) and post.unit.depth > unit.depth
        same_unit = post.unit_id == unit.pk and own.is_head and post.pk != own.pk
        if below or same_unit:
            return post
    return None


def can_book_room(user, room: Room) -> bool:
    """Anyone holding a post in the room's tenant may book an active room."""
    return (
        room.is_active and room.tenant_id == getattr(user, "tenant_id", None) and bool(_posts(user))
    )


def can_cancel_booking(user, booking: RoomBooking) -> bool:
    """Whoever booked the room and the members of the unit that keeps it."""
    if booking.tenant_id != getattr(user, "tenant_id", None):
        return False
    if booking.state != BookingState.ACTIVE:
        return True  # the service answers "already cancelled"
    return booking.booked_by_id == user.pk or _member_of(user, booking.room.unit_id)
