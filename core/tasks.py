"""Project-wide background jobs, and what every app's tasks share."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.tasks import Task, task, task_backends
from django.utils import timezone
from django.utils.module_loading import import_string

_ABANDONED: dict[str, Callable[..., None]] = {}


def when_abandoned(job: Task) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register what to do when `job` is given up because its worker died twice (called with
    the task's own arguments, see ops.worker): tell the people waiting for it."""

    def register(handler: Callable[..., None]) -> Callable[..., None]:
        _ABANDONED[job.module_path] = handler
        return handler

    return register


def abandoned_handler(task_path: str) -> Callable[..., None] | None:
    try:
        import_string(task_path)  # importing a task's module registers its handler
    except ImportError:
        return None
    return _ABANDONED.get(task_path)


def enqueue_with_transaction(job: Task, *args, **kwargs) -> None:
    """Enqueue `job` so that it exists exactly when the surrounding transaction commits.

    With the database task backend the task row is written in this transaction (an outbox:
    a crash after the commit cannot lose it, a rollback takes it away); with any other
    backend the task is enqueued after the commit.
    """
    # Imported here: the backend imports its models, and this module is imported by apps'
    # task modules while the app registry is still loading.
    from django_tasks_db import DatabaseBackend

    if isinstance(task_backends[job.backend], DatabaseBackend):
        job.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: job.enqueue(*args, **kwargs))


def enqueue_later_with_transaction(job: Task, run_after, *args, **kwargs) -> bool:
    """Enqueue `job` to run no earlier than `run_after`, with the surrounding transaction, when
    the backend can hold a task until then; returns False when it cannot (the immediate
    backend of tests and first runs), and the caller's periodic sweep must pick it up."""
    if not task_backends[job.backend].supports_defer:
        return False
    enqueue_with_transaction(job.using(run_after=run_after), *args, **kwargs)
    return True


@task
def heartbeat() -> str:
    """Periodic: proves a worker is taking tasks; /readyz looks for a recent one."""
    return timezone.now().isoformat()
