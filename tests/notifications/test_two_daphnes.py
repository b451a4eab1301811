"""Two daphne processes behind one Redis: a user connected to either gets their pushes."""

import asyncio
import http.client
import json
import os

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from websockets.asyncio.client import connect

from accounts.services import api_token_create
from tests.asyncio_thread import in_own_loop
from tests.conftest import host_of, verify_session
from tests.correspondence.helpers import delivery_to, sent

from .daphne import daphne

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)"),
]


def _env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {"DJANGO_SETTINGS_MODULE": "naskah.settings_test", "DATABASE_URL": url}


def _session(user) -> str:
    client = Client(HTTP_HOST=host_of(user))
    client.force_login(user)
    verify_session(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _post(port: int, host: str, path: str, token: str, body: dict) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        path,
        json.dumps(body),
        {"Host": host, "Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    return conn.getresponse().status


async def _listen(port: int, host: str, session: str, out: list, ready: asyncio.Event):
    async with connect(
        f"ws://{host}:{port}/ws/notifications/",
        host="127.0.0.1",
        port=port,
        origin=f"http://{host}",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"},
    ) as ws:
        out.append(json.loads(await ws.recv()))  # hello
        ready.set()
        try:
            while True:
                out.append(json.loads(await asyncio.wait_for(ws.recv(), 5)))
        except TimeoutError:
            return


def test_a_push_committed_on_one_daphne_reaches_a_client_of_the_other(world):
    letter = sent(world, subject="Koordinasi lintas OPD")
    delivery = delivery_to(letter, world, "bappeda")
    token = api_token_create(user=world.bappeda_head, name="test", scope="write")
    host = host_of(world.bappeda_head)
    staff, head = _session(world.bappeda_staff), _session(world.bappeda_head)
    with daphne(env=_env()) as port_a, daphne(env=_env()) as port_b:

        async def scenario():
            on_b, on_a = [], []
            ready_b, ready_a = asyncio.Event(), asyncio.Event()
            listeners = [
                asyncio.create_task(_listen(port_b, host, staff, on_b, ready_b)),
                asyncio.create_task(_listen(port_a, host, head, on_a, ready_a)),
            ]
            await ready_a.wait()
            await ready_b.wait()
            status = await asyncio.to_thread(
                _post,
                port_a,
                host,
                f"/api/v1/deliveries/{delivery.pk}/dispositions/",
                token,
                {
                    "to_positions": [world.positions["perencana"].pk],
                    "instructions": ["tindak_lanjuti"],
                },
            )
            await asyncio.gather(*listeners)
            return status, on_a, on_b

        status, on_a, on_b = in_own_loop(scenario)()
    assert status == 201
    pushed = [m for m in on_b if m["type"] == "notification"]
    assert [m["kind"] for m in pushed] == ["disposition.created"]
    assert "Koordinasi lintas OPD" in pushed[0]["text"]
    assert [m["type"] for m in on_a] == ["hello"]  # the issuer's own socket gets nothing
