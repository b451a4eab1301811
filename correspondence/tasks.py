"""Background jobs of correspondence (run by the task worker)."""

from django.tasks import task

from . import services


@task
def dispositions_due_notify() -> int:
    """Periodic: notify assignees of dispositions due soon or overdue (each notice once)."""
    return services.disposition_due_notify()
