"""Background jobs of the archive (run by the task worker)."""

from django.tasks import task


@task
def files_text_extract(file_ids: list[int]) -> int:
    """Extract the text of record files for the search index (time- and size-limited)."""
    from .services import text

    return text.files_text_extract(file_ids)


@task
def retention_sweep() -> dict:
    """Daily: move records whose active period ended to inactive and propose for disposal
    those whose inactive period ended."""
    from .services import disposal

    return disposal.retention_sweep()
