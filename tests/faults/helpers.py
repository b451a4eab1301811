"""Processes the fault tests start, stop and kill: Naskah's own (scripts/serve.sh) and a Redis
of the test's own on a free port."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.notifications.daphne import free_port

ROOT = Path(settings.BASE_DIR)


def session_cookie(user) -> str:
    """A `Cookie` header value for a session of `user` (stored in the test database, which
    the processes of these tests share)."""
    from django.test import Client

    from tests.conftest import host_of

    client = Client(HTTP_HOST=host_of(user))
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def env(**extra: str) -> dict[str, str]:
    """The environment of a Naskah process of these tests: the test database, database tasks,
    no Redis unless given, the test worker's timestamp authority."""
    from django.conf import settings

    base = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "naskah.settings_test",
        "DATABASE_URL": database_url(),
        "NASKAH_TEST_TASKS": "db",
        "NASKAH_BIND": "127.0.0.1",
        "NASKAH_TEST_PRODUCTION_PARTS": "1",
        "NASKAH_DB_POOL_MAX": "6",  # several of these run beside the test processes' pools
        # the test worker's timestamp authority, which its processes sign with too
        "NASKAH_TSA_URL": settings.NASKAH_TSA_URL,
        "NASKAH_TRUST_ROOTS": ",".join(settings.NASKAH_TRUST_ROOTS),
        **extra,
    }


@contextmanager
def process(args: list[str], environment: dict[str, str], *, port: int | None = None):
    """A child process in its own process group; stopped (group and all) on the way out. Its
    output goes to a temporary file (a pipe nobody reads would block it once full), shown
    when it fails to start."""
    with tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            if port is not None:
                wait_listening(port, proc, output)
            yield proc
        finally:
            stop(proc)


def wait_listening(port: int, proc: subprocess.Popen, output, *, timeout: float = 60) -> None:
    """Wait until `proc` listens on `port`; if it dies or times out, fail with its output."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            output.seek(0)
            raise RuntimeError(f"nothing listens on {port}: {output.read()[-3000:].decode()}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def web(environment: dict[str, str], port: int | None = None):
    port = port or free_port()
    return port, process(["scripts/serve.sh", "web", str(port)], environment, port=port)


def worker_args() -> list[str]:
    return ["scripts/serve.sh", "worker"]


def python_args(*args: str) -> list[str]:
    return [sys.executable, *args]


@contextmanager
def redis_server(port: int | None = None):
    """A Redis of the test's own (nothing on disk); yields (port, its process)."""
    port = port or free_port()
    args = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    with process(args, dict(os.environ), port=port) as proc:
        yield port, proc


def request(port: int, host: str, method: str, path: str, *, headers=None, body=None):
    """One HTTP request to a local server; returns (status, body bytes, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = json.dumps(body) if isinstance(body, dict | list) else body
    hdrs = {"Host": host, **(headers or {})}
    if isinstance(body, dict | list):
        hdrs["Content-Type"] = "application/json"
    started = time.monotonic()
    conn.request(method, path, data, hdrs)
    response = conn.getresponse()
    content = response.read()
    conn.close()
    return response.status, content, time.monotonic() - started


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (daphne runs as one process)."""
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total


def wait_for(predicate, *, timeout: float, every: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not met within {timeout} s")
        time.sleep(every)
