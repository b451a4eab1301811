"""An undangan becomes events: representatives, answers, calendars, the feed, moving and
withdrawing it (the scheduling issue's first "done when")."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from icalendar import Calendar

from correspondence import services as letters
from correspondence.choices import LetterState
from correspondence.models import Delivery, Letter
from notifications.models import Notification
from scheduling import selectors
from scheduling import services as svc
from scheduling.choices import AttendeeRole, EventState, Rsvp
from scheduling.models import Event, EventUnit, Reminder
from tests.conftest import client_for
from tests.correspondence.helpers import draft, sent
from workflows.selectors import transition_log_for

from .helpers import WITA, at, attendee, event_of, invitation, represent

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 23, 8)


def _feed(user) -> Calendar:
    token = svc.feed_create(user=user)
    response = client_for(user).get(f"/calendar/feed/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def _vevents(cal: Calendar) -> list:
    return [c for c in cal.walk("VEVENT")]


def _partstats(vevent) -> dict[str, str]:
    people = vevent.get("attendee", [])
    people = people if isinstance(people, list) else [people]
    return {str(p.params["CN"]): str(p.params["PARTSTAT"]) for p in people}


@time_machine.travel(NOW, tick=False)
def test_invitation_to_two_units_one_represented_one_attends(
    world, django_capture_on_commit_callbacks
):
    """One story end to end (longer than 60 lines on purpose): each step acts on the state the
    one before left, so split tests would each have to replay the whole invitation."""
    # GIVEN an undangan from Kominfo to Bappeda and Dinkes for 3 December 09.00–11.00 WIB
    letter = invitation(world)
    event = event_of(letter, world.tenant)
    assert EventUnit.objects.filter(event=event).count() == 2
    assert {a.user for a in event.attendees.all()} == {world.bappeda_head, world.dinkes_head}
    # WHEN the head of Bappeda dispositions it "Hadiri/wakili" to the planner
    represent(world, letter, "bappeda", world.bappeda_head, "perencana")
    # AND the head of Dinkes answers that he attends
    svc.attendee_respond(
        attendee=attendee(event, world.dinkes_head), by=world.dinkes_head, answer=Rsvp.ATTENDING
    )
    # THEN the answers say exactly that
    head = attendee(event, world.bappeda_head)
    planner = attendee(event, world.bappeda_staff)
    assert head.rsvp == Rsvp.DELEGATED and head.delegated_to == planner
    assert planner.role == AttendeeRole.REPRESENTATIVE and planner.rsvp == Rsvp.ATTENDING
    assert planner.unit == world.units["bappeda"]
    assert attendee(event, world.dinkes_head).rsvp == Rsvp.ATTENDING
    # the planner's reminders are planned, the replaced head's are gone
    assert Reminder.objects.filter(attendee=planner, sent_at__isnull=True).count() == 2
    assert not Reminder.objects.filter(attendee=head).exists()
    # personal calendars
    start, end = at(2026, 12, 1, 0), at(2026, 12, 8, 0)
    for user, answer in [
        (world.bappeda_staff, Rsvp.ATTENDING),
        (world.bappeda_head, Rsvp.DELEGATED),
        (world.dinkes_head, Rsvp.ATTENDING),
    ]:
        slots = selectors.calendar_events(viewer=user, start=start, end=end)
        assert [(s.event, s.mine.rsvp) for s in slots] == [(event, answer)]
    assert selectors.calendar_events(viewer=world.outsider, start=start, end=end) == []
    # unit calendars: both invited units, and the organiser's own
    for viewer, unit in [
        (world.bappeda_clerk, "bappeda"),
        (world.outsider, "dinkes"),
        (world.drafter, "seksi_aptika"),
    ]:
        slots = selectors.calendar_events(
            viewer=viewer, start=start, end=end, unit=world.units[unit]
        )
        assert [s.event for s in slots] == [event]
    # the planner's feed, parsed back
    (vevent,) = _vevents(_feed(world.bappeda_staff))
    assert str(vevent["summary"]) == "Rapat koordinasi Smart City"
    assert vevent.decoded("dtstart") == at(2026, 12, 3, 9)
    assert str(vevent["location"]) == "Aula Kominfo"
    assert _partstats(vevent) == {
        world.bappeda_head.display_name: "DELEGATED",
        world.dinkes_head.display_name: "ACCEPTED",
        world.bappeda_staff.display_name: "ACCEPTED",
    }
    # the pages show it too
    page = client_for(world.bappeda_staff).get("/calendar/?view=week&date=2026-12-03")
    assert page.status_code == 200 and "Rapat koordinasi Smart City" in page.text
    detail = client_for(world.bappeda_head).get(f"/calendar/events/{event.pk}/")
    assert world.bappeda_staff.display_name in detail.text

    # WHEN the signer moves the invitation a day later and to another hall
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        letters.letter_reschedule(
            letter=letter,
            by=world.head,
            event_start=at(2026, 12, 4, 13),
            event_end=at(2026, 12, 4, 15),
            event_location="Ruang Rapat II",
        )
    # THEN the event moves, reminders follow and every person on it is told exactly once
    event = Event.objects.get(pk=event.pk)
    assert (event.starts_at, event.location, event.sequence) == (
        at(2026, 12, 4, 13),
        "Ruang Rapat II",
        1,
    )
    due = sorted(Reminder.objects.filter(attendee=planner).values_list("due_at", flat=True))
    assert due == [at(2026, 12, 3, 13), at(2026, 12, 4, 12)]
    told = Notification.objects.filter(kind="event.changed")
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        u.username for u in (world.bappeda_head, world.bappeda_staff, world.dinkes_head)
    )
    (vevent,) = _vevents(_feed(world.bappeda_staff))
    assert vevent.decoded("dtstart") == at(2026, 12, 4, 13)
    assert int(vevent["sequence"]) == 1
    # AND the timeline of the letter says so
    log = [row.action for row in transition_log_for(letter)]
    assert log.count("letter.rescheduled") == 1


@time_machine.travel(NOW, tick=False)
def test_retracting_the_invitation_cancels_its_events(world, django_capture_on_commit_callbacks):
    letter = invitation(world)
    event = event_of(letter, world.tenant)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        letters.letter_retract(letter=letter, by=world.head, reason="Acara ditunda")
    event = Event.objects.get(pk=event.pk)
    assert event.state == EventState.CANCELLED and event.cancel_reason == "Acara ditunda"
    assert [(r.action, r.actor, r.note) for r in transition_log_for(event)] == [
        ("event.cancelled", world.head, "Acara ditunda")
    ]
    assert not Reminder.objects.filter(attendee__event=event, sent_at__isnull=True).exists()
    assert Notification.objects.filter(kind="event.changed").count() == 2
    (vevent,) = _vevents(_feed(world.dinkes_head))
    assert str(vevent["status"]) == "CANCELLED"


@time_machine.travel(NOW, tick=False)
def test_invitation_to_another_tenant_is_its_own_event_in_its_own_time_zone(world):
    letter = invitation(world, to=("bappeda", "s_kominfo"))
    here, there = event_of(letter, world.tenant), event_of(letter, world.wita_tenant)
    assert here.pk != there.pk and there.starts_at == here.starts_at
    assert [a.user for a in there.attendees.all()] == [world.wita_head]
    # shown in WITA to the Samarinda head: 09.00 WIB is 10.00 WITA
    page = client_for(world.wita_head).get(f"/calendar/events/{there.pk}/")
    assert page.status_code == 200
    assert "10.00" in page.text and "WITA" in page.text
    assert dt.datetime(2026, 12, 3, 10, tzinfo=WITA) == there.starts_at
    # and nobody in Medan opens the Samarinda row (nor the other way round)
    assert client_for(world.bappeda_head).get(f"/calendar/events/{there.pk}/").status_code == 404
    assert client_for(world.wita_head).get(f"/calendar/events/{here.pk}/").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_only_to_recipients_are_invited_and_a_plain_letter_makes_no_event(world):
    letter = invitation(world, to=("bappeda",), cc=("dinkes",))
    event = event_of(letter, world.tenant)
    assert [a.user for a in event.attendees.all()] == [world.bappeda_head]

    plain = sent(world)
    assert not Event.objects.filter(source_id=plain.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_overlapping_invitations_are_marked_as_clashes_and_shown_when_dispositioning(world):
    first = invitation(world, to=("bappeda",), subject="Rapat A")
    second = invitation(world, to=("bappeda",), subject="Rapat B", start=at(2026, 12, 3, 10))
    start, end = at(2026, 12, 1, 0), at(2026, 12, 8, 0)
    slots = selectors.calendar_events(viewer=world.bappeda_head, start=start, end=end)
    assert [(s.title, s.clash) for s in slots] == [("Rapat A", True), ("Rapat B", True)]
    # the head sends the planner to the first; the planner is free, the head no longer clashes
    represent(world, first, "bappeda", world.bappeda_head, "perencana")
    slots = selectors.calendar_events(viewer=world.bappeda_head, start=start, end=end)
    assert [(s.title, s.clash) for s in slots] == [("Rapat A", False), ("Rapat B", False)]
    # dispositioning the second to the planner: the form marks the planner as busy

    delivery = Delivery.objects.get(letter=second, unit=world.units["bappeda"])
    page = client_for(world.bappeda_head).get(f"/letters/deliveries/{delivery.pk}/disposition/")
    assert page.status_code == 200
    assert "Rapat A" in page.text and "data-clash" in page.text


def test_an_invitation_without_its_day_and_time_cannot_go_for_review(world):
    letter = draft(world, code="undangan", to=("bappeda",))
    with pytest.raises(ValidationError) as caught:
        letters.letter_submit(letter=letter, by=world.drafter)
    assert "event_start" in caught.value.message_dict

    assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT
