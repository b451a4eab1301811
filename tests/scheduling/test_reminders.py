"""Reminders fire once, at the right local time, never for cancelled events or people who
are no longer expected (time-machine, WIB and WITA tenants)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.periodic import periodic_jobs
from correspondence import services as letters
from notifications.models import Notification
from scheduling import services as svc
from scheduling.choices import Rsvp
from scheduling.models import Reminder
from scheduling.tasks import reminders_send

from .helpers import WITA, at, attendee, event_of, invitation

pytestmark = pytest.mark.django_db


def _run(moment: dt.datetime, django_capture_on_commit_callbacks) -> list[tuple[str, str]]:
    """Run the periodic job at a moment; the reminders it sent as (username, text)."""
    before = set(Notification.objects.filter(kind="event.reminder").values_list("pk", flat=True))
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        svc.reminders_send_due()
    rows = Notification.objects.filter(kind="event.reminder").exclude(pk__in=before)
    return sorted(rows.values_list("recipient__username", "text"))


def test_wib_reminders_a_day_and_an_hour_before_once_each(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):
        letter = invitation(world)  # 3 December 09.00 WIB, Bappeda and Dinkes heads
    heads = sorted([world.bappeda_head.username, world.dinkes_head.username])
    run = lambda moment: _run(moment, django_capture_on_commit_callbacks)
    assert run(at(2026, 12, 2, 8, 59)) == []
    sent = run(at(2026, 12, 2, 9, 0))
    assert [u for u, _t in sent] == heads
    assert all("09.00 WIB" in text and "Aula Kominfo" in text for _u, text in sent)
    assert run(at(2026, 12, 2, 9, 1)) == []  # never twice
    assert run(at(2026, 12, 3, 7, 59)) == []
    assert [u for u, _t in run(at(2026, 12, 3, 8, 0))] == heads
    assert run(at(2026, 12, 3, 8, 30)) == []
    assert run(at(2026, 12, 3, 10, 0)) == []
    event = event_of(letter, world.tenant)
    assert Reminder.objects.filter(attendee__event=event, sent_at__isnull=False).count() == 4


def test_wita_reminder_at_the_wita_hour(world, django_capture_on_commit_callbacks):
    start = dt.datetime(2026, 12, 3, 9, tzinfo=WITA)  # 01.00 UTC, 08.00 WIB
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):
        svc.event_create(
            by=world.wita_head,
            title="Rapat pimpinan",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            organiser_unit=world.units["s_kominfo"],
            invite_positions=[world.positions["s_kadis"], world.positions["s_staf"]],
            location="Ruang Kadis",
        )
    run = lambda moment: _run(moment, django_capture_on_commit_callbacks)
    both = sorted([world.wita_head.username, world.wita_drafter.username])
    # the WITA clock decides: 09.00 WITA is 08.00 WIB
    assert run(dt.datetime(2026, 12, 2, 8, 59, tzinfo=WITA)) == []
    sent = run(dt.datetime(2026, 12, 2, 9, 0, tzinfo=WITA))
    assert [u for u, _t in sent] == both
    assert all("09.00 WITA" in text for _u, text in sent)
    assert run(dt.datetime(2026, 12, 3, 7, 59, tzinfo=WITA)) == []
    assert [u for u, _t in run(dt.datetime(2026, 12, 3, 8, 0, tzinfo=WITA))] == both
    assert run(dt.datetime(2026, 12, 3, 8, 0, 30, tzinfo=WITA)) == []


def test_after_an_outage_only_the_nearest_reminder_goes_out(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):
        invitation(world, to=("bappeda",))
    # the worker was down from before the day-before reminder until the hour-before one
    sent = _run(at(2026, 12, 3, 8, 5), django_capture_on_commit_callbacks)
    assert [u for u, _t in sent] == [world.bappeda_head.username]
    rows = Reminder.objects.order_by("-minutes_before")
    assert [(r.minutes_before, r.skipped, r.sent_at is not None) for r in rows] == [
        (1440, True, True),
        (60, False, True),
    ]
    assert _run(at(2026, 12, 3, 8, 10), django_capture_on_commit_callbacks) == []


def test_no_reminder_for_a_cancelled_event_or_someone_who_declined(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):
        cancelled = invitation(world, to=("bappeda",), subject="Batal")
        kept = invitation(
            world, to=("dinkes", "bappeda"), subject="Tetap", start=at(2026, 12, 5, 9)
        )

        letters.letter_retract(letter=cancelled, by=world.head, reason="Ditunda")
        event = event_of(kept, world.tenant)
        svc.attendee_respond(
            attendee=attendee(event, world.dinkes_head),
            by=world.dinkes_head,
            answer=Rsvp.DECLINED,
            reason="Dinas luar",
        )
    for day in range(1, 6):
        for hour in range(24):
            sent = _run(at(2026, 12, day, hour), django_capture_on_commit_callbacks)
            assert all("Batal" not in text for _u, text in sent)
            assert all(u != world.dinkes_head.username for u, _t in sent)
    texts = Notification.objects.filter(kind="event.reminder").values_list("text", flat=True)
    assert len(texts) == 2 and all("Tetap" in t for t in texts)


def test_tenant_default_reminders_and_a_late_event_gets_only_what_is_ahead(world):
    svc.calendar_settings_set(tenant=world.tenant, reminder_minutes=[30])
    with time_machine.travel(at(2026, 12, 3, 8, 45), tick=False):
        letter = invitation(world, to=("bappeda",))  # starts 09.00: 30 min before is past
        event = event_of(letter, world.tenant)
        assert event.reminder_minutes == [30]
        assert not Reminder.objects.filter(attendee__event=event).exists()
        later = invitation(world, to=("bappeda",), start=at(2026, 12, 3, 14), subject="Sore")
    due = Reminder.objects.filter(attendee__event=event_of(later, world.tenant))
    assert list(due.values_list("due_at", flat=True)) == [at(2026, 12, 3, 13, 30)]


@pytest.mark.parametrize("bad", [[0], [-5], [60 * 24 * 15], ["x"]])
def test_bad_reminder_settings_are_refused(world, bad):
    with pytest.raises(ValidationError):
        svc.calendar_settings_set(tenant=world.tenant, reminder_minutes=bad)


def test_the_periodic_job_is_declared_and_runs(world, django_capture_on_commit_callbacks):
    job = {j.name: j for j in periodic_jobs()}["event-reminders"]
    assert job.every == 60 and job.task() is reminders_send
    with time_machine.travel(at(2026, 11, 23, 8), tick=False):
        invitation(world, to=("bappeda",))
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        assert reminders_send.call() == 1
        assert reminders_send.call() == 0
