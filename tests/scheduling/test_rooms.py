"""Rooms never double-book: the database refuses an overlap, a clash names the booking in
the way, and parallel requests on PostgreSQL leave exactly one winner."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext

from scheduling import services as svc
from scheduling.choices import BookingState
from scheduling.models import Event, Room, RoomBooking
from tests.conftest import client_for
from tests.world import build_world
from workflows.selectors import transition_log_for

from .helpers import at

pytestmark = pytest.mark.django_db


def _room(world, code="AULA") -> Room:
    return Room.objects.create(tenant=world.tenant, code=code, name=f"Ruang {code}", capacity=40)


def _book(world, room, start, end, by=None, title="Rapat"):
    return svc.room_booking_create(
        room=room, by=by or world.drafter, starts_at=start, ends_at=end, title=title
    )


@pytest.mark.parametrize(
    ("start", "end", "clashes"),
    [
        ((9, 0), (10, 0), True),  # the same time
        ((9, 30), (10, 30), True),  # overlaps the end
        ((8, 0), (9, 30), True),  # overlaps the start
        ((9, 15), (9, 45), True),  # inside
        ((8, 0), (12, 0), True),  # around
        ((10, 0), (11, 0), False),  # right after: [start, end) touches but does not overlap
        ((8, 0), (9, 0), False),  # right before
    ],
)
def test_overlap_rules(world, start, end, clashes):
    room = _room(world)
    first = _book(world, room, at(2026, 12, 3, 9), at(2026, 12, 3, 10))
    if clashes:
        with pytest.raises(svc.RoomClash) as caught:
            _book(world, room, at(2026, 12, 3, *start), at(2026, 12, 3, *end))
        assert caught.value.booking == first
        assert "Ruang AULA" in caught.value.messages[0]
    else:
        assert _book(world, room, at(2026, 12, 3, *start), at(2026, 12, 3, *end)).pk


def test_the_database_itself_refuses_an_overlap(world):
    """Past the service's check (as two racing requests would be): the constraint holds."""
    room = _room(world)
    _book(world, room, at(2026, 12, 3, 9), at(2026, 12, 3, 10))
    with pytest.raises(IntegrityError), transaction.atomic():
        RoomBooking.objects.create(
            tenant=world.tenant,
            room=room,
            title="x",
            starts_at=at(2026, 12, 3, 9, 30),
            ends_at=at(2026, 12, 3, 11),
        )
    # a cancelled booking frees its time; another room is another matter
    RoomBooking.objects.filter(room=room).update(state=BookingState.CANCELLED)
    assert _book(world, room, at(2026, 12, 3, 9, 30), at(2026, 12, 3, 11)).pk
    assert _book(world, _room(world, "R2"), at(2026, 12, 3, 9, 30), at(2026, 12, 3, 11)).pk


def test_an_event_with_a_room_books_it_and_moving_or_cancelling_frees_it(world):
    room = _room(world)
    event = svc.event_create(
        by=world.drafter,
        title="Rapat tim",
        starts_at=at(2026, 12, 3, 9),
        ends_at=at(2026, 12, 3, 10),
        organiser_unit=world.units["seksi_aptika"],
        room=room,
    )
    with pytest.raises(svc.RoomClash) as caught:
        _book(world, room, at(2026, 12, 3, 9), at(2026, 12, 3, 10), by=world.colleague)
    assert caught.value.booking.event == event
    svc.event_reschedule(
        event=event,
        by=world.drafter,
        starts_at=at(2026, 12, 3, 13),
        ends_at=at(2026, 12, 3, 14),
        room=room,
    )
    assert _book(world, room, at(2026, 12, 3, 9), at(2026, 12, 3, 10), by=world.colleague).pk
    svc.event_cancel(event=event, by=world.drafter, reason="Batal")
    assert _book(world, room, at(2026, 12, 3, 13), at(2026, 12, 3, 14), by=world.colleague).pk
    # AND the cancellation is on the event's audit chain, once; a second one is refused
    (row,) = transition_log_for(event)
    assert (row.action, row.source, row.target) == ("event.cancelled", "scheduled", "cancelled")
    assert row.actor == world.drafter and row.note == "Batal"
    with pytest.raises(ValidationError) as again:
        svc.event_cancel(event=event, by=world.drafter, reason="Lagi")
    assert again.value.messages == [gettext("The event is already cancelled.")]
    assert len(transition_log_for(event)) == 1


def test_an_event_that_would_clash_is_not_created_at_all(world):
    room = _room(world)
    _book(world, room, at(2026, 12, 3, 9), at(2026, 12, 3, 10))
    with pytest.raises(svc.RoomClash):
        svc.event_create(
            by=world.drafter,
            title="Bentrok",
            starts_at=at(2026, 12, 3, 9, 30),
            ends_at=at(2026, 12, 3, 11),
            organiser_unit=world.units["seksi_aptika"],
            room=room,
            invite_positions=[world.positions["kasi_aptika"]],
        )
    assert not Event.objects.filter(title="Bentrok").exists()


def test_api_clash_is_a_409_naming_the_booking_in_the_way(world):
    room = _room(world)
    client = client_for(world.drafter)
    url = f"/api/v1/rooms/{room.pk}/bookings/"
    body = {
        "title": "Rapat",
        "starts_at": "2026-12-03T09:00:00+07:00",
        "ends_at": "2026-12-03T10:00:00+07:00",
    }
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["error"] == "room_clash"
    assert again.json()["conflict"]["id"] == first.json()["id"]
    listed = client.get(url, {"from": "2026-12-03", "to": "2026-12-04"})
    assert [b["id"] for b in listed.json()] == [first.json()["id"]]
    # bad input: a reversed range, a foreign tenant's room, garbage
    reversed_ = {**body, "ends_at": "2026-12-03T08:00:00+07:00"}
    assert client.post(url, reversed_, content_type="application/json").status_code == 400
    foreign = Room.objects.create(tenant=world.other_tenant, code="X", name="X")
    assert (
        client.post(
            f"/api/v1/rooms/{foreign.pk}/bookings/", body, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.post(url, {"title": "x"}, content_type="application/json").status_code == 400
    assert RoomBooking.objects.count() == 1
    # another tenant cannot cancel it (404 as for a missing id), its owner can, once
    cancel = f"/api/v1/bookings/{first.json()['id']}/cancel/"
    assert client_for(world.foreigner).post(cancel).status_code == 404
    assert client_for(world.foreigner).post("/api/v1/bookings/999999/cancel/").status_code == 404
    assert client.post(cancel).status_code == 200
    assert client.post(cancel).status_code == 400
    assert RoomBooking.objects.get().state == BookingState.CANCELLED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_the_same_room_exactly_one_wins():
    world = build_world()
    room = Room.objects.create(tenant=world.tenant, code="AULA", name="Aula", capacity=100)
    people = [
        world.drafter,
        world.colleague,
        world.reviewer,
        world.reviewer2,
        world.clerk,
        world.secretary,
        world.head,
        world.tenant_admin,
    ]
    clients = [client_for(u) for u in people]
    barrier = threading.Barrier(len(clients))
    answers: list[int] = []
    start = dt.datetime(2026, 12, 3, 2, tzinfo=dt.UTC)

    def book(i, client):
        try:
            barrier.wait()
            # each asks for a different but overlapping slot around the same hour
            body = {
                "title": f"Rapat {i}",
                "starts_at": (start + dt.timedelta(minutes=i)).isoformat(),
                "ends_at": (start + dt.timedelta(minutes=60 + i)).isoformat(),
            }
            r = client.post(
                f"/api/v1/rooms/{room.pk}/bookings/", body, content_type="application/json"
            )
            answers.append(r.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [201] + [409] * (len(clients) - 1)
    assert RoomBooking.objects.filter(room=room, state=BookingState.ACTIVE).count() == 1
