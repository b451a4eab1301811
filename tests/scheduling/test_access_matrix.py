"""Who may do what with an invitation's event: every role × security level × action, through
the policy and through HTTP (a hidden event is a 404, never a 403)."""

from __future__ import annotations

import pytest
import time_machine
from icalendar import Calendar

from scheduling import permissions as policy
from scheduling import services as svc
from scheduling.choices import Rsvp
from scheduling.models import Attendee, Event
from tests.conftest import client_for

from .helpers import at, event_of, invitation, represent

pytestmark = pytest.mark.django_db

LEVELS = ["biasa", "terbatas", "rahasia", "sangat_rahasia"]
CONFIDENTIAL = {"rahasia", "sangat_rahasia"}

# role -> (persona, sees open events, sees confidential events, answers, manages open, manages
# confidential). The event: an undangan drafted in Seksi Aptika (the organiser), sent by the
# head of Kominfo, to Bappeda; the head of Bappeda sends the planner in his place.
ROLES = {
    "invited head": ("bappeda_head", True, True, True, False, False),
    "stand-in": ("bappeda_staff", True, True, True, False, False),
    "member of the invited unit": ("bappeda_clerk", True, False, False, False, False),
    "sender": ("head", True, True, False, True, True),
    "member of the organising unit": ("colleague", True, False, False, True, False),
    "other unit of the tenant": ("outsider", False, False, False, False, False),
    "tenant admin": ("tenant_admin", False, False, False, False, False),
    "other tenant": ("foreigner", False, False, False, False, False),
}
ACTIONS = ["view", "download", "answer", "manage"]


def _expected(role: str, level: str, action: str) -> bool:
    _key, sees, sees_conf, answers, manages, manages_conf = ROLES[role]
    confidential = level in CONFIDENTIAL
    if action in ("view", "download"):
        return sees_conf if confidential else sees
    if action == "answer":
        return answers
    return manages_conf if confidential else manages


def _event(world, level: str) -> Event:
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):
        letter = invitation(world, to=("bappeda",), security=level)
        represent(world, letter, "bappeda", world.bappeda_head, "perencana")
    return event_of(letter, world.tenant)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", list(ROLES))
def test_event_access(world, role, level, action):
    event = _event(world, level)
    user = world.users[ROLES[role][0]]
    allowed = _expected(role, level, action)
    client = client_for(user)
    if action == "view":
        assert policy.can_view_event(user, event) is allowed
        assert client.get(f"/calendar/events/{event.pk}/").status_code == (200 if allowed else 404)
        assert client.get(f"/api/v1/events/{event.pk}/").status_code == (200 if allowed else 404)
        listed = client.get("/api/v1/events/", {"from": "2026-12-01", "to": "2026-12-08"})
        ids = [e["id"] for e in listed.json()] if listed.status_code == 200 else []
        if ROLES[role][0] in ("bappeda_clerk", "colleague"):
            # not on the event: it is in their unit's calendar, not their personal one
            unit = user.assignments.first().position.unit
            listed = client.get(
                "/api/v1/events/", {"from": "2026-12-01", "to": "2026-12-08", "unit": unit.pk}
            )
            ids = [e["id"] for e in listed.json()]
        assert (event.pk in ids) is allowed
    elif action == "download":
        response = client.get(f"/calendar/events/{event.pk}/ics")
        assert response.status_code == (200 if allowed else 404)
        if allowed:
            assert event.title.encode() in response.content
    elif action == "answer":
        mine = Attendee.objects.filter(event=event, user=user).first()
        assert (mine is not None and policy.can_respond(user, mine)) is allowed
        with time_machine.travel(at(2026, 11, 24, 8), tick=False):
            client_for(user).post(
                f"/calendar/events/{event.pk}/respond/",
                {"answer": "declined", "reason": "Dinas luar"},
            )
        declined = Attendee.objects.filter(event=event, user=user, rsvp=Rsvp.DECLINED).exists()
        assert declined is allowed
    else:
        assert policy.can_manage_event(user, event) is allowed
        assert policy.event_managers(event).filter(pk=user.pk).exists() is allowed
        with time_machine.travel(at(2026, 12, 3, 10), tick=False):
            client_for(user).post(f"/calendar/events/{event.pk}/attendance/", {"present": []})
        taken = Event.objects.get(pk=event.pk).attendance_taken_at is not None
        assert taken is allowed


@pytest.mark.parametrize("level", LEVELS)
def test_feed_shows_confidential_events_as_busy_only(world, level):
    event = _event(world, level)
    token = svc.feed_create(user=world.bappeda_staff)
    # The feed shows the weeks around today: read it in the week the event was made for.
    with time_machine.travel(at(2026, 11, 24, 8), tick=False):
        body = client_for(world.bappeda_staff).get(f"/calendar/feed/{token}.ics").content
    (vevent,) = Calendar.from_ical(body).walk("VEVENT")
    if level in CONFIDENTIAL:
        assert str(vevent["summary"]) in {"Sibuk", "Busy"}
        assert "location" not in vevent and "attendee" not in vevent
        assert event.title.encode() not in body and b"Aula" not in body
    else:
        assert str(vevent["summary"]) == event.title
        assert str(vevent["class"]) == "PUBLIC"
