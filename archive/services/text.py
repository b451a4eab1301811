"""Text of record files for the search index (extraction runs in the background).

What is read, and how (`TextSource` on the file says which):
- a PDF's own text layer, DOCX, XLSX and OpenDocument files: in a child process under CPU,
  memory and wall-clock limits (`archive.textread`), so a hostile file can only exhaust that
  child, never a worker; a ZIP that would expand too far is refused before it is parsed;
- plain text and CSV: decoded here;
- scans (PNG, JPEG, TIFF, and PDFs without a text layer): OCR by `core.ocr` (ocrmypdf and
  Tesseract's Indonesian model, its own limited child). The searchable PDF/A it makes is kept
  beside the original (`ocr_file`); the original and its hash are never changed.

Files over MAX_BYTES are not opened; text beyond MAX_CHARS is cut. Nothing slow runs inside a
transaction: each file is read first, then its row is written in a short one.
"""

from __future__ import annotations

import dataclasses
import re

from ..textread import IMAGE, MAX_CHARS, PDF, PLAIN, TIMEOUT, file_kind, read_text

# The imports of Django and of the app stay inside the functions: `archive.tasks` imports this
# module, so importing the task here at module level would be a cycle.

MAX_BYTES = 25 * 1024 * 1024
# ocrmypdf's sidecar names the pages it did not read (they had text of their own).
OCR_SKIPPED = re.compile(r"\[OCR skipped on pages?\(s\) [\d, -]+\]")
OCR_ERRORS = {
    "unavailable": "OCR is not available here (Tesseract with the Indonesian model is missing)",
    "timeout": "OCR took too long and was stopped",
}


@dataclasses.dataclass(frozen=True)
class Extracted:
    """What reading one file gave: its text state, text, error, source and OCR copy."""

    state: str
    text: str = ""
    error: str = ""
    source: str = ""
    ocr_pdf: bytes = b""


def files_text_queue(file_ids: list[int]) -> None:
    """Queue text extraction for new record files, with the filing transaction."""
    from core.tasks import enqueue_with_transaction

    from ..tasks import files_text_extract

    ids = [int(i) for i in file_ids]
    if ids:
        enqueue_with_transaction(files_text_extract, ids)


def files_text_requeue(*, failed: bool = False, batch: int = 200) -> int:
    """Queue again the kept files whose text was SKIPPED and that now have a reader (scans,
    office documents filed before they were read) and, with `failed`, those whose reading
    FAILED (OCR was not installed, say). Returns how many; each batch is one transaction."""
    from django.db import transaction

    from ..choices import TextState
    from ..models import RecordFile

    states = [TextState.SKIPPED, TextState.FAILED] if failed else [TextState.SKIPPED]
    rows = RecordFile.objects.filter(text_state__in=states, deleted_at__isnull=True)
    ids = [
        pk
        for pk, content_type, name in rows.exclude(file="").values_list(
            "pk", "content_type", "name"
        )
        if file_kind(content_type, name)
    ]
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with transaction.atomic():
            RecordFile.objects.filter(pk__in=chunk, text_state__in=states).update(
                text_state=TextState.PENDING, text_error=""
            )
            files_text_queue(chunk)
    return len(ids)


def pdf_text(data: bytes, *, timeout: float = TIMEOUT) -> tuple[str, str]:
    """(text, error) of a PDF's own text layer read in a limited child process; error is ""
    on success. Pages are separated by form feeds."""
    return read_text(data, PDF, timeout=timeout)


def _squeeze(text: str) -> str:
    """One space between words (smaller, the same for search); no NUL (PostgreSQL refuses
    it in text)."""
    return " ".join(text.replace("\x00", " ").split())[:MAX_CHARS]


def _found(text: str, source: str, ocr_pdf: bytes = b"") -> Extracted:
    from ..choices import TextState

    text = _squeeze(text)
    return Extracted(TextState.DONE if text else TextState.SKIPPED, text, "", source, ocr_pdf)


def _failed(error: str, source: str = "") -> Extracted:
    from ..choices import TextState

    return Extracted(TextState.FAILED, error=error[:300], source=source)


def _plain(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older Windows exports


def pages_without_text(text: str) -> bool:
    """Whether a PDF's own text (pages separated by form feeds) leaves a page with no letter or
    digit: such pages are scans, read by OCR. A page with any text is not: ocrmypdf keeps it as
    it is (it cannot replace a text layer here, see core.ocr), so OCR would read nothing more."""
    return any(not any(ch.isalnum() for ch in page) for page in text.split("\f"))


def _ocr(data: bytes, content_type: str, *, text_layer: str = "") -> Extracted:
    """The text of a scan read by OCR, with its searchable PDF/A; FAILED with the reason.
    `text_layer` is what a PDF's own text gave: ocrmypdf reads only the pages without text,
    so the file's text is both."""
    from core.ocr import ocr

    from ..choices import TextSource

    result = ocr(data, content_type=content_type)
    if result.error == "has text":
        return _found(text_layer, TextSource.TEXT)
    if not result.ok:
        why = OCR_ERRORS.get(result.error, f"OCR failed: {result.error}")
        return _failed(why, TextSource.OCR)
    read = OCR_SKIPPED.sub(" ", result.text)
    if not read.strip():  # nothing but its own text (or a blank page): no copy to keep
        return _found(text_layer, TextSource.TEXT)
    return _found(f"{text_layer}\n{read}", TextSource.OCR, result.pdf)


def _read(data: bytes, kind: str) -> Extracted:
    """Read the bytes of a file of the given kind (see `archive.textread.file_kind`)."""
    import filetype

    from ..choices import TextSource

    if kind == PLAIN:
        return _found(_plain(data), TextSource.TEXT)
    if kind == IMAGE:
        return _ocr(data, filetype.guess_mime(data[:8192]) or "")
    text, error = read_text(data, kind)
    if error:
        return _failed(error)
    if kind != PDF:
        return _found(text, TextSource.OFFICE)
    if pages_without_text(text):
        return _ocr(data, "application/pdf", text_layer=text)
    return _found(text, TextSource.TEXT)


def _extract(row) -> Extracted:
    """What one RecordFile's file gives (slow: OCR takes seconds a page)."""
    from ..choices import TextState

    kind = file_kind(row.content_type, row.name)
    if row.deleted_at is not None or not row.file or not kind:
        return Extracted(TextState.SKIPPED)
    if row.size > MAX_BYTES:
        return _failed(f"file too large for text extraction ({row.size} bytes)")
    try:
        if row.ocr_file:  # read by OCR where it entered: its searchable copy has the text
            with row.ocr_file.open("rb") as fh:
                return _ocr_copy_text(fh.read(MAX_BYTES + 1))
        with row.file.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return _failed(f"cannot read the file: {type(exc).__name__}")
    return _read(data, kind)


def _ocr_copy_text(pdf: bytes) -> Extracted:
    from ..choices import TextSource

    text, error = pdf_text(pdf)
    if error:
        return _failed(error, TextSource.OCR)
    return _found(OCR_SKIPPED.sub(" ", text), TextSource.OCR)


def _ocr_copy_store(row, pdf: bytes) -> str:
    """Store the OCR copy of a file (outside any transaction); its storage name."""
    from django.core.files.base import ContentFile

    field = row.ocr_file.field
    name = field.generate_filename(row, f"{row.sha256[:32]}.pdf")
    return field.storage.save(name, ContentFile(pdf), max_length=field.max_length)


def _file_text_save(row, got: Extracted, ocr_name: str) -> bool:
    """Write what was read on the file's row, if it is still waiting; whether it was."""
    from django.db import transaction

    from ..choices import TextState
    from ..models import RecordFile

    with transaction.atomic():
        locked = RecordFile.objects.select_for_update().filter(pk=row.pk).first()
        if locked is None or locked.text_state != TextState.PENDING:
            return False
        locked.text, locked.text_state, locked.text_error = got.text, got.state, got.error
        locked.text_source = got.source
        if ocr_name:  # else: no new copy (none made, or the one kept when the file entered)
            locked.ocr_file = ocr_name
        locked.save(update_fields=["text", "text_state", "text_error", "text_source", "ocr_file"])
    return True


def files_text_extract(file_ids: list[int]) -> int:
    """Extract the text of pending record files and refresh their records' attachment text.
    Returns how many files got text. Files without a reader are SKIPPED; failures (OCR
    unavailable or timed out included) are kept on the file (text_state FAILED, text_error)
    and never raise: the record stays usable."""
    from ..choices import TextState
    from ..models import RecordFile

    done = 0
    records: set[int] = set()
    pending = RecordFile.objects.filter(pk__in=file_ids, text_state=TextState.PENDING)
    for row in pending.order_by("pk"):
        got = _extract(row)  # slow: outside any transaction
        ocr_name = _ocr_copy_store(row, got.ocr_pdf) if got.ocr_pdf else ""
        kept = False
        try:
            kept = _file_text_save(row, got, ocr_name)
        finally:
            if ocr_name and not kept:  # taken meanwhile or not written: no orphan copy
                row.ocr_file.field.storage.delete(ocr_name)
        if kept:
            records.add(row.record_id)
            done += got.state == TextState.DONE
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
