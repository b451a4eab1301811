"""Sessions end after NASKAH_SESSION_AGE of inactivity; they are written at most once per
NASKAH_SESSION_REFRESH seconds, not on every request."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.middleware import SESSION_SEEN_KEY
from tests.conftest import client_for, host_of

START = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def _expiry(client) -> dt.datetime:
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def _session_writes(client, url) -> tuple[int, object]:
    writes = []

    def spy(execute, sql, *args):
        if "django_session" in sql and sql.lstrip().upper().startswith(("UPDATE", "INSERT")):
            writes.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(spy):
        response = client.get(url)
    return len(writes), response


@pytest.fixture
def signed_in(world):
    with time_machine.travel(START, tick=False) as clock:
        client = client_for(world.drafter)
        client.get(reverse("home"))  # the first request stamps the session
        yield client, clock


def test_requests_within_the_refresh_interval_write_no_session(signed_in):
    client, clock = signed_in
    before = _expiry(client)
    clock.shift(settings.SESSION_REFRESH - 1)
    writes, response = _session_writes(client, reverse("home"))
    assert response.status_code == 200
    assert writes == 0
    assert "sessionid" not in response.cookies  # nothing new for the browser either
    assert _expiry(client) == before


def test_a_request_after_the_interval_extends_the_session(signed_in):
    client, clock = signed_in
    before = _expiry(client)
    clock.shift(settings.SESSION_REFRESH + 1)
    writes, response = _session_writes(client, reverse("home"))
    assert response.status_code == 200
    assert writes == 1
    assert _expiry(client) == before + dt.timedelta(seconds=settings.SESSION_REFRESH + 1)
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE


def test_activity_keeps_a_session_alive_past_its_first_age(signed_in):
    client, clock = signed_in
    for _ in range(5):  # a request every quarter of the age: never idle for a whole age
        clock.shift(settings.SESSION_COOKIE_AGE // 4)
        assert client.get(reverse("home")).status_code == 200
    assert timezone.now() > START + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)


@pytest.mark.parametrize("idle", ["just_under", "over"])
def test_inactivity_for_the_whole_age_ends_the_session(signed_in, idle):
    client, clock = signed_in
    clock.shift(settings.SESSION_REFRESH // 2)
    client.get(reverse("home"))  # inside the interval: not written, the clock is not reset
    seconds = settings.SESSION_COOKIE_AGE + (-5 if idle == "just_under" else 1)
    clock.shift(seconds - settings.SESSION_REFRESH // 2)
    response = client.get(reverse("home"))
    if idle == "just_under":
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_logout_creates_no_new_session(signed_in):
    client, _ = signed_in
    client.post(reverse("logout"))
    assert Session.objects.count() == 0


def test_a_stale_cookie_starts_no_session(world):
    client = Client(HTTP_HOST=host_of(world.drafter))
    client.cookies["sessionid"] = "x" * 32  # an ended session's cookie
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert Session.objects.count() == 0


def test_login_stamps_the_session(world, password):
    client = Client(HTTP_HOST=host_of(world.drafter))
    client.post(reverse("login"), {"username": world.drafter.username, "password": password})
    assert SESSION_SEEN_KEY in client.session


def test_a_stamp_from_a_clock_ahead_is_refreshed(signed_in):
    client, _ = signed_in
    session = client.session
    session[SESSION_SEEN_KEY] = int(timezone.now().timestamp()) + 3600  # another replica's clock
    session.save()
    writes, response = _session_writes(client, reverse("home"))
    assert response.status_code == 200
    assert writes == 1
    assert client.session[SESSION_SEEN_KEY] == int(timezone.now().timestamp())
