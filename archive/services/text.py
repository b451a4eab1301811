"""Text of record files for the search index (extraction runs in the background).

    python -m archive.services.text < file.pdf     (the child: prints the text, exit 0)

PDF text is read with pypdf in a child process under CPU, memory and wall-clock limits (like
`core.pdfcheck`), so a hostile PDF can only exhaust that child, never a worker. Files over
MAX_BYTES are not opened; text beyond MAX_CHARS is cut.
"""

from __future__ import annotations

import io
import sys

from core.pdfcheck import run_limited

# The imports of Django and of the app stay inside the functions: this module is also the child process
# (`python -m archive.services.text`), which runs without Django set up; and `archive.tasks`
# imports this module, so importing the task here at module level would be a cycle.

MAX_BYTES = 25 * 1024 * 1024
MAX_CHARS = 200_000
MAX_PAGES = 500
CPU_SECONDS = 20
MEMORY_BYTES = 768 * 1024 * 1024
TIMEOUT = 40
PLAIN = ("text/plain", "text/csv")


def files_text_queue(file_ids: list[int]) -> None:
    """Queue text extraction for new record files, with the filing transaction."""
    from core.tasks import enqueue_with_transaction

    from ..tasks import files_text_extract

    ids = [int(i) for i in file_ids]
    if ids:
        enqueue_with_transaction(files_text_extract, ids)


def pdf_text(data: bytes, *, timeout: float = TIMEOUT) -> tuple[str, str]:
    """(text, error) of a PDF read in a limited child process; error is "" on success."""
    result = run_limited(
        "archive.services.text",
        data,
        cpu_seconds=CPU_SECONDS,
        memory_bytes=MEMORY_BYTES,
        timeout=timeout,
    )
    if result is None:
        return "", "timeout"
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["killed"]
        return "", reason[0][:300]
    return result.stdout.decode("utf-8", errors="replace")[:MAX_CHARS], ""


def _extract(row) -> tuple[str, str, str]:
    """(state, text, error) for one RecordFile."""
    from ..choices import TextState

    if row.deleted_at is not None or not row.file:
        return TextState.SKIPPED, "", ""
    kind = (row.content_type or "").split(";")[0].strip().lower()
    if kind != "application/pdf" and kind not in PLAIN:
        return TextState.SKIPPED, "", ""  # images and other scans: no text layer to read
    if row.size > MAX_BYTES:
        return TextState.FAILED, "", f"file too large for text extraction ({row.size} bytes)"
    try:
        with row.file.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return TextState.FAILED, "", f"cannot read the file: {type(exc).__name__}"
    if kind in PLAIN:
        text = data.decode("utf-8", errors="replace")[:MAX_CHARS]
        return (TextState.DONE if text.strip() else TextState.SKIPPED), text, ""
    text, error = pdf_text(data)
    if error:
        return TextState.FAILED, "", error
    text = " ".join(text.split())  # one space between words: smaller, same for search
    return (TextState.DONE if text else TextState.SKIPPED), text, ""


def files_text_extract(file_ids: list[int]) -> int:
    """Extract the text of pending record files and refresh their records' attachment text.
    Returns how many files got text. Image-only files are SKIPPED; failures are kept on the
    file (text_state FAILED, text_error) and never raise."""
    from django.db import transaction

    from ..choices import TextState
    from ..models import RecordFile

    done = 0
    records: set[int] = set()
    pending = RecordFile.objects.filter(pk__in=file_ids, text_state=TextState.PENDING)
    for row in pending.order_by("pk"):
        state, text, error = _extract(row)  # slow: outside any transaction
        with transaction.atomic():
            locked = RecordFile.objects.select_for_update().filter(pk=row.pk).first()
            if locked is None or locked.text_state != TextState.PENDING:
                continue
            locked.text, locked.text_state, locked.text_error = text, state, error[:300]
            locked.save(update_fields=["text", "text_state", "text_error"])
        records.add(row.record_id)
        done += state == TextState.DONE
    for record_id in sorted(records):
        record_text_refresh(record_id)
    return done


def record_text_refresh(record_id: int) -> None:
    """Rebuild a kept record's attachment text (its search text) from its files' text."""
    from django.db import transaction

    from ..choices import RecordState, TextState
    from ..models import Record

    with transaction.atomic():
        record = (
            Record.objects.select_for_update()
            .filter(pk=record_id, state__in=RecordState.held())
            .first()
        )
        if record is None:  # destroyed meanwhile: its text stays erased
            return
        texts = (
            record.files.filter(text_state=TextState.DONE, deleted_at__isnull=True)
            .order_by("pk")
            .values_list("text", flat=True)
        )
        joined = "\n\n".join(t for t in texts if t)[:MAX_CHARS]
        Record.objects.filter(pk=record_id).update(attachment_text=joined)


def main() -> int:
    from pypdf import PdfReader

    data = sys.stdin.buffer.read()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            sys.stderr.write("encrypted\n")
            return 1
        out, size = [], 0
        for page in list(reader.pages)[:MAX_PAGES]:
            text = page.extract_text() or ""
            out.append(text)
            size += len(text)
            if size >= MAX_CHARS:
                break
    except Exception as exc:  # noqa: BLE001  (any parser failure means "damaged")
        sys.stderr.write(f"damaged: {type(exc).__name__}\n")
        return 1
    sys.stdout.buffer.write("\n".join(out)[:MAX_CHARS].encode("utf-8", errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
