"""A 200 MB body sent to a web process, with a declared length and chunked: refused with 413
before it is stored, while the process's memory stays within 100 MB of where it was."""

import signal
import socket
import threading
import time

import pytest

from accounts.services import api_token_create
from core.bodylimit import BodyLimitMiddleware, body_limit
from tests.asyncio_thread import in_own_loop
from tests.conftest import host_of

from .helpers import env, request, rss_kb, session_cookie, web

pytestmark = [
    pytest.mark.faults,
    pytest.mark.clock_free,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

BODY_MB = 200
GROWTH_KB = 100 * 1024  # what a web process may grow by while such a body is sent
CHUNK = b"\0" * (1024 * 1024)


class Peak:
    """Samples a process's resident memory every 20 ms while the body is sent."""

    def __init__(self, pid: int):
        self.pid, self._stop = pid, threading.Event()
        self.base = self.peak = rss_kb(pid)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_kb(self.pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)  # what the process does right after the body ended counts too
        self._stop.set()
        self._thread.join()


def _send(
    port: int, host: str, cookie: str, path: str, *, chunked: bool, megabytes: int = BODY_MB
) -> bytes:
    """Send a 200 MB body as fast as the server takes it; returns what the server answered."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    framing = (
        "Transfer-Encoding: chunked\r\n"
        if chunked
        else f"Content-Length: {megabytes * len(CHUNK)}\r\n"
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nConnection: close\r\n{framing}\r\n"
    )
    answer = b""
    try:
        sock.sendall(head.encode())
        for _ in range(megabytes):
            piece = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK
            sock.sendall(piece)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server stopped reading: what it answered is in the socket
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    return answer


def _page(port, host, cookie):
    status, _body, _s = request(port, host, "GET", "/letters/new/", headers={"Cookie": cookie})
    assert status == 200


@pytest.mark.parametrize("chunked", [False, True], ids=["declared-length", "chunked"])
def test_an_oversized_body_is_refused_without_filling_memory(world, chunked, media):
    cookie = session_cookie(world.drafter)
    host = host_of(world.drafter)
    port, server = web(env(NASKAH_MEDIA_ROOT=str(media)))
    with server as proc:
        _page(port, host, cookie)  # a warm process
        with Peak(proc.pid) as memory:
            started = time.monotonic()
            answer = _send(port, host, cookie, "/letters/new/", chunked=chunked)
            seconds = time.monotonic() - started
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"Unggahan terlalu besar" in answer  # the page is in Indonesian
        assert memory.peak - memory.base < GROWTH_KB, (memory.base, memory.peak)
        assert seconds < 20
        assert not any(media.rglob("*"))  # nothing of the body was stored
        _page(port, host, cookie)  # the process still serves


def test_a_body_within_the_limit_is_read_without_filling_memory(world, media):
    """40 MB (under the 45 MB limit) of a malformed multipart body: read to the end, spooled,
    refused by Django's parser; the process stays within the same bound."""
    cookie = session_cookie(world.drafter)
    host = host_of(world.drafter)
    port, server = web(env(NASKAH_MEDIA_ROOT=str(media)))
    with server as proc:
        _page(port, host, cookie)
        with Peak(proc.pid) as memory:
            answer = _send(port, host, cookie, "/letters/new/", chunked=False, megabytes=40)
        assert answer.startswith(b"HTTP/1.1 4") and not answer.startswith(b"HTTP/1.1 413")
        assert memory.peak - memory.base < GROWTH_KB, (memory.base, memory.peak)
        _page(port, host, cookie)


@in_own_loop
async def _run_asgi(app, scope, bodies):
    sent, queue = [], list(bodies)

    async def receive():
        if queue:
            body = queue.pop(0)
            return {"type": "http.request", "body": body, "more_body": bool(queue)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def test_the_asgi_layer_refuses_by_declared_length_without_reading(settings):
    settings.NASKAH_REQUEST_MAX_MB = 1
    called = []

    async def app(scope, receive, send):
        called.append(scope)

    scope = {"type": "http", "headers": [(b"content-length", str(2 * body_limit()).encode())]}
    sent = _run_asgi(BodyLimitMiddleware(app), scope, [b"x"])
    assert called == [] and sent[0]["status"] == 413


def test_the_asgi_layer_stops_a_body_without_a_length_at_the_limit(settings):
    settings.NASKAH_REQUEST_MAX_MB = 1
    seen = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append(message["type"])
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    chunks = [b"\0" * (256 * 1024)] * 8  # 2 MB, no declared length
    sent = _run_asgi(BodyLimitMiddleware(app), {"type": "http", "headers": []}, chunks)
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]
    assert seen[-1] == "http.disconnect" and seen.count("http.request") == 4
    small = _run_asgi(BodyLimitMiddleware(app), {"type": "http", "headers": []}, [b"x"])
    assert small[0]["status"] == 200


def test_a_web_process_killed_during_an_upload_saves_nothing_and_the_retry_works(world, media):
    from correspondence.models import Attachment
    from tests.correspondence.helpers import PDF, draft

    from .helpers import stop
    from .test_disk_full import _multipart

    letter = draft(world)
    token = api_token_create(user=world.drafter, name="kill", scope="write")
    host = host_of(world.drafter)
    body, content_type = _multipart(PDF + b"\n%" + b"0" * (8 * 1024 * 1024) + b"\n")
    path = f"/api/v1/letters/{letter.pk}/attachments/"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    environment = env(NASKAH_MEDIA_ROOT=str(media))
    port, server = web(environment)
    with server as proc:
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(head + body[: len(body) // 2])  # half the upload is on its way
        time.sleep(0.5)
        stop(proc, signal.SIGKILL)
        sock.close()
    assert not Attachment.objects.filter(letter=letter).exists()
    assert [p for p in media.rglob("*") if p.is_file()] == []
    port, server = web(environment)
    with server:
        status, answer, _s = request(
            port,
            host,
            "POST",
            path,
            headers={"Authorization": f"Token {token}", "Content-Type": content_type},
            body=body,
        )
    assert status == 201, answer[:300]
    assert Attachment.objects.filter(letter=letter).count() == 1
