"""Events from a source document (an undangan): correspondence calls these through its hooks;
nothing here imports correspondence."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from organizations.models import Position, Tenant, Unit, User

from ..choices import AttendeeRole, Rsvp
from ..models import Attendee, Event, EventUnit, Reminder
from .attendees import _attendees_add
from .base import _check_times, _head, _holders, reminder_minutes_for
from .events import _cancel, _move, _notify_changed


@dataclass(frozen=True)
class Invite:
    """A unit invited to an event, addressed to one post in it (by default its head)."""

    unit: Unit
    position: Position | None = None


def _source_key(source) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(source), source.pk


def events_for_source(source) -> list[Event]:
    """The events of a source document, one per tenant, locked for the transaction."""
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
    heads, holders = _invited_posts(invites)
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
        _invites_add(event, tenant_invites, heads=heads, holders=holders)
        events.append(event)
    return events


def _invited_posts(
    invites: list[Invite],
) -> tuple[dict[int, Position | None], dict[int, list[User]]]:
    """The head of each unit invited without a named post, and the holders of every addressed
    post (one query for all of them)."""
    heads: dict[int, Position | None] = {}
    for invite in invites:
        if invite.position is None and invite.unit.pk not in heads:
            heads[invite.unit.pk] = _head(invite.unit)
    posts = [i.position or heads.get(i.unit.pk) for i in invites]
    return heads, _holders([p.pk for p in posts if p is not None])


def _invites_add(
    event: Event,
    invites: list[Invite],
    *,
    heads: dict[int, Position | None],
    holders: dict[int, list[User]],
) -> None:
    """Put the invited units on one tenant's event and their addressed posts' holders on it."""
    for invite in invites:
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
        _cancel(event, reason, by=by)
    _notify_changed(events, cancelled=True)
    return events
