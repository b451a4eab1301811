"""Background jobs of the intake (run by the task worker)."""

from django.tasks import task


@task
def pending_read(pending_id: int) -> str:
    """OCR a pending incoming letter's scan and read its fields."""
    from .services.reading import pending_read as read

    return read(pending_id)
