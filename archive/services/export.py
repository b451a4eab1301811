"""Export a selection of records as a ZIP (for a transfer to a static archive): their files
under files/<record id>/ and a manifest (CSV and JSON) with the metadata and each file's
SHA-256. Only records the user may open; a destroyed record exports its tombstone only."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from ..models import Record, RecordFile
from ..permissions import can_export_records
from .common import log

MAX_RECORDS = 500
CHUNK = 1024 * 1024
MANIFEST_COLUMNS = [
    "record_id",
    "code",
    "number",
    "title",
    "document_date",
    "unit",
    "medium",
    "quantity",
    "security",
    "state",
    "fate",
    "active_until",
    "inactive_until",
    "location",
    "file_kind",
    "file_name",
    "path",
    "size",
    "sha256",
    "deleted_at",
]


def _meta(r: Record) -> dict:
    return {
        "record_id": r.pk,
        "code": r.classification.code,
        "number": r.number,
        "title": r.title,
        "description": r.description,
        "document_date": r.document_date.isoformat(),
        "unit": r.unit.name,
        "medium": r.medium,
        "quantity": r.quantity,
        "security": r.security,
        "state": r.state,
        "fate": r.fate,
        "active_until": r.active_until.isoformat(),
        "inactive_until": r.inactive_until.isoformat(),
        "location": r.location,
        "sender": r.sender,
        "filed_at": r.filed_at.isoformat(),
    }


def _copy(zf: zipfile.ZipFile, f: RecordFile, path: str) -> str:
    """Stream a stored file into the archive; returns the SHA-256 of what was written."""
    digest = hashlib.sha256()
    with f.file.open("rb") as src, zf.open(path, "w", force_zip64=True) as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    return digest.hexdigest()


def _add_record(zf: zipfile.ZipFile, r: Record, rows: list[list]) -> dict:
    """Copy a record's kept files into the ZIP; append its manifest rows (one per file, or
    one without a file) to `rows` and return its manifest entry."""
    meta = _meta(r) | {"files": []}
    for f in r.files.all():
        entry = {
            "kind": f.kind,
            "name": f.name,
            "size": f.size,
            "sha256": f.sha256,
            "path": "",
            "deleted_at": f.deleted_at.isoformat() if f.deleted_at else "",
        }
        if f.deleted_at is None and f.file:
            path = f"files/{r.pk}/{f.pk}-{get_valid_filename(f.name) or 'file'}"
            entry["sha256"] = _copy(zf, f, path)
            entry["path"] = path
        meta["files"].append(entry)
        rows.append(
            [meta[c] for c in MANIFEST_COLUMNS[:14]]
            + [f.kind, f.name, entry["path"], f.size, entry["sha256"], entry["deleted_at"]]
        )
    if not meta["files"]:
        rows.append([meta[c] for c in MANIFEST_COLUMNS[:14]] + [""] * 6)
    return meta


def records_export_zip(*, records: list[Record] | list[int], by) -> tempfile.SpooledTemporaryFile:
    """Build the ZIP in a temporary file (rewound, ready to stream). Records the user may not
    open are left out. Raises PermissionDenied (anonymous) or ValidationError (none, too many)."""
    if not can_export_records(by):
        raise PermissionDenied
    ids = {r if isinstance(r, int) else r.pk for r in records}
    if not ids:
        raise ValidationError(_("Choose at least one record."))
    if len(ids) > MAX_RECORDS:
        raise ValidationError(_("Export at most %(n)s records at a time.") % {"n": MAX_RECORDS})
    chosen = list(
        Record.objects.visible_to(by)
        .filter(pk__in=ids)
        .select_related("classification", "unit")
        .prefetch_related("files")
        .order_by("pk")
    )
    if not chosen:
        raise ValidationError(_("None of these records can be exported."))
    out = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK)  # noqa: SIM115 - returned open
    manifest, rows = [], []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for r in chosen:
            manifest.append(_add_record(zf, r, rows))
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(rows)
        zf.writestr("manifest.csv", text.getvalue())
        body = {
            "exported_at": timezone.now().isoformat(),
            "exported_by": by.display_name,
            "records": manifest,
        }
        zf.writestr("manifest.json", json.dumps(body, ensure_ascii=False, indent=2))
    with transaction.atomic():
        for r in chosen:
            log(r, action="record.exported", by=by)
    out.seek(0)
    return out
