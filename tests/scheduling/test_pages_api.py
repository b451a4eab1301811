"""Calendar pages and API: every view renders with a bounded number of queries, events are
made, answered and delegated, and bad input gets a clear answer and changes nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django_fsm import TransitionNotAllowed

from correspondence import services as letters
from notifications.models import Notification
from organizations.models import User
from scheduling import permissions as policy
from scheduling import selectors
from scheduling import services as svc
from scheduling.choices import AttendeeRole, EventState, Rsvp
from scheduling.models import Attendee, CalendarFeed, Event, Room
from tests.conftest import client_for
from tests.correspondence.helpers import PDF, sent

from .helpers import at, attendee, event_of, invitation

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 23, 8)


@pytest.fixture
def busy_world(world):
    """Kominfo invites Bappeda to 12 meetings in December; a room with a booking."""
    with time_machine.travel(NOW, tick=False):
        for i in range(12):
            invitation(world, to=("bappeda",), subject=f"Rapat {i}", start=at(2026, 12, 1 + i, 9))
    room = Room.objects.create(tenant=world.tenant, code="AULA", name="Aula", capacity=80)
    svc.room_booking_create(
        room=room,
        by=world.drafter,
        starts_at=at(2026, 12, 2, 13),
        ends_at=at(2026, 12, 2, 15),
        title="Pelatihan",
    )
    world.room = room
    return world


@pytest.mark.parametrize("view", ["day", "week", "month", "agenda"])
@pytest.mark.parametrize("which", ["personal", "unit", "room"])
def test_every_calendar_view_renders_with_bounded_queries(
    busy_world, view, which, django_assert_max_num_queries
):
    world = busy_world
    url = {
        "personal": "/calendar/",
        "unit": f"/calendar/unit/{world.units['bappeda'].pk}/",
        "room": f"/calendar/room/{world.room.pk}/",
    }[which]
    client = client_for(world.bappeda_head)
    # 28: eight draw the menu (the access facts its entries and figures are decided by, kept
    # across requests with Redis; the figures themselves are one query); one whether an outage
    # is going on (the banner's, cached for five minutes after this first page).
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(29):
        response = client.get(url, {"view": view, "date": "2026-12-02"})
    assert response.status_code == 200
    text = response.text
    if which == "room":
        assert "Pelatihan" in text
    elif view == "day":
        assert "Rapat 1" in text and "Rapat 0" not in text
    elif view in ("week", "month", "agenda"):
        assert "Rapat 1" in text and "Rapat 2" in text


def test_room_calendar_hides_events_the_viewer_may_not_see(world):
    room = Room.objects.create(tenant=world.tenant, code="R1", name="Ruang 1", capacity=10)
    svc.event_create(
        by=world.bappeda_head,
        title="Rapat mutasi pegawai",
        starts_at=at(2026, 12, 2, 9),
        ends_at=at(2026, 12, 2, 10),
        organiser_unit=world.units["bappeda"],
        room=room,
        security="rahasia",
    )
    page = client_for(world.drafter).get(f"/calendar/room/{room.pk}/?view=day&date=2026-12-02")
    assert page.status_code == 200
    assert "mutasi" not in page.text
    assert "Busy" in page.text or "Sibuk" in page.text
    api = client_for(world.drafter).get(
        f"/api/v1/rooms/{room.pk}/bookings/", {"from": "2026-12-02", "to": "2026-12-03"}
    )
    assert [b["title"] for b in api.json()] == [""]


def test_create_an_event_through_the_api_and_answer_and_delegate(
    world, django_capture_on_commit_callbacks
):
    """One API story end to end (longer than 60 lines on purpose): create, answer, delegate,
    each on the state the step before left."""
    room = Room.objects.create(tenant=world.tenant, code="R1", name="Ruang 1", capacity=10)
    client = client_for(world.reviewer2)  # head of Bidang TIK
    body = {
        "title": "Rapat teknis",
        "starts_at": "2026-12-10T09:00:00+07:00",
        "ends_at": "2026-12-10T11:00:00+07:00",
        "organiser_unit": world.positions["kabid_tik"].unit_id,
        "room": room.pk,
        "invite_positions": [
            world.positions["kasi_aptika"].pk,
            world.positions["kaban_bappeda"].pk,
        ],
    }
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/events/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["place"] == "Ruang 1" and {a["name"] for a in data["attendees"]} == {
        world.reviewer.display_name,
        world.bappeda_head.display_name,
    }
    event = Event.objects.get(pk=data["id"])
    assert event.bookings.count() == 1

    invited = Notification.objects.filter(kind="event.invited").values_list("recipient", flat=True)
    assert set(invited) == {world.reviewer.pk, world.bappeda_head.pk}
    # the head of Seksi Aptika sends the drafter (his subordinate) instead
    with time_machine.travel(NOW, tick=False):
        answer = client_for(world.reviewer).post(
            f"/api/v1/events/{event.pk}/rsvp/",
            {"answer": "delegated", "delegate_to": world.drafter.pk},
            content_type="application/json",
        )
    assert answer.status_code == 200, answer.content
    stand_in = attendee(event, world.drafter)
    assert stand_in.role == AttendeeRole.DELEGATE and stand_in.sent_by == attendee(
        event, world.reviewer
    )
    assert attendee(event, world.reviewer).rsvp == Rsvp.DELEGATED
    # the head of Bappeda may not send someone from Kominfo
    with time_machine.travel(NOW, tick=False):
        refused = client_for(world.bappeda_head).post(
            f"/api/v1/events/{event.pk}/rsvp/",
            {"answer": "delegated", "delegate_to": world.colleague.pk},
            content_type="application/json",
        )
        assert refused.status_code == 400 and "to_user" in refused.json()["fields"]
        # declining needs a reason; attending twice is harmless
        no_reason = client_for(world.bappeda_head).post(
            f"/api/v1/events/{event.pk}/rsvp/",
            {"answer": "declined"},
            content_type="application/json",
        )
        assert no_reason.status_code == 400
        for _ in range(2):
            ok = client_for(world.bappeda_head).post(
                f"/api/v1/events/{event.pk}/rsvp/",
                {"answer": "attending"},
                content_type="application/json",
            )
            assert ok.status_code == 200
    assert attendee(event, world.bappeda_head).rsvp == Rsvp.ATTENDING
    assert Attendee.objects.filter(event=event).count() == 3


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "from"),
        ({"from": "kemarin", "to": "2026-12-08"}, "from"),
        ({"from": "2026-12-08", "to": "2026-12-01"}, "to"),
        ({"from": "2026-01-01", "to": "2026-12-31"}, "to"),
    ],
)
def test_bad_ranges_are_400(world, params, field):
    response = client_for(world.drafter).get("/api/v1/events/", params)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_bad_event_input_changes_nothing(world):
    client = client_for(world.drafter)
    unit = world.positions["prakom_muda"].unit_id
    base = {
        "title": "Rapat",
        "starts_at": "2026-12-10T09:00:00+07:00",
        "ends_at": "2026-12-10T10:00:00+07:00",
        "organiser_unit": unit,
    }
    foreign_room = Room.objects.create(tenant=world.other_tenant, code="X", name="X")
    cases = [
        {**base, "ends_at": "2026-12-10T08:00:00+07:00"},  # ends before it starts
        {**base, "organiser_unit": world.units["bappeda"].pk},  # not the drafter's unit
        {**base, "room": foreign_room.pk},  # another tenant's room
        {**base, "invite_positions": [world.positions["t_kadis"].pk]},  # a foreign post
        {**base, "invite_positions": [2**63]},  # out of range
        {**base, "title": ""},
        {**base, "reminder_minutes": [0]},
        {**base, "security": "top_secret"},
    ]
    for body in cases:
        response = client.post("/api/v1/events/", body, content_type="application/json")
        assert response.status_code in (400, 403), (body, response.status_code)
    assert not Event.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_event_page_actions_and_feed_lifecycle(world):
    letter = invitation(world, to=("bappeda",))
    event = event_of(letter, world.tenant)
    head = client_for(world.bappeda_head)
    page = head.get(f"/calendar/events/{event.pk}/")
    assert page.status_code == 200 and "Putri Lestari" in page.text  # a subordinate to send
    head.post(f"/calendar/events/{event.pk}/delegate/", {"to_user": world.bappeda_staff.pk})
    assert attendee(event, world.bappeda_head).rsvp == Rsvp.DELEGATED
    # a forged action and a GET on an action change nothing
    assert head.post(f"/calendar/events/{event.pk}/explode/").status_code == 404
    assert head.get(f"/calendar/events/{event.pk}/respond/").status_code == 405
    # the feed: made, used, replaced (old one dead), stopped
    head.post("/calendar/feed/", {"action": "create"})
    shown = head.get("/calendar/").context["feed_url"]
    assert shown.endswith(".ics")
    path = shown.split("://", 1)[1].split("/", 1)[1]
    assert client_for(None, tenant=world.tenant).get(f"/{path}").status_code == 200
    head.post("/calendar/feed/", {"action": "create"})
    assert client_for(None, tenant=world.tenant).get(f"/{path}").status_code == 404
    head.post("/calendar/feed/", {"action": "revoke"})
    assert not CalendarFeed.objects.filter(user=world.bappeda_head, revoked_at__isnull=True)
    assert (
        client_for(None, tenant=world.tenant).get("/calendar/feed/nonsense.ics").status_code == 404
    )


def test_attendance_and_minutes_after_the_event(world):
    with time_machine.travel(NOW, tick=False):
        letter = invitation(world, to=("bappeda", "dinkes"))
    event = event_of(letter, world.tenant)
    present = attendee(event, world.dinkes_head)
    organiser = client_for(world.drafter)  # the drafting unit organises
    with time_machine.travel(at(2026, 12, 3, 8), tick=False):
        organiser.post(f"/calendar/events/{event.pk}/attendance/", {"present": [present.pk]})
        assert Event.objects.get(pk=event.pk).attendance_taken_at is None  # not started yet
    with time_machine.travel(at(2026, 12, 3, 11), tick=False):
        client = client_for(world.drafter)
        client.post(f"/calendar/events/{event.pk}/attendance/", {"present": [present.pk]})
        rows = dict(Attendee.objects.filter(event=event).values_list("user__username", "attended"))
        assert rows == {world.dinkes_head.username: True, world.bappeda_head.username: False}
        # a malformed upload is refused with its reason; a real PDF is kept with its hash
        client.post(
            f"/calendar/events/{event.pk}/minutes/",
            {"file": SimpleUploadedFile("notulen.pdf", b"%PDF-1.4 broken")},
        )
        assert not Event.objects.get(pk=event.pk).minutes_file
        client.post(
            f"/calendar/events/{event.pk}/minutes/",
            {"file": SimpleUploadedFile("notulen.pdf", PDF)},
        )
        event = Event.objects.get(pk=event.pk)
        assert event.minutes_name == "notulen.pdf" and len(event.minutes_sha256) == 64
        download = client_for(world.dinkes_head).get(f"/calendar/events/{event.pk}/minutes")
        assert download.status_code == 200
        assert (
            b"".join(download.streaming_content if download.streaming else [download.content])
            == PDF
        )
        # an invited person cannot record attendance
        client_for(world.dinkes_head).post(
            f"/calendar/events/{event.pk}/attendance/", {"present": []}
        )
    assert Attendee.objects.get(pk=present.pk).attended is True


def test_letter_reschedule_needs_a_sent_invitation_and_its_signer(world):
    with time_machine.travel(NOW, tick=False):
        letter = invitation(world, to=("bappeda",))
        plain = sent(world)
    new = {
        "event_start": at(2026, 12, 4, 9),
        "event_end": at(2026, 12, 4, 10),
        "event_location": "Aula",
    }
    with pytest.raises(PermissionDenied):
        letters.letter_reschedule(letter=letter, by=world.bappeda_head, **new)
    with pytest.raises(TransitionNotAllowed):
        letters.letter_reschedule(letter=plain, by=world.head, **new)
    response = client_for(world.head).post(
        f"/api/v1/letters/{letter.pk}/reschedule/",
        {"event_start": "2026-12-04T09:00:00+07:00", "event_end": "2026-12-04T08:00:00+07:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert event_of(letter, world.tenant).starts_at == at(2026, 12, 3, 9)
    ok = client_for(world.head).post(
        f"/api/v1/letters/{letter.pk}/reschedule/",
        {
            "event_start": "2026-12-04T09:00:00+07:00",
            "event_end": "2026-12-04T10:00:00+07:00",
            "event_location": "Aula",
        },
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert event_of(letter, world.tenant).starts_at == at(2026, 12, 4, 9)
    assert event_of(letter, world.tenant).state == EventState.SCHEDULED


def test_minutes_linked_as_a_nota_dinas_the_organiser_may_open(world):
    with time_machine.travel(NOW, tick=False):
        letter = invitation(world, to=("bappeda",))
        nota = sent(world, code="nota_dinas", to=("bappeda",), subject="Notulen rapat")
        hidden = sent(world, to=("dinkes",), security="rahasia", subject="Rahasia")
    event = event_of(letter, world.tenant)
    with time_machine.travel(at(2026, 12, 3, 12), tick=False):
        client = client_for(world.drafter)
        client.post(f"/calendar/events/{event.pk}/minutes/", {"letter": "no-such-number"})
        assert not Event.objects.get(pk=event.pk).minutes_label
        client_for(world.colleague).post(
            f"/calendar/events/{event.pk}/minutes/", {"letter": str(hidden.pk)}
        )
        assert not Event.objects.get(pk=event.pk).minutes_label  # the colleague cannot open it
        client.post(f"/calendar/events/{event.pk}/minutes/", {"letter": nota.number})
    event = Event.objects.get(pk=event.pk)
    assert nota.number in event.minutes_label and "Notulen rapat" in event.minutes_label
    assert event.minutes_url == f"/letters/{nota.pk}/"


@pytest.mark.parametrize("who", ["bappeda_head", "reviewer2", "reviewer", "drafter"])
def test_who_may_be_sent_agrees_with_the_rule_and_the_page_is_one_query(
    world, who, django_assert_max_num_queries
):
    user = world.users[who]
    post = user.assignments.first().position
    with time_machine.travel(NOW, tick=False):
        event = svc.event_create(
            by=user,
            title="Rapat",
            starts_at=at(2026, 12, 9, 9),
            ends_at=at(2026, 12, 9, 10),
            organiser_unit=post.unit,
            invite_positions=[post],
        )
        me = attendee(event, user)
        listed = selectors.subordinates_of(me)
        by_rule = [
            u
            for u in User.objects.filter(tenant=world.tenant).order_by(
                "first_name", "last_name", "pk"
            )
            if policy.subordinate_post(me, u) is not None
        ]
        assert listed == by_rule
        client = client_for(user)
        # 29: three of them draw the menu (the user's access facts and its figures), one asks
        # whether an outage is going on (the banner's; cached after the first page).
        with django_assert_max_num_queries(29):
            page = client.get(f"/calendar/events/{event.pk}/")
    assert page.status_code == 200
    assert all(u.display_name in page.text for u in listed)
