"""Background jobs of correspondence (run by the task worker)."""

from django.tasks import task

from . import previews, services
from .archiving import delivery_file, letter_files_all
from .inboxcount import inbox_fold_all
from .models import Delivery, Letter


@task
def dispositions_due_notify() -> int:
    """Periodic: notify assignees of dispositions due soon or overdue (each notice once)."""
    return services.disposition_due_notify()


@task
def inbox_versions_fold() -> int:
    """Periodic: fold each unit's inbox change rows into one (see correspondence.inboxcount)."""
    return inbox_fold_all()


@task
def signatures_renew() -> int:
    """Periodic: add a document timestamp to signed letters whose last one's TSA certificate
    expires within a year (PAdES B-LTA upkeep); returns how many were renewed."""
    return services.signatures_renew()


@task
def previews_sweep() -> int:
    """Periodic: drop the inline previews' page images unused for a month."""
    return previews.previews_sweep()


@task
def outage_blocks_top_up() -> dict:
    """Periodic: every unit holds its block of outage numbers per letter type; at the turn of
    the year the new year's are issued and last year's unused ones voided."""
    return services.outage_blocks_ensure_all()


@task
def letter_archive(letter_id: int) -> list[int]:
    """File a finished letter in the archive, each side its own record (once); returns the
    records' ids."""
    return [r.pk for r in letter_files_all(Letter.objects.get(pk=letter_id))]


@task
def delivery_archive(delivery_id: int) -> int | None:
    """File a finished delivery as its receiving unit's record (once); returns its id."""
    record = delivery_file(Delivery.objects.get(pk=delivery_id))
    return record.pk if record else None


@task
def recipient_email(recipient_id: int) -> str:
    """E-mail a sent letter to one addressee off the platform, once; a temporary failure
    queues this task again later (correspondence.services.emailing)."""
    return services.recipient_email(recipient_id=recipient_id)
