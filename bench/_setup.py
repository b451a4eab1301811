"""Shared set-up for benchmark scripts: a fresh PostgreSQL database and Django configured."""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

BENCH_ENV = {
    "NASKAH_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "NASKAH_ALLOWED_HOSTS": ".localhost,localhost,127.0.0.1",
    "NASKAH_SSL_REDIRECT": "false",
    "NASKAH_LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "naskah.settings",
}


def database_fresh(url: str) -> None:
    """Drop and create the database named in a postgres:// URL."""
    base, name = url.rsplit("/", 1)
    server = base.split("://", 1)[1]
    user_host = server.split("@")
    user = user_host[0] if len(user_host) == 2 else "postgres"
    host_port = user_host[-1]
    host, _, port = host_port.partition(":")
    args = ["-h", host, "-p", port or "5432", "-U", user]
    subprocess.run(["dropdb", "--if-exists", *args, name], check=True)
    subprocess.run(["createdb", *args, name], check=True)


def django_setup(database_url: str, redis_url: str = "") -> None:
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()
    # Production settings serve hashed static files: collect them once.
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
    from core.runtime import settle

    settle()  # as naskah/asgi.py does in the servers
    vacuum_if_no_autovacuum()


def vacuum_if_no_autovacuum() -> None:
    """VACUUM (ANALYZE) first when the server runs without autovacuum (this machine's does):
    each run leaves dead rows behind (sessions, counters, inbox versions), and without the
    cleaning a live server does, every later run is measured on a dirtier database (the
    lifecycle's p95 went from 372 ms to 513 ms after four load runs; VACUUM took 4 s)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "off":
            cursor.execute("VACUUM (ANALYZE)")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(values: list[float]) -> dict:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 1) if values else None,
        "p95_ms": round(percentile(values, 95) * 1000, 1) if values else None,
        "p99_ms": round(percentile(values, 99) * 1000, 1) if values else None,
        "max_ms": round(max(values) * 1000, 1) if values else None,
    }


def _cpu_times() -> list[int] | None:
    """The machine's CPU time counters (Linux /proc/stat: user … steal), or None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            return [int(x) for x in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None


_START = _cpu_times()


def cpu_share_stolen() -> float | None:
    """Percent of CPU time since this script started that the hypervisor gave to other
    guests ("steal"): a virtual machine on a busy host runs everything slower, so figures
    taken at a high steal are not comparable with those taken at a low one."""
    now = _cpu_times()
    if _START is None or now is None:
        return None
    delta = [b - a for a, b in zip(_START, now, strict=True)]
    return round(100 * delta[7] / sum(delta), 1) if sum(delta) else None


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stolen = cpu_share_stolen()
    data = {
        "benchmark": name,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "cpu_steal_pct": stolen,
        },
        **data,
    }
    if stolen is not None:
        print(f"CPU time stolen by the host during the run: {stolen} %")
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def verified_client(user):
    """A test client logged in as `user` on their tenant's host, past the second factor when
    the user needs one (a confirmed TOTP device in the session, as after a real login)."""
    # Imported here: this module is imported before django.setup() runs.
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.permissions import needs_second_factor

    client = Client(HTTP_HOST=user.tenant.domains.order_by("-is_primary").first().host)
    client.force_login(user)
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_start(port: int, env: dict, *, module: str = "core.server", stderr=None):
    """The ASGI server (`python -m <module>`) on 127.0.0.1:`port`, serving the project."""
    command = [sys.executable, "-m", module, "-b", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen(
        [*command, "naskah.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr if stderr is not None else subprocess.DEVNULL,
    )


def wait_port(port: int, timeout: float = 30) -> None:
    """Until something accepts connections on 127.0.0.1:`port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answers on port {port}")


BENCH_DB = "postgres://postgres@127.0.0.1:5432/naskah_bench"
BENCH_REDIS = "redis://127.0.0.1:6379/4"


def arguments(*, n: int, redis: bool = True) -> argparse.ArgumentParser:
    """The options every request benchmark takes: the database (and Redis, as deployed), how
    many requests to time, and a label for the run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=BENCH_DB)
    if redis:
        parser.add_argument(
            "--redis-url", default=BENCH_REDIS, help="cache and channel layer, as deployed"
        )
    parser.add_argument("--n", type=int, default=n)
    parser.add_argument("--label", default="", help="a name for this run (e.g. before/after)")
    return parser
