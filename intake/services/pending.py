"""Pending incoming letters: a scan enters, is read in the background, and the clerk confirms
its fields to register it (or discards it)."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue_with_transaction
from core.uploads import SCAN_TYPES, UploadInfo, stored_name, upload_inspect
from correspondence import services as letters
from correspondence.choices import AttachmentKind
from organizations.models import Unit, User

from .. import permissions as policy
from ..choices import IntakeSource, IntakeState
from ..models import PendingFile, PendingIncoming

# The fields whose reading is compared with the clerk's final choice (for accuracy figures).
COMPARED = ("number", "date", "subject", "sender", "security", "urgency")


def message_info(upload: UploadedFile) -> UploadInfo:
    """What is kept of an e-mail message file (.eml): it is stored as it came, never opened
    by a viewer, so only its size and hash are recorded."""
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(64 * 1024):
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "message.eml").rsplit("/", 1)[-1][-200:]
    return UploadInfo(name, "eml", "message/rfc822", upload.size, digest.hexdigest())


def _stored_info(field, name: str, content_type: str) -> tuple[File, UploadInfo]:
    """A kept file as an inspected upload again (it was checked when it entered)."""
    fh = field.open("rb")
    digest = hashlib.sha256()
    while chunk := fh.read(64 * 1024):
        digest.update(chunk)
    fh.seek(0)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "bin"
    return File(fh, name=name), UploadInfo(name, ext, content_type, field.size, digest.hexdigest())


def _keep(row, field: str, upload: UploadedFile, info: UploadInfo) -> None:
    upload.seek(0)
    getattr(row, field).save(stored_name(info), upload, save=False)


@transaction.atomic
def pending_create(
    *,
    unit: Unit,
    upload: UploadedFile,
    source: str = IntakeSource.UPLOAD,
    by: User | None = None,
    extra: list[tuple[UploadedFile, str]] = (),
    note: str = "",
    allowed: frozenset[str] | None = SCAN_TYPES,
) -> PendingIncoming:
    """A scan (and, from e-mail, its further files) enters the unit's intake; OCR is queued
    with the commit. `by` is the clerk (None for the mail worker). Raises PermissionDenied,
    ValidationError (the upload's type, size or content)."""
    if by is not None and not policy.letters_policy.can_register_incoming(by, unit):
        raise PermissionDenied
    info = upload_inspect(upload, allowed=allowed)
    row = PendingIncoming(
        tenant_id=unit.tenant_id,
        unit=unit,
        source=source,
        created_by=by,
        note=note[:300],
        **info.stored_fields(),
    )
    _keep(row, "file", upload, info)
    row.save()
    for extra_upload, kind in extra:
        extra_info = (
            message_info(extra_upload)
            if kind == PendingFile.Kind.MESSAGE
            else upload_inspect(extra_upload, allowed=None)
        )
        f = PendingFile(pending=row, kind=kind, **extra_info.stored_fields())
        _keep(f, "file", extra_upload, extra_info)
        f.save()
    from ..tasks import pending_read

    enqueue_with_transaction(pending_read, row.pk)
    return row


def _locked(pending: PendingIncoming, by: User) -> PendingIncoming:
    row = PendingIncoming.objects.select_for_update().select_related("unit").get(pk=pending.pk)
    if not policy.can_handle_pending(by, row):
        raise PermissionDenied
    if row.state != IntakeState.PENDING:
        raise ValidationError(
            _("This letter was already %(state)s.") % {"state": row.get_state_display().lower()}
        )
    return row


def _read_value(row: PendingIncoming, field: str):
    return (row.fields_read.get(field) or {}).get("value")


def _corrections(row: PendingIncoming, final: dict) -> dict:
    out = {}
    for field in COMPARED:
        read = _read_value(row, field)
        value = final.get(field)
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[field] = {
            "read": read,
            "final": value or None,
            "same": (read or None) == (value or None),
        }
    return out


@transaction.atomic
def pending_register(*, pending: PendingIncoming, by: User, data: dict, unit: Unit | None = None):
    """Register the pending letter with the clerk's fields (`data` as `incoming_register`
    takes them, without the scan): the original scan, the OCR copy and the further files go
    with it; what the clerk changed from the reading is kept. Returns the delivery."""
    row = _locked(pending, by)
    unit = unit or row.unit
    extra = []
    if row.ocr_pdf:
        extra.append(
            (
                *_stored_info(row.ocr_pdf, "ocr-" + _pdf_name(row), "application/pdf"),
                AttachmentKind.OCR,
            )
        )
    for f in row.files.all():
        extra.append(
            (*_stored_info(f.file, f.original_name, f.content_type), AttachmentKind.ATTACHMENT)
        )
    scan = File(row.file.open("rb"), name=row.original_name)
    delivery = letters.incoming_register(
        unit=unit, by=by, scan=scan, extra=extra, scan_types=None, **data
    )
    row.state, row.letter = IntakeState.REGISTERED, delivery.letter
    row.closed_by, row.closed_at = by, timezone.now()
    row.corrections = _corrections(
        row,
        {
            "number": data.get("sender_number"),
            "date": data.get("sender_date"),
            "subject": data.get("subject"),
            "sender": data.get("sender_name"),
            "security": data.get("security"),
            "urgency": data.get("urgency"),
        },
    )
    row.save()
    return delivery


def _pdf_name(row: PendingIncoming) -> str:
    stem = row.original_name.rsplit(".", 1)[0] or "scan"
    return f"{stem}.pdf"


@transaction.atomic
def pending_discard(*, pending: PendingIncoming, by: User, reason: str) -> PendingIncoming:
    """The clerk discards a pending letter (not a letter, a duplicate): kept, closed, with
    the reason."""
    row = _locked(pending, by)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the letter is discarded.")})
    row.state, row.note = IntakeState.DISCARDED, reason.strip()[:300]
    row.closed_by, row.closed_at = by, timezone.now()
    row.save()
    return row
