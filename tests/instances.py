"""Whole Naskah instances for tests, demos and benchmarks: each a deployment of its own (its
database, files, secret key, daphne, task worker, scheduler and timestamp authority), started
and stopped with scripts/instance.py.

    with running_instance("medan", tenant_files=[MEDAN_MINI]) as medan:
        status, body = medan.get("/accounts/login/", tenant="medan")
        medan.manage("shell", "-c", "...")

Names, databases and Redis prefixes are per pytest-xdist worker, so parallel workers never
share an instance: instance `medan-gw1`, database `naskah_inst_medan_gw1` on the server of
DATABASE_URL (PostgreSQL), or a SQLite file of the instance's own otherwise.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "instance.py"
TENANTS = ROOT / "tenants"
MEDAN = TENANTS / "medan.yaml"
MEDAN_MINI = TENANTS / "medan-mini.yaml"
BINJAI = TENANTS / "partner-binjai.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def database_url_for(name: str) -> str:
    """`naskah_inst_<name>_<worker>` on the PostgreSQL server of DATABASE_URL, or "" (the
    instance then keeps a SQLite file of its own)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        return ""
    db = re.sub(r"\W", "_", f"naskah_inst_{name}_{worker_id()}").lower()
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{db}"))


def _script(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Instance:
    """A started instance: its port, its tenants' URLs, manage.py and logs."""

    name: str
    port: int
    tenant_files: Sequence[Path] = ()
    env: dict[str, str] = field(default_factory=dict)
    database_url: str = ""
    redis_url: str = ""
    timeout: float = 240
    startup: str = ""

    @property
    def dir(self) -> Path:
        return ROOT / "var" / "instances" / self.name

    def state(self) -> dict:
        return json.loads((self.dir / "instance.json").read_text())

    def start(self, *, fresh: bool = True) -> Instance:
        """Start, from scratch (database and files dropped) unless `fresh` is off; raises
        with the log tails."""
        _script("stop", self.name, timeout=60)  # one a crashed run left behind
        args = ["start", self.name, "--port", str(self.port), "--timeout", str(self.timeout)]
        args += ["--fresh"] if fresh else []
        for path in self.tenant_files:
            args += ["--tenant-file", str(path)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        if self.redis_url:
            args += ["--redis-url", self.redis_url]
        for key, value in self.env.items():
            args += ["--env", f"{key}={value}"]
        done = _script(*args, timeout=self.timeout + 60)
        if done.returncode:
            raise RuntimeError(f"instance {self.name} did not start:\n{done.stderr[-6000:]}")
        self.startup = done.stdout.strip()
        return self

    def stop(self, *, drop: bool = True) -> None:
        """Stop every process; with `drop`, drop the database and files too (logs stay)."""
        done = _script("stop", self.name, *(["--drop"] if drop else []), timeout=90)
        if done.returncode:
            raise RuntimeError(f"instance {self.name} did not stop:\n{done.stderr}")

    def restart(self) -> Instance:
        """Stop every process and start again on the same database and files (a deployment
        that went down and came back)."""
        self.stop(drop=False)
        return self.start(fresh=False)

    def pids(self) -> list[int]:
        """Every process of the instance's process groups (children included)."""
        groups = {r["pid"] for r in self.state()["processes"].values()}
        return [pid for pid, pgid in live_processes() if pgid in groups]

    def host(self, tenant_slug: str) -> str:
        for tenant in self.state()["tenants"]:
            if tenant["slug"] == tenant_slug:
                return tenant["domains"][0]
        raise KeyError(f"no tenant {tenant_slug!r} on instance {self.name}")

    def url(self, tenant_slug: str, path: str = "/") -> str:
        return f"http://{self.host(tenant_slug)}:{self.port}{path}"

    def get(self, path: str, *, tenant: str | None = None, **options) -> tuple[int, str]:
        return self.request("GET", path, tenant=tenant, **options)

    def request(
        self,
        method: str,
        path: str,
        *,
        tenant: str | None = None,
        token: str | None = None,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """An HTTP request over loopback with the tenant's host name (*.localhost need not
        resolve), a JSON body and an API token when given; (status, body text)."""
        sent = {"Host": f"{self.host(tenant)}:{self.port}" if tenant else f"127.0.0.1:{self.port}"}
        if token:
            sent["Authorization"] = f"Token {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers={**sent, **(headers or {})})
            answer = conn.getresponse()
            return answer.status, answer.read().decode(errors="replace")
        finally:
            conn.close()

    def shell(self, code: str) -> str:
        """Python run by `manage.py shell` on the instance; what it prints."""
        return self.manage("shell", "--no-imports", "-c", code)

    def token(self, username: str, *, scope: str = "write") -> str:
        """A new API token of a user of the instance (`Authorization: Token ...`)."""
        out = self.shell(
            "from accounts.services import api_token_create\n"
            "from organizations.models import User\n"
            f"user = User.objects.get(username={username!r})\n"
            f"print('token:', api_token_create(user=user, name='tests', scope={scope!r}))"
        )
        return out.rsplit("token:", 1)[1].strip()

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run manage.py against the instance's database and settings; its stdout."""
        done = _script("manage", self.name, *args, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        return done.stdout

    def log(self, process: str = "web") -> str:
        """A process's log (web, worker, scheduler, tsa, or setup for the preparation)."""
        path = self.dir / "logs" / f"{process}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def live_processes() -> Iterator[tuple[int, int]]:
    """(pid, process group) of every live process, zombies left out."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        if fields[0] != "Z":
            yield int(entry.name), int(fields[2])


def instance(
    name: str,
    port: int | None = None,
    tenant_files: Sequence[Path | str] = (),
    *,
    env: dict[str, str] | None = None,
    redis_url: str | None = None,
    timeout: float = 240,
) -> Instance:
    """An instance not yet started, named and given a database for this xdist worker."""
    redis = os.environ.get("REDIS_URL", "") if redis_url is None else redis_url
    return Instance(
        name=f"{name}-{worker_id()}",
        port=port or free_port(),
        tenant_files=[Path(p).resolve() for p in tenant_files],
        env=dict(env or {}),
        database_url=database_url_for(name),
        redis_url=redis,
        timeout=timeout,
    )


@contextmanager
def running_instance(
    name: str,
    port: int | None = None,
    tenant_files: Sequence[Path | str] = (),
    **options,
) -> Iterator[Instance]:
    """Start an instance on enter, stop it on exit (also when the test fails)."""
    with running_instances(instance(name, port, tenant_files, **options)) as (started,):
        yield started


@contextmanager
def running_instances(*instances: Instance) -> Iterator[tuple[Instance, ...]]:
    """Start several instances at once (each in a thread); stop them all on exit, including
    those that did start when another did not."""
    with ExitStack() as stack:
        for inst in instances:
            stack.callback(inst.stop)
        with ThreadPoolExecutor(max_workers=len(instances) or 1) as pool:
            futures = [pool.submit(inst.start) for inst in instances]
            errors = [f.exception() for f in futures]
        failed = [e for e in errors if e is not None]
        if failed:
            raise failed[0]
        yield instances
