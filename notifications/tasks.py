"""Background jobs of notifications (run by the task worker)."""

from django.tasks import task

from . import services


@task
def digest_send() -> int:
    """Periodic: the daily e-mail digest, once per user and local day after the digest hour."""
    return services.digest_send_due()
