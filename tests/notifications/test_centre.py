"""The notification centre: pages, API, preferences, the digest and due-date notices."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from correspondence import services as svc
from correspondence.models import Disposition
from notifications.kinds import Kind
from notifications.models import DigestLog, Notification
from notifications.services import digest_send_due, notify, preferences_set
from tests.conftest import client_for
from tests.correspondence.helpers import delivery_to, sent


def test_centre_lists_only_my_notifications_and_marks_all_read(world):
    notify([world.head], Kind.LETTER_SENT, text="Untuk kepala")
    notify([world.drafter], Kind.LETTER_SENT, text="Untuk konseptor")
    client = client_for(world.head)
    page = client.get(reverse("notifications:centre"))
    assert b"Untuk kepala" in page.content and b"Untuk konseptor" not in page.content
    client.post(reverse("notifications:mark-all-read"))
    assert not Notification.objects.filter(recipient=world.head, read_at=None).exists()
    assert Notification.objects.filter(recipient=world.drafter, read_at=None).exists()


def test_opening_a_notification_marks_it_read_and_follows_only_local_links(world):
    (local,) = notify([world.head], Kind.LETTER_SENT, text="a", url="/letters/inbox/")
    (remote,) = notify([world.head], Kind.LETTER_SENT, text="b", url="//evil.example/x")
    (foreign,) = notify([world.drafter], Kind.LETTER_SENT, text="c", url="/letters/")
    client = client_for(world.head)
    assert client.post(reverse("notifications:open", args=[local.pk])).url == "/letters/inbox/"
    assert client.post(reverse("notifications:open", args=[remote.pk])).url == reverse(
        "notifications:centre"
    )
    assert client.post(reverse("notifications:open", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[local.pk])).status_code == 405
    local.refresh_from_db()
    foreign.refresh_from_db()
    assert local.read_at is not None and foreign.read_at is None


def test_api_lists_marks_read_and_never_touches_others(world):
    mine = notify([world.head], Kind.LETTER_SENT, text="x")[0]
    theirs = notify([world.drafter], Kind.LETTER_SENT, text="y")[0]
    client = client_for(world.head)
    body = client.get("/api/v1/notifications/?unread=1").json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    answer = client.post(
        "/api/v1/notifications/mark-read/",
        {"ids": [mine.pk, theirs.pk]},
        content_type="application/json",
    ).json()
    assert answer == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    bad = client.post(
        "/api/v1/notifications/mark-read/", {"ids": ["x"]}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid"


def test_preferences_turn_a_kind_off_in_the_app_and_on_by_email(
    world, settings, django_capture_on_commit_callbacks
):
    settings.NASKAH_EMAIL_ENABLED = True
    world.head.email = "kadis@medan.go.id"
    world.head.save()
    client = client_for(world.head)
    rows = client.get("/api/v1/notifications/preferences/").json()
    assert {r["kind"] for r in rows} == set(Kind.values)
    changed = [
        {**r, "in_app": False, "email": True} if r["kind"] == Kind.LETTER_SENT else r for r in rows
    ]
    assert (
        client.put(
            "/api/v1/notifications/preferences/", changed, content_type="application/json"
        ).status_code
        == 200
    )
    with pytest.raises(ValueError, match="Unknown"):
        preferences_set(user=world.head, choices={"no.such.kind": (True, True)})
    with django_capture_on_commit_callbacks(execute=True):
        stored = notify([world.head, world.drafter], Kind.LETTER_SENT, text="Surat terkirim")
    assert [n.recipient_id for n in stored] == [world.drafter.pk]
    assert [(m.to, m.subject) for m in mail.outbox] == [(["kadis@medan.go.id"], "Surat terkirim")]


def test_preferences_page_saves_choices(world):
    client = client_for(world.drafter)
    form = {f"in_app-{k}": "on" for k in Kind.values if k != Kind.LETTER_RETURNED}
    client.post(reverse("notifications:preferences"), form)
    notify([world.drafter], Kind.LETTER_RETURNED, text="Dikembalikan")
    notify([world.drafter], Kind.LETTER_SENT, text="Terkirim")
    assert list(
        Notification.objects.filter(recipient=world.drafter).values_list("text", flat=True)
    ) == ["Terkirim"]


def _overdue_disposition(world, due: dt.date) -> Disposition:
    letter = sent(world, subject="Tindak lanjut temuan BPK")
    (d,) = svc.disposition_create(
        delivery=delivery_to(letter, world, "bappeda"),
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["tindak_lanjuti"],
        due_date=due,
    )
    return d


def test_due_notices_go_out_once_each(world):
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)):
        _overdue_disposition(world, dt.date(2026, 11, 23))
        assert svc.disposition_due_notify() == 0  # three days ahead: not yet
    with time_machine.travel(dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)):
        assert svc.disposition_due_notify() == 1
        assert svc.disposition_due_notify() == 0
    with time_machine.travel(dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)):
        assert svc.disposition_due_notify() == 1
        assert svc.disposition_due_notify() == 0
    kinds = list(
        Notification.objects.filter(recipient=world.bappeda_staff)
        .filter(kind__in=[Kind.DUE_SOON, Kind.OVERDUE])
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [Kind.DUE_SOON, Kind.OVERDUE]


def test_overdue_counts_by_the_tenants_own_date(world):
    """At 23:30 WIB on the due date nothing is overdue in Medan; 30 minutes later it is."""
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)):
        _overdue_disposition(world, dt.date(2026, 11, 23))
    with time_machine.travel(dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC)):  # 23:30 WIB
        svc.disposition_due_notify()
        assert not Notification.objects.filter(kind=Kind.OVERDUE).exists()
    with time_machine.travel(dt.datetime(2026, 11, 23, 17, 1, tzinfo=dt.UTC)):  # 00:01 WIB
        svc.disposition_due_notify()
        assert Notification.objects.filter(kind=Kind.OVERDUE).count() == 1


def test_digest_once_per_local_day_after_the_digest_hour(world, settings):
    settings.NASKAH_EMAIL_ENABLED = True
    world.bappeda_head.email = "kaban@medan.go.id"
    world.bappeda_head.save()
    with time_machine.travel(dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.UTC)):
        sent(world, subject="Undangan rapat")
    users = [world.bappeda_head]
    with time_machine.travel(dt.datetime(2026, 11, 22, 23, 0, tzinfo=dt.UTC)):  # 06:00 WIB
        assert digest_send_due(users=users) == 0
    with time_machine.travel(dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)):  # 07:30 WIB
        assert digest_send_due(users=users) == 1
        assert digest_send_due(users=users) == 0
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "kaban@medan.go.id" in mail.outbox[0].to
    assert "/letters/inbox/" in body and "1" in body
    assert DigestLog.objects.filter(user=world.bappeda_head).count() == 1


def test_no_digest_when_email_is_off_or_nothing_waits(world, settings):
    world.drafter.email = "konseptor@medan.go.id"
    world.drafter.save()
    settings.NASKAH_EMAIL_ENABLED = False
    assert digest_send_due(users=[world.drafter]) == 0
    settings.NASKAH_EMAIL_ENABLED = True
    with time_machine.travel(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)):
        assert digest_send_due(users=[world.drafter]) == 0  # nothing pending
    assert mail.outbox == []
