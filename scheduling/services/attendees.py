"""Answers and attendance: attend, decline, delegate to a subordinate, who was there."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.kinds import Kind
from notifications.services import Notice, notify_many
from organizations.models import Unit, User

from .. import permissions as policy
from ..choices import AttendeeRole, Rsvp
from ..models import Attendee, Event, Reminder
from .base import _lock_event, event_notice_title, event_url, local_label
from .reminders import _reminders_plan


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
