"""The processes of a Naskah instance (scripts/instance.py): each started in a process group
(and session) of its own, found again through /proc after the command that started it has
exited, and stopped group by group."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, start time in ticks) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[19])


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = proc_stat(int(entry.name))
        if stat and stat[1] == pgid and stat[0] != "Z":
            members.append(int(entry.name))
    return members


def group_ours(record: dict) -> bool:
    """Whether the group a record names still has processes, and is still ours: a leader
    with another start time is a new process that reused the id."""
    pid = record["pid"]
    stat = proc_stat(pid)
    if stat is not None and stat[2] != record["start"]:
        return False
    return bool(group_members(pid))


def spawn(argv: list[str], *, env: dict[str, str], cwd: Path, log_path: Path) -> dict:
    """Start a process in a process group (and session) of its own, its output appended to
    `log_path`; the record that finds it again (pid, start time, argv)."""
    log = log_path.open("ab")
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    stat = proc_stat(proc.pid)
    return {"pid": proc.pid, "start": stat[2] if stat else 0, "argv": argv}


def stop_groups(records: dict[str, dict], *, grace: float, order: tuple[str, ...]) -> list[str]:
    """SIGTERM to every group still ours, SIGKILL to those left after `grace` seconds;
    returns the names that had to be killed."""
    live = {name: r["pid"] for name, r in records.items() if group_ours(r)}
    for name in order:
        if name in live:
            signal_group(live[name], signal.SIGTERM)
    deadline = time.monotonic() + grace
    while live and time.monotonic() < deadline:
        live = {name: pid for name, pid in live.items() if group_members(pid)}
        time.sleep(0.1)
    for pid in live.values():
        signal_group(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while any(group_members(pid) for pid in live.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return sorted(live)


def signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
