"""Reading a pending incoming letter: OCR of its scan, then its fields (in the worker).

Nothing here holds a transaction while Tesseract runs: progress is written as it comes (so the
clerk's page shows it), and the result is saved in one short transaction at the end. A failed
or timed-out OCR leaves the letter pending with the reason, for the clerk to type by hand.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import transaction

from archive.services.text import pages_without_text, pdf_text
from core.ocr import PDF_TYPE, ocr, ocr_supports

from ..choices import IntakeState, OcrState
from ..fields import classification_top, letter_fields
from ..models import PendingIncoming


def pending_read(pending_id: int) -> str:
    """OCR the pending letter's scan (unless it has its own text) and read its fields.
    Returns the OCR state reached; a letter already read or closed is left alone."""
    row = PendingIncoming.objects.filter(pk=pending_id).select_related("tenant").first()
    if row is None or row.state != IntakeState.PENDING:
        return "gone"
    if row.ocr_state not in (OcrState.QUEUED, OcrState.RUNNING):
        return row.ocr_state
    PendingIncoming.objects.filter(pk=row.pk).update(ocr_state=OcrState.RUNNING)
    with row.file.open("rb") as fh:
        data = fh.read()
    kind = (row.content_type or "").split(";")[0].strip().lower()
    state, text, error, pdf, result = OcrState.FAILED, "", "", b"", None
    if kind == PDF_TYPE:
        own, _err = pdf_text(data)
        if own.strip() and not pages_without_text(own):  # born digital: every page has text
            state, text = OcrState.SKIPPED, own
    if state != OcrState.SKIPPED:
        if ocr_supports(kind):
            result = ocr(data, content_type=kind, progress=_progress(row.pk))
            if result.ok:
                state, text, pdf = OcrState.DONE, result.text, result.pdf
            else:
                error = result.error
        else:
            error = "not a scan"
    fields = letter_fields(text, tenant=row.tenant) if text.strip() else {}
    subject = (fields.get("subject") or {}).get("value") or ""
    suggestions = classification_top(row.tenant, subject) if subject else []
    _save(row.pk, state, text, error, pdf, result, fields, suggestions)
    return state


def _progress(pk: int):
    def report(done: int, total: int) -> None:
        PendingIncoming.objects.filter(pk=pk, ocr_state=OcrState.RUNNING).update(
            ocr_done=min(done, 32767), ocr_total=min(total, 32767)
        )

    return report


def _save(pk, state, text, error, pdf, result, fields, suggestions) -> None:
    with transaction.atomic():
        row = PendingIncoming.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.ocr_state in (OcrState.DONE, OcrState.SKIPPED, OcrState.FAILED):
            return  # read meanwhile by a second run of this task
        row.ocr_state, row.text, row.ocr_error = state, text[:200_000], error[:300]
        row.fields_read, row.suggestions = fields, suggestions
        if result is not None:
            row.ocr_seconds, row.ocr_pdfa = result.seconds, result.pdfa
            row.ocr_done = row.ocr_total = result.pages
        if pdf:
            row.ocr_pdf.save(f"{secrets.token_hex(16)}.pdf", ContentFile(pdf), save=False)
        row.save()
