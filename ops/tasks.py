"""Background jobs of the workflow layer."""

from django.tasks import task

from . import storage


@task
def pending_files_sweep() -> dict[str, int]:
    """Periodic: publish files whose transaction committed, delete those of transactions
    that did not (ops.storage)."""
    return storage.pending_files_sweep()
