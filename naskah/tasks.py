"""Project-wide background jobs."""

from django.tasks import task
from django.utils import timezone


@task
def heartbeat() -> str:
    """Periodic: proves a worker is taking tasks; /readyz looks for a recent one."""
    return timezone.now().isoformat()
