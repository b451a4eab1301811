"""Background jobs of the archive (run by the task worker)."""

from django.tasks import task

from .services import disposal, text


@task(queue_name="ocr")  # it reads scans by OCR: the slow queue, see settings.TASKS
def files_text_extract(file_ids: list[int]) -> int:
    """Extract the text of record files for the search index (time- and size-limited)."""
    return text.files_text_extract(file_ids)


@task
def retention_sweep() -> dict:
    """Daily: move records whose active period ended to inactive and propose for disposal
    those whose inactive period ended."""
    return disposal.retention_sweep()
