"""The local timestamp authority the signing tests use: the project's own
`scripts/pki_services.py` (certomancer's Animator), a real HTTP server on a free loopback port,
either as a process of its own (`tsa_start`, the bench) or on a thread of the test process
(`tsa_serve`, the tests): on a thread it lives on the test's clock, so a test that pins the
clock (time-machine, faketime) gets timestamps and CRLs of that moment, as a TSA in step with
the signer would give."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tsa_start(directory: Path) -> tuple[subprocess.Popen, str, Path]:
    """Start the TSA; returns the process, the TSA's URL and its root certificate file."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "pki_services.py"),
            "--port",
            str(port),
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/naskah-dev"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/crls/root/latest.crl", timeout=1).status_code == 200:
                return proc, f"{base}/tsa/tsa", directory / "tsa-root.pem"
        except requests.RequestException:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the local timestamp authority did not start")


def _script():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "pki_services", ROOT / "scripts" / "pki_services.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tsa_serve(directory: Path):
    """Serve the TSA on a thread; returns the server (call `shutdown()`), its URL and root."""
    import threading

    from werkzeug.serving import make_server

    script = _script()
    port = free_port()
    app, root_pem = script.app_for(script.prepare(directory, port=port))
    (directory / "tsa-root.pem").write_text(root_pem)
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="tsa").start()
    url = f"http://127.0.0.1:{port}/{script.ARCH}/tsa/tsa"
    return server, url, directory / "tsa-root.pem"


def real_time():
    """Back to the wall clock (the TSA's) inside a test that pinned the clock: a signature's
    revocation data and timestamp come from servers that live in real time."""
    import datetime as dt

    import time_machine

    now = dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), dt.UTC)
    return time_machine.travel(now, tick=True)
