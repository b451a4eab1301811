"""WebSocket delivery at scale: N concurrent clients on one daphne process over loopback.

Letters are sent through the services (each notifies the recipient units' heads) while extra
notifications go to random connected users; each client records when its pushes arrive. The
delay is measured from the moment the sending transaction committed to receipt.

    .venv/bin/python bench/ws.py --clients 1000 --seconds 30

Needs PostgreSQL and Redis (BENCH_DATABASE_URL, REDIS_URL); the database is recreated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time

from _setup import (
    BENCH_ENV,
    RESULTS,
    ROOT,
    database_fresh,
    django_setup,
    free_port,
    server_start,
    summary_ms,
    wait_port,
    write_result,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--letters-per-second", type=float, default=2)
    parser.add_argument("--connect-rate", type=int, default=25, help="new connections per second")
    parser.add_argument("--notices-per-second", type=float, default=50)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/naskah_bench_ws"
        ),
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()

    database_fresh(args.database)
    django_setup(args.database, args.redis)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    users, world, cookies = _people(args.clients)
    port = free_port()
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": args.database, "REDIS_URL": args.redis}
    log = (RESULTS / "ws-daphne.log").open("w")
    daphne = server_start(port, env, stderr=log)
    try:
        wait_port(port)
        result = _run(args, port, users, world, cookies)
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)
        log.close()
    lat = result.pop("latencies")
    result["delay"] = summary_ms(lat)
    result["target"] = "p99 under 200 ms"
    path = write_result("ws", result)
    print(
        f"{'clients':>10} {'connected':>10} {'pushes':>8} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}"
    )
    d = result["delay"]
    print(
        f"{args.clients:>10} {result['connected']:>10} {d['n']:>8} {d['median_ms']:>10} "
        f"{d['p99_ms']:>8} {d['max_ms']:>8}"
    )
    print(
        f"letters sent: {result['letters_sent']}, notices: {result['notices']}, "
        f"missing pushes: {result['missing']}; written {path.relative_to(ROOT)}"
    )


def _people(n: int):
    """The test world plus enough extra users; a session cookie for each connected user."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from organizations.models import User
    from tests.world import build_world

    world = build_world()
    # The people the sent letters notify come first, so their pushes are measured too.
    heads = [world.bappeda_head, world.head, world.drafter, world.reviewer, world.reviewer2]
    User.objects.bulk_create(
        [
            User(username=f"bench.{i}", name=f"Pegawai {i}", tenant=world.tenant, is_active=True)
            for i in range(max(0, n - len(heads)))
        ]
    )
    extra = list(User.objects.filter(username__startswith="bench.").order_by("pk"))
    users = (heads + extra)[:n]
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.permissions import needs_second_factor

    cookies = {}
    for user in users:
        store = SessionStore()
        if needs_second_factor(user):  # signers' sessions are verified with a second factor
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "organizations.backends.TenantModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        cookies[user.pk] = store.session_key
    return users, world, cookies


def _run(args, port, users, world, cookies) -> dict:
    """Clients in their own process (so the sender's work does not delay their clocks)."""
    host = world.tenant.domains.get(is_primary=True).host
    worker = subprocess.Popen(
        [sys.executable, __file__, "--clients-worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker.stdin.write(
        json.dumps(
            {
                "host": host,
                "port": port,
                "cookies": list(cookies.values()),
                "rate": args.connect_rate,
            }
        )
        + "\n"
    )
    worker.stdin.flush()
    connected = int(worker.stdout.readline().split()[1])  # "READY <n>"
    committed: dict[int, float] = {}
    counts = {"letters": 0, "notices": 0}
    _send_load(args, users, world, committed, counts)
    time.sleep(3)  # let the last pushes arrive
    worker.stdin.write("STOP\n")
    worker.stdin.flush()
    received = {int(k): v for k, v in json.loads(worker.stdout.readline()).items()}
    worker.wait(timeout=60)
    from notifications.models import Notification

    expected = set(
        Notification.objects.filter(
            pk__in=committed, recipient_id__in={u.pk for u in users}
        ).values_list("pk", flat=True)
    )
    return {
        "clients": len(users),
        "connected": connected,
        "seconds": args.seconds,
        "letters_sent": counts["letters"],
        "notices": counts["notices"],
        "missing": len([i for i in expected if i not in received]),
        "latencies": [received[i] - committed[i] for i in expected if i in received],
    }


def clients_worker() -> None:
    """Hold the WebSocket clients; print READY, record pushes until STOP, print them."""
    config = json.loads(sys.stdin.readline())
    asyncio.run(_hold(config))


async def _hold(config) -> None:
    from websockets.asyncio.client import connect

    host, port = config["host"], config["port"]
    received: dict[int, float] = {}
    connected = 0
    stop = asyncio.Event()

    async def client(cookie):
        nonlocal connected
        try:
            async with connect(
                f"ws://{host}:{port}/ws/notifications/",
                host="127.0.0.1",
                port=port,
                origin=f"http://{host}",
                additional_headers={"Cookie": f"sessionid={cookie}"},
                open_timeout=60,
                ping_interval=None,
            ) as ws:
                await ws.recv()  # hello
                connected += 1
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 1)
                    except TimeoutError:
                        continue
                    now = time.time()
                    message = json.loads(raw)
                    if message.get("type") == "notification":
                        received[message["id"]] = now
        except (OSError, TimeoutError, ValueError) as exc:  # reported, not hidden
            print("client failed:", type(exc).__name__, exc, file=sys.stderr)
        except Exception as exc:  # noqa: BLE001  (websockets' own errors)
            print("client failed:", type(exc).__name__, exc, file=sys.stderr)

    tasks = []
    rate = config["rate"]
    for i, cookie in enumerate(config["cookies"]):
        tasks.append(asyncio.create_task(client(cookie)))
        if i % rate == rate - 1:
            await asyncio.sleep(1)  # people open their phones over time, not all at once
    for _ in range(600):
        if connected >= len(config["cookies"]):
            break
        await asyncio.sleep(0.1)
    print(f"READY {connected}", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # STOP
    stop.set()
    await asyncio.gather(*tasks)
    print(json.dumps(received), flush=True)


def _send_load(args, users, world, committed, counts) -> None:
    """Committed work at a steady pace: letters through the services and extra notices."""
    from django.db import transaction

    from notifications.kinds import Kind
    from notifications.models import Notification
    from notifications.services import notify
    from tests.correspondence.helpers import sent

    rng = random.Random(7)
    end = time.monotonic() + args.seconds
    letter_every = 1 / args.letters_per_second if args.letters_per_second else None
    notice_every = 1 / args.notices_per_second if args.notices_per_second else None
    next_letter = next_notice = time.monotonic()
    last_id = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    while time.monotonic() < end:
        now = time.monotonic()
        mark: list[float] = []
        if letter_every and now >= next_letter:
            with transaction.atomic():
                # Registered first, so it runs at the commit, before notify()'s pushes.
                transaction.on_commit(lambda mark=mark: mark.append(time.time()))
                sent(world, subject=f"Surat uji {counts['letters']}")
            counts["letters"] += 1
            next_letter += letter_every
        elif notice_every and now >= next_notice:
            with transaction.atomic():
                transaction.on_commit(lambda mark=mark: mark.append(time.time()))
                notify([rng.choice(users)], Kind.LETTER_SENT, text="Uji beban")
            counts["notices"] += 1
            next_notice += notice_every
        else:
            time.sleep(max(0.0, min(next_letter, next_notice) - now))
            continue
        at = mark[0]
        for pk in Notification.objects.filter(pk__gt=last_id).values_list("pk", flat=True):
            committed[pk] = at
            last_id = max(last_id, pk)


if __name__ == "__main__":
    if sys.argv[1:] == ["--clients-worker"]:
        clients_worker()
    else:
        main()
