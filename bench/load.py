"""300 civil servants for 5 minutes against daphne + PostgreSQL + Redis on loopback (locust).

    .venv/bin/python bench/load.py [--database-url postgres://…/naskah_bench] [--users 300]
        [--minutes 5] [--webs 3]

Needs the data of `manage.py generate_load_data` and `pip install -e ".[bench]"` (see
`make bench`). Picks personas from the generated tenants (heads of signing units, their
registry clerks and staff), signs each in (a session made directly, verified with a second
factor where the role needs one: the PBKDF2 logins of 300 people are not what is measured),
starts `--webs` daphne processes and one background worker on the production settings, runs
bench/locustfile.py headless and reports throughput, p95 per request type and errors.
Writes bench/results/load.json. Target: zero errors, p95 under 500 ms.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from _setup import (
    BENCH_DB,
    BENCH_ENV,
    ROOT,
    django_setup,
    server_start,
    verified_client,
    write_result,
)

DEMO_PASSWORD = "Naskah-Demo-2026"
REDIS = "redis://127.0.0.1:6379/3"


def personas(n: int) -> list[dict]:
    """A third heads (who disposition and sign), the rest clerks and staff."""
    from django.contrib.auth.hashers import (
        check_password,
        get_hasher,
        identify_hasher,
        make_password,
    )

    from bench.generators.letters import BENCH_PASSWORD
    from correspondence.models import DispositionInstruction
    from organizations.choices import RoleKind
    from organizations.models import Assignment, Position, Unit, UnitRole, User

    rng = random.Random(7)
    heads = list(
        Assignment.objects.filter(
            end_date__isnull=True, position__is_head=True, position__can_sign=True
        )
        .select_related("user__tenant", "position__unit")
        .order_by("pk")
    )
    clerks = list(
        UnitRole.objects.filter(kind=RoleKind.REGISTRY_CLERK)
        .select_related("user__tenant", "unit")
        .order_by("pk")
    )
    staff = list(
        Assignment.objects.filter(end_date__isnull=True, position__code__startswith="PELAKSANA")
        .select_related("user__tenant", "position__unit")
        .order_by("pk")
    )
    signing_units: dict[int, list[int]] = {}
    for p in Position.objects.filter(is_head=True, can_sign=True).values("unit_id", "tenant_id"):
        signing_units.setdefault(p["tenant_id"], []).append(p["unit_id"])
    instruction = {i.tenant_id: i.code for i in DispositionInstruction.objects.order_by("-pk")}
    units = {u.pk: u for u in Unit.objects.all()}
    head_of = {p.unit_id: p.pk for p in Position.objects.filter(is_head=True)}
    signer_of = {p.unit_id: p.pk for p in Position.objects.filter(is_head=True, can_sign=True)}

    def children(unit) -> list[int]:
        return [
            head_of[u.pk]
            for u in units.values()
            if u.path.startswith(unit.path) and u.depth == unit.depth + 1 and u.pk in head_of
        ]

    def signer_above(unit) -> int | None:
        while unit is not None:
            if unit.pk in signer_of:
                return signer_of[unit.pk]
            parent = unit.path[: -Unit.steplen]
            unit = next((u for u in units.values() if parent and u.path == parent), None)
        return None

    picked = []
    rng.shuffle(staff)
    n_heads = n // 3
    for a in heads[:n_heads]:
        picked.append(("head", a.user, a.position.unit, a.position.pk))
    for r in clerks[: (n - len(picked)) // 2]:
        picked.append(("clerk", r.user, r.unit, None))
    for a in staff[: n - len(picked)]:
        picked.append(("staff", a.user, a.position.unit, a.position.pk))
    known: dict[str, str] = {}  # the generator gives its users one hash: check each hash once
    rehashed: dict[str, str] = {}

    def password_of(user) -> str:
        if user.password not in known:
            bench = check_password(BENCH_PASSWORD, user.password)
            known[user.password] = BENCH_PASSWORD if bench else DEMO_PASSWORD
            preferred = get_hasher()
            outdated = identify_hasher(user.password).algorithm != preferred.algorithm
            if outdated or preferred.must_update(user.password):
                # Made before a change of hasher or of its cost: re-made as the generator
                # makes it now, or signatures would measure the old cost.
                rehashed[user.password] = make_password(known[user.password])
        return known[user.password]

    passwords = {user.pk: password_of(user) for _kind, user, _unit, _position in picked}
    for old, new in rehashed.items():  # before any session: a session is bound to its hash
        User.objects.filter(password=old).update(password=new)
        for _kind, user, _unit, _position in picked:
            if user.password == old:
                user.password = new
    out = []
    for kind, user, unit, position in picked:
        client = verified_client(user)
        pool = [u for u in signing_units[user.tenant_id] if u != unit.pk]
        out.append(
            {
                "username": user.username,
                "kind": kind,
                "host": client.defaults["HTTP_HOST"],
                "session": client.cookies["sessionid"].value,
                "password": passwords[user.pk],
                "unit": unit.pk if kind in ("head", "clerk") else None,
                "position": position,
                "below": children(unit) if kind == "head" else [],
                "signer": signer_above(unit),
                "instruction": instruction[user.tenant_id],
                "recipients": rng.sample(pool, min(3, len(pool))),
            }
        )
    return [p for p in out if p["signer"] or p["kind"] == "head"]


def wait_http(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"daphne on {port} exited: see var/bench/daphne-{port}.log")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"daphne on {port} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=BENCH_DB)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--spawn-rate", type=float, default=10)
    # Three on two cores: each daphne process runs its sync views one at a time, and while one
    # waits on PostgreSQL another computes (p95 540 ms with two, 360 ms with three).
    parser.add_argument("--webs", type=int, default=3)
    parser.add_argument("--think", default="5,15", help="seconds between actions: min,max")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    django_setup(args.database_url, REDIS)
    from django.core.management import call_command

    call_command("init_signing_ca", verbosity=0)
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    people = personas(args.users)
    (work / "personas.json").write_text(json.dumps(people))
    env = {
        **os.environ,
        **BENCH_ENV,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": REDIS,
        "NASKAH_DEBUG": "false",
        "NASKAH_API_RATE_USER": "6000/min",
        "NASKAH_PERSONAS": str(work / "personas.json"),
        "NASKAH_THINK": args.think,
    }
    procs = []
    ports = [8801 + i for i in range(args.webs)]
    try:
        for port in ports:
            log = (work / f"daphne-{port}.log").open("wb")  # errors land here, never block
            procs.append(server_start(port, env, stderr=log))
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "worker",
                    "--queue-name",
                    "default,ocr",
                    "--interval",
                    "0.5",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for port, proc in zip(ports, procs, strict=False):
            wait_http(port, proc)
        env["NASKAH_SERVERS"] = ",".join(f"http://127.0.0.1:{p}" for p in ports)
        prefix = work / "locust"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                f"{int(args.minutes * 60)}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "30",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    report(prefix, args, len(people))


def report(prefix: Path, args, personas_n: int) -> None:
    rows = list(csv.DictReader(Path(f"{prefix}_stats.csv").read_text("utf-8").splitlines()))
    failures = list(csv.DictReader(Path(f"{prefix}_failures.csv").read_text("utf-8").splitlines()))
    by_name = {}
    for r in rows:
        by_name[r["Name"]] = {
            "requests": int(r["Request Count"]),
            "failures": int(r["Failure Count"]),
            "median_ms": float(r["Median Response Time"]),
            "p95_ms": float(r["95%"]),
            "p99_ms": float(r["99%"]),
            "rps": round(float(r["Requests/s"]), 2),
        }
    total = by_name.pop("Aggregated")
    print(f"{personas_n} users, {args.minutes} min, {args.webs} daphne processes")
    print(f"{'request':<30}{'count':>8}{'fail':>6}{'median':>9}{'p95':>9}")
    for name, r in sorted(by_name.items()):
        print(
            f"{name:<30}{r['requests']:>8}{r['failures']:>6}{r['median_ms']:>7.0f}ms"
            f"{r['p95_ms']:>7.0f}ms"
        )
    print(
        f"{'all':<30}{total['requests']:>8}{total['failures']:>6}{total['median_ms']:>7.0f}ms"
        f"{total['p95_ms']:>7.0f}ms  {total['rps']} req/s"
    )
    for f in failures:
        print(f"FAIL {f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}")
    path = write_result(
        "load" + (f"-{args.label}" if args.label else ""),
        {
            "users": personas_n,
            "minutes": args.minutes,
            "webs": args.webs,
            "think_time_s": [float(x) for x in args.think.split(",")],
            "total": total,
            "requests": by_name,
            "failures": [
                {k: f[k] for k in ("Method", "Name", "Error", "Occurrences")} for f in failures
            ],
            "target": "300 users: zero errors and p95 under 500 ms",
            "met": total["failures"] == 0 and total["p95_ms"] < 500,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
