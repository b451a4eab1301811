"""Two web processes and two workers (started with scripts/serve.sh) against one PostgreSQL
and one Redis: every letter numbered once, every notification delivered once, every due
notice sent once even with two schedulers."""

import asyncio
import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from correspondence import services as svc
from correspondence.models import Letter
from notifications.kinds import Kind
from notifications.models import Notification
from tests.asyncio_thread import in_own_loop
from tests.conftest import host_of, verify_session
from tests.correspondence.helpers import delivery_to, draft, sent, through_review
from tests.notifications.daphne import free_port, wait_port
from workflows.models import TransitionLog

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)"),
]
ROOT = Path(settings.BASE_DIR)
LETTERS = 12


def _env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "naskah.settings_test",
        "DATABASE_URL": url,
        "NASKAH_TEST_TASKS": "db",
        "NASKAH_BIND": "127.0.0.1",
        "NASKAH_TSA_URL": settings.NASKAH_TSA_URL,  # the test worker's timestamp authority
        "NASKAH_TRUST_ROOTS": ",".join(settings.NASKAH_TRUST_ROOTS),
    }


@contextmanager
def _process(*args):
    proc = subprocess.Popen(
        ["scripts/serve.sh", *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _post(port, host, path, auth: dict, body) -> int:
    # Twelve signatures queue on two web processes; on a loaded machine the last waits long.
    # The test is about each letter numbered once, not about latency: wait two minutes.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(
        "POST", path, json.dumps(body), {"Host": host, "Content-Type": "application/json", **auth}
    )
    return conn.getresponse().status


def _session(user) -> str:
    client = Client(HTTP_HOST=host_of(user))
    client.force_login(user)
    verify_session(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_two_webs_two_workers_two_schedulers(world, password):
    letters = [through_review(world, draft(world, subject=f"Surat {i}")) for i in range(LETTERS)]
    due = []
    for i in range(3):
        d = delivery_to(sent(world, subject=f"Undangan {i}"), world, "bappeda")
        due += svc.disposition_create(
            delivery=d,
            by=world.bappeda_head,
            to_positions=[world.positions["perencana"]],
            instructions=["hadiri"],
            due_date=dt.date.today() + dt.timedelta(days=1),
        )
    Notification.objects.all().delete()
    # The head signs from a browser session verified with a second factor (CSRF included).
    head = Client(HTTP_HOST=host_of(world.head))
    head.force_login(world.head)
    verify_session(head, world.head)
    head.get("/")
    auth = {
        "Cookie": f"sessionid={head.cookies['sessionid'].value}; "
        f"csrftoken={head.cookies['csrftoken'].value}",
        "X-CSRFToken": head.cookies["csrftoken"].value,
    }
    host = host_of(world.head)
    drafter_session = _session(world.drafter)
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        webs = [stack.enter_context(_process("web", str(p))) for p in ports]
        for _ in range(2):
            stack.enter_context(_process("worker"))
        for port, proc in zip(ports, webs, strict=True):
            wait_port(port, proc)
        received: list[dict] = []
        ready = threading.Event()
        done = threading.Event()

        @in_own_loop
        async def listen():
            from websockets.asyncio.client import connect

            async with connect(
                f"ws://{host}:{ports[1]}/ws/notifications/",
                host="127.0.0.1",
                port=ports[1],
                origin=f"http://{host}",
                additional_headers={"Cookie": f"sessionid={drafter_session}"},
            ) as ws:
                await ws.recv()
                ready.set()
                while not done.is_set():
                    try:
                        received.append(json.loads(await asyncio.wait_for(ws.recv(), 0.5)))
                    except TimeoutError:
                        continue

        listener = threading.Thread(target=listen)
        listener.start()
        assert ready.wait(30)
        statuses: list[int] = []

        def sign(letter, port):
            path = f"/api/v1/letters/{letter.pk}/sign/"
            statuses.append(_post(port, host, path, auth, {"passphrase": password}))

        threads = [
            threading.Thread(target=sign, args=(letter, ports[i % 2]))
            for i, letter in enumerate(letters)
        ]
        # a double submit of the first letter on the other web process
        threads.append(threading.Thread(target=sign, args=(letters[0], ports[1])))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        schedulers = [
            subprocess.Popen(
                [sys.executable, "manage.py", "run_periodic", "--once"],
                cwd=ROOT,
                env=_env(),
                stdout=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        for s in schedulers:
            assert s.wait(60) == 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            signed = Letter.objects.filter(pk__in=[x.pk for x in letters], state="signed").count()
            notices = Notification.objects.filter(kind=Kind.DUE_SOON).count()
            if signed == LETTERS and notices >= len(due):
                break
            time.sleep(0.5)
        time.sleep(2)  # any duplicate would arrive now
        done.set()
        listener.join()
    assert sorted(statuses).count(200) == LETTERS and statuses.count(409) == 1
    numbers = sorted(
        Letter.objects.filter(pk__in=[x.pk for x in letters]).values_list("number_seq", flat=True)
    )
    # the three invitations took 1-3 from the same register: the rest follow without a gap
    assert numbers == list(range(len(due) + 1, len(due) + 1 + LETTERS))
    for letter in letters:
        assert (
            TransitionLog.objects.filter(object_id=letter.pk, action="letter.signed").count() == 1
        )
    stored = Notification.objects.filter(recipient=world.drafter, kind=Kind.LETTER_SIGNED)
    assert stored.count() == LETTERS
    pushed = [m["id"] for m in received if m.get("kind") == Kind.LETTER_SIGNED]
    assert sorted(pushed) == sorted(stored.values_list("pk", flat=True))  # each once
    assert Notification.objects.filter(kind=Kind.DUE_SOON).count() == len(due)
