"""Periodic jobs: each app declares `periodic = {name: (dotted task path, seconds)}` on its
AppConfig; `manage.py run_periodic` enqueues every due job on the task backend.

Several schedulers may run at once (a restart overlapping the old process, two replicas):
a job is enqueued at most once per interval slot, claimed with `cache.add` on the shared
cache (Redis in production). Jobs must still be idempotent: a slot claim lost with a
restarted cache only means one extra run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.cache import cache
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_path: str
    every: int  # seconds

    def slot(self, now: datetime) -> int:
        return int(now.timestamp()) // self.every

    def task(self) -> Task:
        found = import_string(self.task_path)
        if not isinstance(found, Task):
            raise TypeError(f"{self.task_path} is not a task: decorate it with @task.")
        return found


def periodic_jobs() -> list[PeriodicJob]:
    """Every job declared by an installed app, sorted by name. Raises ValueError on a bad entry."""
    jobs: dict[str, PeriodicJob] = {}
    for config in apps.get_app_configs():
        for name, (path, every) in getattr(config, "periodic", {}).items():
            if name in jobs:
                raise ValueError(f"Periodic job {name!r} is declared twice.")
            if int(every) < 1:
                raise ValueError(f"Periodic job {name!r}: the interval must be at least 1 s.")
            jobs[name] = PeriodicJob(name=name, task_path=path, every=int(every))
    return sorted(jobs.values(), key=lambda job: job.name)


def periodic_enqueue_due(*, now: datetime | None = None, jobs=None) -> list[str]:
    """Enqueue each job whose interval slot has not been claimed yet; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs() if jobs is None else jobs:
        key = f"naskah:periodic:{job.name}:{job.slot(now)}"
        if not cache.add(key, now.isoformat(), timeout=job.every * 2):
            continue
        try:
            job.task().enqueue()
        except Exception:
            cache.delete(key)  # let the next tick retry
            log.exception("Could not enqueue periodic job %s", job.name)
            continue
        enqueued.append(job.name)
    return enqueued
