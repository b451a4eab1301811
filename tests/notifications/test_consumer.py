"""The WebSocket: who may connect, what reaches whom, and what never appears in a payload."""

import datetime as dt
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import InMemoryChannelLayer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from correspondence import services as svc
from naskah.asgi import application
from organizations.models import TenantDomain
from organizations.selectors import tenant_cache_clear
from tests.asyncio_thread import in_own_loop
from tests.conftest import host_of, verify_session
from tests.correspondence.helpers import delivery_to, sent

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie_for(user) -> str:
    client = Client(HTTP_HOST=host_of(user))
    client.force_login(user)
    verify_session(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _communicator(host: str, session: str | None = None) -> WebsocketCommunicator:
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if session:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


class Socket:
    """A connected test client."""

    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm

    @classmethod
    async def open(cls, user, *, host: str | None = None) -> "Socket":
        cookie = await sync_to_async(_cookie_for)(user)
        host = host or await sync_to_async(host_of)(user)
        socket = cls(_communicator(host, cookie))
        socket.connected, socket.code = await socket.comm.connect()
        return socket

    async def receive(self, timeout=2):
        return await self.comm.receive_json_from(timeout)

    async def send(self, data):
        await self.comm.send_json_to(data)

    async def nothing(self) -> bool:
        return await self.comm.receive_nothing(0.3)

    async def drain(self) -> list[dict]:
        out = []
        while not await self.nothing():
            out.append(await self.receive())
        return out

    async def close(self):
        await self.comm.disconnect()


def run(fn, /, *args, **kwargs):
    """Call sync code (services, helpers) from an async test."""
    return sync_to_async(fn)(*args, **kwargs)


@in_own_loop
async def test_anonymous_is_refused(world):
    comm = _communicator(await run(host_of, world.head))
    connected, code = await comm.connect()
    assert (connected, code) == (False, 4401)


@in_own_loop
async def test_a_session_on_another_tenants_host_is_refused(world):
    socket = await Socket.open(world.head, host=await run(host_of, world.foreigner))
    assert (socket.connected, socket.code) == (False, 4403)


@in_own_loop
async def test_a_foreign_origin_is_refused(world):
    host = await run(host_of, world.head)
    comm = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"host", host.encode()), (b"origin", b"http://evil.example")],
    )
    connected, _code = await comm.connect()
    assert not connected


@in_own_loop
async def test_hello_carries_the_unread_count(world):
    await run(sent, world)  # notifies the heads of the recipient units
    socket = await Socket.open(world.bappeda_head)
    hello = await socket.receive()
    assert (hello["type"], hello["unread"]) == ("hello", 1)
    await socket.close()


@pytest.mark.parametrize(
    ("backend", "shared"),
    [
        ("channels.layers.InMemoryChannelLayer", False),
        ("tests.notifications.test_consumer.Shared", True),
    ],
)
def test_hello_says_whether_other_processes_pushes_arrive(world, settings, backend, shared):
    # GIVEN the embedded default's in-memory layer (one process's own) or a shared one
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend}}

    @in_own_loop
    async def hello():
        socket = await Socket.open(world.bappeda_head)
        message = await socket.receive()
        await socket.close()
        return message

    # THEN the hello tells the page whether to poll (a worker's push would never reach it)
    assert hello()["shared"] is shared


@in_own_loop
async def test_a_disposition_reaches_the_assignee_and_nobody_else(world):
    letter = await run(sent, world, subject="Rapat koordinasi anggaran")
    delivery = await run(delivery_to, letter, world, "bappeda")
    sockets = [
        await Socket.open(u) for u in (world.bappeda_staff, world.bappeda_head, world.drafter)
    ]
    for s in sockets:
        assert (await s.receive())["type"] == "hello"
    await run(
        svc.disposition_create,
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["tindak_lanjuti"],
        due_date=dt.date.today() + dt.timedelta(days=3),
    )
    assignee, head, drafter = sockets
    message = await assignee.receive()
    assert message["type"] == "notification"
    assert message["kind"] == "disposition.created"
    assert "Rapat koordinasi anggaran" in message["text"]
    assert message["unread"] >= 1
    assert await head.nothing() and await drafter.nothing()
    for s in sockets:
        await s.close()


@pytest.mark.parametrize("level", ["rahasia", "sangat_rahasia"])
@in_own_loop
async def test_a_confidential_subject_never_appears_in_any_payload(world, level):
    subject = "Penyelidikan dugaan korupsi pengadaan"
    people = (world.bappeda_head, world.bappeda_staff, world.head, world.drafter, world.reviewer)
    sockets = [await Socket.open(u) for u in people]
    letter = await run(
        sent, world, security=level, subject=subject, to_positions=["kaban_bappeda"], to=()
    )
    delivery = await run(delivery_to, letter, world, "bappeda")
    await sockets[0].send({"action": "watch", "object": "letter", "id": letter.pk})
    payloads = []
    while not payloads or payloads[-1]["type"] != "watching":
        payloads.append(await sockets[0].receive())
    await run(svc.letter_opened, letter=letter, by=world.bappeda_head)
    await run(
        svc.disposition_create,
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["tindak_lanjuti"],
    )
    payloads += [m for s in sockets for m in await s.drain()]
    kinds = {m.get("kind") for m in payloads}
    assert {"letter.signed", "delivery.received", "disposition.created"} <= kinds
    assert any(m["type"] == "changed" for m in payloads)
    assert all("korupsi" not in json.dumps(m) for m in payloads)
    for s in sockets:
        await s.close()


@in_own_loop
async def test_watching_a_letter_needs_access_and_pushes_its_changes(world):
    letter = await run(sent, world, subject="Laporan bulanan")
    sockets = [await Socket.open(u) for u in (world.bappeda_head, world.outsider, world.foreigner)]
    for s in sockets:
        await s.receive()  # hello
        await s.send({"action": "watch", "object": "letter", "id": letter.pk})
    viewer, outsider, foreigner = sockets
    assert await viewer.receive() == {"type": "watching", "object": "letter", "id": letter.pk}
    refused = {"type": "error", "code": "not_found", "object": "letter", "id": letter.pk}
    assert await outsider.receive() == refused
    assert await foreigner.receive() == refused
    await run(svc.comment_add, letter=letter, by=world.bappeda_head, text="Mohon dipercepat")
    assert await viewer.receive() == {
        "type": "changed",
        "object": "letter",
        "id": letter.pk,
        "action": "comment",
    }
    assert await outsider.nothing() and await foreigner.nothing()
    for s in sockets:
        await s.close()


@pytest.mark.parametrize(
    "message",
    [
        {"action": "watch", "object": "letter", "id": "1"},
        {"action": "watch", "object": "letter", "id": True},
        {"action": "watch", "object": 5, "id": 1},
        {"action": "shout"},
        ["watch"],
    ],
)
@in_own_loop
async def test_malformed_messages_get_an_error_and_keep_the_socket(world, message):
    socket = await Socket.open(world.head)
    await socket.receive()
    await socket.send(message)
    assert (await socket.receive())["type"] == "error"
    await socket.send({"action": "watch", "object": "unknown", "id": 1})
    assert (await socket.receive())["code"] == "not_found"
    await socket.close()


@in_own_loop
async def test_another_tenants_page_is_refused_as_origin(world):
    """Both hosts are served here, but a page of Tangerang may not open Medan's socket."""
    cookie = await run(_cookie_for, world.head)
    host = await run(host_of, world.head)
    other = await run(host_of, world.foreigner)
    comm = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"host", host.encode()),
            (b"origin", f"http://{other}".encode()),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        ],
    )
    connected, code = await comm.connect()
    assert (connected, code) == (False, 4403)
    # a page on another host of the same tenant is its own

    await run(TenantDomain.objects.create, tenant=world.tenant, host="sarana.localhost")

    await run(tenant_cache_clear)
    comm = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[
            (b"host", host.encode()),
            (b"origin", b"http://sarana.localhost"),
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
        ],
    )
    connected, _code = await comm.connect()
    assert connected
    await comm.disconnect()


class Shared:
    """Stands in for a layer several processes share (Redis) without needing one: an
    in-memory layer underneath, but not one by type."""

    def __init__(self, **config):
        self._layer = InMemoryChannelLayer(**config)

    def __getattr__(self, name):
        return getattr(self._layer, name)
