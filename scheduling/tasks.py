"""Background jobs of the calendar (run by the task worker)."""

from django.tasks import task

from . import services


@task
def reminders_send() -> int:
    """Periodic: send the reminders that are due (each once, none for cancelled events)."""
    return services.reminders_send_due()
