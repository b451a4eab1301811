"""The task worker: django-tasks-db's worker, plus a lease that lets a dead worker's tasks be
taken up again.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed mid-task (`kill -9`, an out-of-memory kill, a lost node) left the row RUNNING
for ever and the work undone. Here every worker holds a lease (`WorkerLease`) that a
background thread renews every `lease / 5` seconds, and every worker, on the same thread,
looks for RUNNING tasks whose worker's lease has lapsed:

- a task that has been claimed once goes back to READY and runs once more (on any worker);
- a task that has already been claimed twice is marked FAILED (`WorkerLost`), and the task's
  `when_abandoned` handler, if it has one, tells the people waiting for it.

So a task runs at most twice, and tasks must be idempotent (they are: each checks the state
it acts on). Recovery takes at most `lease` seconds plus one renewal interval after a worker
dies (NASKAH_WORKER_LEASE_SECONDS, 30 by default), once another worker is running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models.functions import Now
from django.tasks import TaskResultStatus
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core.tasks import abandoned_handler

from .models import WorkerLease

log = logging.getLogger("naskah.worker")

ATTEMPTS = 2  # a task whose worker died runs once more, never a third time


class WorkerLost(RuntimeError):
    """The worker running this task stopped before it finished (twice)."""


def lease_seconds() -> float:
    return float(settings.NASKAH_WORKER_LEASE_SECONDS)


# Leases are stamped and compared with the database's clock, not each process's: a worker
# whose clock jumps (or drifts) neither loses its tasks to others nor keeps a dead one's.


def lease_renew(worker_id: str) -> None:
    updated = WorkerLease.objects.filter(worker_id=worker_id).update(seen_at=Now())
    if not updated:
        WorkerLease.objects.create(
            worker_id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid(), seen_at=Now()
        )


def lease_release(worker_id: str) -> None:
    WorkerLease.objects.filter(worker_id=worker_id).delete()


def workers_alive() -> int:
    """How many workers renewed their lease within the lease time (by the database's clock)."""
    return WorkerLease.objects.filter(
        seen_at__gte=Now() - timedelta(seconds=lease_seconds())
    ).count()


class Watch:
    """What one worker has seen of the others' leases, by its own monotonic clock.

    A worker is taken for dead when the `seen_at` of its lease (or its absence) has not
    changed for `lease` seconds of the watcher's monotonic clock. No wall clock is compared
    with another: a clock that jumps, on a worker or on the database server, makes no living
    worker look dead (a lease stamped an hour ahead still changes at the next renewal)."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[object, float]] = {}

    def dead(self, leases: dict[str, object], workers: set[str], *, now: float) -> set[str]:
        found = set()
        for worker in workers:
            value = leases.get(worker)
            first = self.seen.get(worker)
            if first is None or first[0] != value:
                self.seen[worker] = (value, now)
            elif now - first[1] >= lease_seconds():
                found.add(worker)
        for worker in set(self.seen) - workers:
            del self.seen[worker]
        return found


def tasks_reclaim(watch: Watch, *, now: float | None = None) -> dict[str, list[str]]:
    """Take up the tasks of workers `watch` finds dead; returns the ids retried and failed."""
    now = time.monotonic() if now is None else now
    running = dict(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("pk", "worker_ids")
    )
    holders = {ids[-1] if ids else "" for ids in running.values()}
    leases = dict(
        WorkerLease.objects.filter(worker_id__in=holders).values_list("worker_id", "seen_at")
    )
    dead = watch.dead(leases, holders, now=now)
    done: dict[str, list[str]] = {"retried": [], "failed": []}
    if not dead:
        return done
    handlers = []
    with transaction.atomic():
        stuck = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            pk__in=[pk for pk, ids in running.items() if (ids[-1] if ids else "") in dead],
            status=TaskResultStatus.RUNNING,
        )
        for row in stuck:
            if (row.worker_ids[-1] if row.worker_ids else "") not in dead:
                continue  # claimed again meanwhile
            if len(row.worker_ids) < ATTEMPTS:
                row.status = TaskResultStatus.READY
                row.save(update_fields=["status"])
                done["retried"].append(str(row.pk))
                log.warning(
                    "task %s (%s): its worker died; running it again", row.pk, row.task_path
                )
                continue
            row.set_failed(WorkerLost(f"the worker stopped twice while running {row.task_path}"))
            done["failed"].append(str(row.pk))
            log.error("task %s (%s): its worker died twice; given up", row.pk, row.task_path)
            handler = abandoned_handler(row.task_path)
            if handler is not None:
                handlers.append((handler, row.args_kwargs))
        WorkerLease.objects.filter(worker_id__in=dead).delete()
    for handler, args_kwargs in handlers:  # each in its own transaction, after the row is failed
        try:
            handler(*args_kwargs.get("args", []), **args_kwargs.get("kwargs", {}))
        except Exception:
            log.exception("handler for an abandoned task failed")
    return done


def _holder(row: DBTaskResult) -> str:
    return row.worker_ids[-1] if row.worker_ids else ""


class LeasedWorker(Worker):
    """A worker that holds a lease, and records a task's outcome only while the task is still
    its own: a worker that was taken for dead (stalled, cut off) and then finished leaves the
    row to the worker that took the task up."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            task_started.send(sender=type(task.get_backend()), task_result=task_result)
            if task.takes_context:
                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            if self._finish(db_task_result, lambda row: row.set_successful(value)):
                task_finished.send(
                    sender=type(task.get_backend()), task_result=db_task_result.task_result
                )
        except BaseException as exc:  # noqa: BLE001  (as django-tasks-db's worker: record it)
            if self._finish(db_task_result, lambda row, error=exc: row.set_failed(error)):
                try:
                    task_finished.send(
                        sender=type(db_task_result.task.get_backend()),
                        task_result=db_task_result.task_result,
                    )
                except Exception:
                    log.exception("task %s failed unexpectedly", db_task_result.pk)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _finish(self, row: DBTaskResult, record) -> bool:
        """Record the outcome if the task is still this worker's, under the row's lock."""
        with transaction.atomic():
            current = DBTaskResult.objects.select_for_update().filter(pk=row.pk).first()
            if (
                current is None
                or current.status != TaskResultStatus.RUNNING
                or _holder(current) != self.worker_id
            ):
                log.warning(
                    "task %s was taken up by another worker; this run's outcome is dropped", row.pk
                )
                return False
            record(current)
            row.status = current.status
            return True

    def run(self) -> None:
        lease_renew(self.worker_id)
        stop = threading.Event()
        keeper = threading.Thread(target=self._keep, args=(stop,), name="lease", daemon=True)
        keeper.start()
        try:
            super().run()
        finally:
            stop.set()
            keeper.join(timeout=max(lease_seconds() / 5, 0.2) + 5)
            try:
                lease_release(self.worker_id)
            except Exception:  # the database may be what stopped us
                log.warning("could not release the lease of %s", self.worker_id, exc_info=True)

    def _keep(self, stop: threading.Event) -> None:
        every = max(lease_seconds() / 5, 0.2)
        watch = Watch()
        while True:
            try:
                close_old_connections()
                lease_renew(self.worker_id)
                tasks_reclaim(watch)
            except Exception:  # a database outage: try again at the next beat
                log.warning("lease renewal failed", exc_info=True)
                # Nobody could renew meanwhile: judge the others afresh, from the next beat.
                watch = Watch()
            # time.sleep, not stop.wait: a condition wait stalls under a shifted clock
            # (libfaketime), and a lease must be renewed whatever the clock says.
            time.sleep(every)
            if stop.is_set():
                break
        connection.close()
