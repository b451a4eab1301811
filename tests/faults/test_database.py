"""PostgreSQL connections killed (`pg_terminate_backend`): under a running web process every
page still answers, and a send whose connection dies mid-transaction writes nothing, then
goes through once when tried again."""

import threading
import uuid

import pytest
from django.db import OperationalError, connection, connections
from django.db.utils import InterfaceError

from correspondence import services as svc
from correspondence.models import Delivery
from correspondence.services import sending
from tests.conftest import host_of
from tests.correspondence.helpers import signed

from .helpers import env, request, session_cookie, web

pytestmark = [
    pytest.mark.faults,
    pytest.mark.clock_free,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _terminate(where: str, params: list) -> int:
    """Kill the connections to the test database that `where` picks; returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = current_database() AND pid <> pg_backend_pid() AND {where}",
            params,
        )
        return cursor.fetchone()[0]


def test_pages_answer_after_the_database_dropped_every_connection(world):
    cookie = session_cookie(world.drafter)
    host = host_of(world.drafter)
    name = f"naskah-fault-{uuid.uuid4().hex[:12]}"
    port, server = web(env(PGAPPNAME=name))  # its connections carry this name
    with server:
        for _ in range(3):  # the pool holds connections now
            assert (
                request(port, host, "GET", "/letters/inbox/", headers={"Cookie": cookie})[0] == 200
            )
        assert _terminate("application_name = %s", [name]) >= 1  # every one the web holds
        statuses = [
            request(port, host, "GET", path, headers={"Cookie": cookie})[0]
            for path in ["/letters/inbox/", "/", "/letters/drafts/", "/notifications/"] * 3
        ]
        assert statuses == [200] * len(statuses)


def test_a_send_whose_connection_dies_mid_transaction_writes_nothing_and_retries_once(
    world, monkeypatch
):
    letter = signed(world)
    inside, release = threading.Event(), threading.Event()
    original = sending._agenda_many
    outcome = {}

    def paused(deliveries):
        original(deliveries)  # agenda numbers taken, deliveries not yet saved
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            outcome["pid"] = cursor.fetchone()[0]
        inside.set()
        release.wait(30)

    monkeypatch.setattr(sending, "_agenda_many", paused)  # where letter_send reads it

    def send():
        try:
            svc.letter_send(letter=letter, by=world.head)
            outcome["result"] = "sent"
        except (OperationalError, InterfaceError) as exc:
            outcome["result"] = type(exc).__name__
        finally:
            connections.close_all()

    thread = threading.Thread(target=send)
    thread.start()
    assert inside.wait(30)
    assert _terminate("pid = %s", [outcome["pid"]]) == 1  # the sending transaction's
    release.set()
    thread.join(30)
    assert outcome["result"] in {"OperationalError", "InterfaceError"}

    letter.refresh_from_db()
    assert letter.state == "signed"
    assert not Delivery.objects.filter(letter=letter).exists()
    monkeypatch.setattr(sending, "_agenda_many", original)
    svc.letter_send(letter=letter, by=world.head)  # tried again: it goes through, once
    deliveries = Delivery.objects.filter(letter=letter)
    assert deliveries.count() == letter.recipients.filter(unit__isnull=False).count()
    # The agenda numbers taken by the lost transaction were rolled back with it: no gap.
    assert sorted(d.agenda_seq for d in deliveries if d.unit_id == world.units["bappeda"].pk) == [1]
