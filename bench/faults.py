"""What the fault handling costs and saves: a web process's memory under a 200 MB body, and the
price of checking a pooled connection when it is taken.

    .venv/bin/python bench/faults.py [--database-url postgres://postgres@127.0.0.1:5432/postgres]

1. A 200 MB body (declared length, then chunked) is sent to a web process started as the
   project starts it (`python -m core.server`, daphne with the body limit) and to plain
   daphne, each on a fresh embedded (SQLite) database; the process's resident memory is
   sampled every 20 ms: its growth, the answer and the time are reported.
2. `getconn` + `putconn` of a psycopg pool, 2,000 times, with and without
   `ConnectionPool.check_connection` (NASKAH_DB_POOL_CHECK), against PostgreSQL.

Writes bench/results/faults.json.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import ROOT, free_port, percentile, server_start, wait_port, write_result

BODY_MB = 200
CHUNK = b"\0" * (1024 * 1024)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _send(port: int, *, chunked: bool, megabytes: int = BODY_MB) -> tuple[str, float]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    framing = (
        "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {megabytes << 20}\r\n"
    )
    head = (
        "POST /letters/new/ HTTP/1.1\r\nHost: samarinda.localhost\r\n"
        f"Content-Type: multipart/form-data; boundary=x\r\nConnection: close\r\n{framing}\r\n"
    )
    started = time.monotonic()
    answer = b""
    try:
        sock.sendall(head.encode())
        for _ in range(megabytes):
            sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while piece := sock.recv(65536):
            answer += piece
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "(connection reset)"
    return status, time.monotonic() - started


def _memory_run(module: str, env: dict[str, str]) -> dict:
    port = free_port()
    proc = server_start(port, env, module=module)
    try:
        wait_port(port)
        out = {}
        cases = [
            ("declared_length", False, BODY_MB),
            ("chunked", True, BODY_MB),
            ("accepted_40mb", False, 40),
        ]
        for label, chunked, megabytes in cases:
            base = peak = _rss_kb(proc.pid)
            done = threading.Event()

            def sample(pid=proc.pid, done=done):
                nonlocal peak
                while not done.wait(0.02):
                    peak = max(peak, _rss_kb(pid))

            sampler = threading.Thread(target=sample)
            sampler.start()
            status, seconds = _send(port, chunked=chunked, megabytes=megabytes)
            time.sleep(0.5)
            done.set()
            sampler.join()
            out[label] = {
                "answer": status,
                "seconds": round(seconds, 2),
                "rss_before_mb": round(base / 1024, 1),
                "growth_mb": round((peak - base) / 1024, 1),
            }
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _pool_run(url: str, n: int) -> dict:
    from psycopg_pool import ConnectionPool

    out = {}
    for name, check in (("without_check", None), ("with_check", ConnectionPool.check_connection)):
        pool = ConnectionPool(url, min_size=2, max_size=2, check=check, open=True)
        pool.wait()
        times = []
        for _ in range(n):
            started = time.perf_counter()
            conn = pool.getconn()
            pool.putconn(conn)
            times.append((time.perf_counter() - started) * 1e6)
        pool.close()
        out[name] = {
            "median_us": round(percentile(times, 50), 1),
            "p95_us": round(percentile(times, 95), 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--takes", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env |= {
            "NASKAH_VAR_DIR": var,
            "NASKAH_DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "naskah.settings",
        }
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [*manage, "load_tenant", "tenants/samarinda.toml"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        memory = {
            "core.server": _memory_run("core.server", env),
            "daphne": _memory_run("daphne", env),
        }
    result = {
        "body_mb": BODY_MB,
        "memory": memory,
        "pool": _pool_run(args.database_url, args.takes),
    }
    for server, runs in memory.items():
        for framing, run in runs.items():
            print(
                f"{server:14} {framing:16} {run['answer']:32} +{run['growth_mb']} MB "
                f"in {run['seconds']} s"
            )
    for name, run in result["pool"].items():
        print(f"pool {name:14} median {run['median_us']} µs, p95 {run['p95_us']} µs")
    print(write_result("faults", result))


if __name__ == "__main__":
    main()
