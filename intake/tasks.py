"""Background jobs of the intake (run by the task worker)."""

from django.tasks import task


@task(queue_name="ocr")
def pending_read(pending_id: int) -> str:
    """OCR a pending incoming letter's scan and read its fields."""
    from .services.reading import pending_read as read

    return read(pending_id)


@task
def mailboxes_poll() -> dict[str, dict[str, int | str]]:
    """Take the new messages of every enabled mailbox (a periodic job, see apps.py). A mailbox
    whose server is down says so in its `last_error`; nothing is raised for it."""
    from dataclasses import asdict

    from .mail import mailboxes_poll as poll

    return {name: asdict(result) for name, result in poll().items()}
