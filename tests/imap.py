"""A real IMAP server for the tests: Debian's dovecot, started as a child process with its own
configuration in a temporary directory (base_dir, state, log and maildirs all there; nothing
under /var/run/dovecot is touched). It listens on 127.0.0.1 on a free port, without TLS,
with plaintext login for one user from a passwd file.

As root (the test containers), dovecot drops to its own users for login and internal
processes and to `nobody` for the mail processes (dovecot refuses uid 0 for mail); as any
other user it runs unprivileged as that user.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "naskah"
PASSWORD = "imap-test-password"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users() -> dict[str, str | int]:
    """Who dovecot's processes run as (see the module's docstring)."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(os.getegid()).gr_name
        return {
            "internal": me.pw_name,
            "internal_group": group,
            "login": me.pw_name,
            "mail_uid": me.pw_uid,
            "mail_gid": os.getegid(),
        }
    internal = "dovecot" if _exists("dovecot") else "nobody"
    login = "dovenull" if _exists("dovenull") else "nobody"
    nobody = pwd.getpwnam("nobody")
    return {
        "internal": internal,
        "internal_group": grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name,
        "login": login,
        "mail_uid": nobody.pw_uid,
        "mail_gid": nobody.pw_gid,
    }


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen
    user: str = USER
    password: str = PASSWORD
    host: str = "127.0.0.1"

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)


def real_clock_env() -> dict[str, str]:
    """This process's environment without libfaketime: under `make test-future` a server keeps
    the real clock, as PostgreSQL does (dovecot's login processes stall on a faked clock)."""
    env = dict(os.environ)
    for name in ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE", "DONT_FAKE_MONOTONIC"):
        env.pop(name, None)
    return env


def _wait_listening(port: int, process: subprocess.Popen, root: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = "".join(
                p.read_text(errors="replace")
                for p in (root / "console.log", root / "dovecot.log")
                if p.exists()
            )
            raise RuntimeError(f"dovecot exited with {process.returncode}:\n{log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"dovecot did not listen on port {port} within {timeout} s")


def dovecot_start(*, timeout: float = 15) -> Dovecot:
    """Start a private dovecot and wait until it accepts connections. Raises RuntimeError
    (with dovecot's log) when it cannot start."""
    if not os.access(DOVECOT, os.X_OK):
        raise RuntimeError(f"{DOVECOT} is missing: run scripts/ensure-system-deps.sh")
    root = Path(tempfile.mkdtemp(prefix="naskah-dovecot-"))
    users = _users()
    # The mail processes (nobody, as root) must reach their maildirs.
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", int(users["mail_uid"]), int(users["mail_gid"]))
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    for attempt in range(3):  # another process may take the free port before dovecot does
        port = free_port()
        config = root / "dovecot.conf"
        config.write_text(CONFIG.format(root=root, port=port, **users))
        with (root / "console.log").open("ab") as console:
            process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(config)],
                stdout=console,
                stderr=subprocess.STDOUT,
                env=real_clock_env(),
            )
        try:
            _wait_listening(port, process, root, timeout)
        except RuntimeError:
            process.wait(5)
            if attempt == 2:
                shutil.rmtree(root, ignore_errors=True)
                raise
            continue
        return Dovecot(root=root, port=port, process=process)
    raise AssertionError("unreachable")
