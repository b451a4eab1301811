"""Liveness and readiness for the reverse proxy, the orchestrator and the on-call person."""

from __future__ import annotations

import datetime as dt
import uuid

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

HEARTBEAT_TASK = "core.tasks.heartbeat"
HEARTBEAT_MAX_AGE = dt.timedelta(minutes=3)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_storage() -> str:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as fh:
            if fh.read() != b"ok":
                raise OSError("storage returned other bytes")
    finally:
        default_storage.delete(name)
    return "ok"


def check_worker() -> str:
    """A heartbeat task finished recently (only the database task backend keeps results)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if not backend.startswith("django_tasks_db"):
        return f"not checked ({backend.rsplit('.', 1)[-1]})"
    last = (
        DBTaskResult.objects.filter(task_path=HEARTBEAT_TASK, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last is None:
        raise RuntimeError("no heartbeat yet: is the worker (db_worker) and run_periodic running?")
    age = timezone.now() - last
    if age > HEARTBEAT_MAX_AGE:
        raise RuntimeError(f"last heartbeat {int(age.total_seconds())} s ago")
    return "ok"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "storage": check_storage,
    "worker": check_worker,
}


def readiness() -> tuple[bool, dict[str, str]]:
    results, ready = {}, True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001  (every failure is reported, none raised)
            results[name] = f"error: {exc}"[:300]
            ready = False
    return ready, results
