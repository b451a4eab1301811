"""`make run` (scripts/run-dev.sh) stopped with one signal leaves no process behind: not the
worker, not the scheduler, not daphne, nor a child any of them started."""

import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.notifications.daphne import free_port

from .helpers import ROOT, wait_for, wait_listening

pytestmark = [pytest.mark.faults, pytest.mark.clock_free]


def _marked(mark: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment carries `mark`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if f"NASKAH_TEST_RUN_MARK={mark}".encode() in environ.split(b"\0") and state != "Z":
            found.append((int(entry.name), cmdline))
    return found


@pytest.mark.slow
def test_stopping_make_run_stops_every_process_it_started(tmp_path):
    mark = uuid.uuid4().hex
    port = free_port()
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}
    } | {
        "NASKAH_TEST_RUN_MARK": mark,
        "NASKAH_VAR_DIR": str(tmp_path),
        "NASKAH_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "naskah.settings",
    }
    log = (tmp_path / "run.log").open("w+b")
    script = subprocess.Popen(
        ["scripts/run-dev.sh", "127.0.0.1", str(port), "tenants/samarinda.toml"],
        cwd=ROOT,
        env=environment,
        stderr=subprocess.STDOUT,
        stdout=log,
    )
    try:
        wait_listening(port, script, log, timeout=180)
        # daphne listens while the database is still being prepared; the workers follow.
        running = wait_for(
            lambda: [c for _p, c in _marked(mark) if "manage.py worker" in c],
            timeout=180,
            what="the task worker started",
        )
        assert running
        assert any("run_periodic" in c for _p, c in _marked(mark))
        script.send_signal(signal.SIGTERM)  # as `kill <pid>` of the script would
        script.wait(timeout=30)
        wait_for(lambda: not _marked(mark), timeout=20, what="every process stopped")
    finally:
        for pid, _cmd in _marked(mark):
            os.kill(pid, signal.SIGKILL)
        log.close()
