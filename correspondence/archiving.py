"""Filing a finished letter in the archive: its signed PDF (or scan), attachments, audit trail
and disposition sheets become one record through `archive.services.records`."""

from __future__ import annotations

import csv
import io
import re
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from archive.choices import FileKind
from archive.models import Record
from archive.services import fileplan
from archive.services import records as archive
from workflows.selectors import transition_log_for_many

from .models import Attachment, Delivery, Disposition, Letter
from .pdf.sheet import disposition_sheet_pdf
from .selectors import disposition_tree_all

FALLBACK_CODE = "000"


def thread_key(letter: Letter) -> str:
    """The key of a letter's reply thread: its root letter."""
    seen = set()
    root = letter
    while root.reply_to_id and root.reply_to_id not in seen:
        seen.add(root.pk)
        root = Letter.objects.only("pk", "reply_to_id").get(pk=root.reply_to_id)
    return f"letter:{root.pk}"


def _code_for(letter: Letter) -> tuple[str, str]:
    """The letter's own code if the file plan has it, else its nearest parent, else "000"
    (with a note for the archivist)."""
    code = (letter.classification_code or "").strip()
    candidate = code
    while candidate:
        if archive.classification_exists(letter.tenant_id, candidate):
            note = "" if candidate == code else f"Kode klasifikasi surat: {code}. Periksa kembali."
            return candidate, note
        candidate = candidate.rsplit(".", 1)[0] if "." in candidate else ""
    return FALLBACK_CODE, f"Kode klasifikasi surat: {code or '-'}. Periksa kembali."


def _audit_csv(letter: Letter) -> bytes:
    """Every transition of the letter, its deliveries and dispositions, in the tenant's time."""
    tz = ZoneInfo(letter.tenant.time_zone)
    rows = []
    for model, ids in (
        (Letter, [letter.pk]),
        (Delivery, list(Delivery.objects.filter(letter=letter).values_list("pk", flat=True))),
        (Disposition, list(Disposition.objects.filter(letter=letter).values_list("pk", flat=True))),
    ):
        rows += list(transition_log_for_many(model, ids))
    rows.sort(key=lambda r: (r.created_at, r.pk))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["waktu", "objek", "tindakan", "dari", "ke", "oleh", "jabatan", "catatan",
                     "hash"])  # fmt: skip
    for r in rows:
        writer.writerow([
            timezone.localtime(r.created_at, tz).isoformat(timespec="seconds"),
            f"{r.content_type.model}:{r.object_id}", r.action, r.source, r.target,
            r.actor.get_full_name() if r.actor else "", str(r.acting_position or ""), r.note,
            r.hash,
        ])  # fmt: skip
    return out.getvalue().encode("utf-8")


def _files(letter: Letter) -> list[archive.FileSpec]:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", letter.number or f"surat-{letter.pk}").strip("-")
    files: list[archive.FileSpec] = []
    if letter.pdf:
        with letter.pdf.open("rb") as fh:
            files.append(archive.FileSpec(f"{slug}.pdf", fh.read(), "application/pdf",
                                          FileKind.MAIN))  # fmt: skip
    for att in Attachment.objects.filter(letter=letter).order_by("id"):
        with att.file.open("rb") as fh:
            kind = FileKind.MAIN if not letter.pdf and att.kind == "scan" else FileKind.ATTACHMENT
            files.append(archive.FileSpec(att.original_name, fh.read(), att.content_type, kind))
    tree = disposition_tree_all(letter)
    for d in Delivery.objects.filter(letter=letter, pk__in=list(tree)).select_related(
        "letter__unit", "letter__tenant", "unit", "tenant"
    ):
        name = f"disposisi-{(d.agenda_number or str(d.pk)).replace('/', '-')}.pdf"
        files.append(archive.FileSpec(name, disposition_sheet_pdf(d, tree=tree),
                                      "application/pdf", FileKind.DISPOSITION))  # fmt: skip
    files.append(archive.FileSpec(f"jejak-audit-{slug}.csv", _audit_csv(letter), "text/csv",
                                  FileKind.AUDIT))  # fmt: skip
    return files


def letter_file(letter: Letter, *, by=None) -> Record:
    """File a finished letter (once; a second call returns the same record)."""
    letter = Letter.objects.select_related("tenant", "unit", "number_unit").get(pk=letter.pk)
    fileplan.file_plan_ensure_default(letter.tenant)
    code, note = _code_for(letter)
    tz = ZoneInfo(letter.tenant.time_zone)
    when = letter.signed_at or letter.sent_at or letter.created_at
    document_date = (
        letter.sender_date
        if letter.is_incoming and letter.sender_date
        else timezone.localtime(when, tz).date()
    )
    with transaction.atomic():
        return archive.record_file_from_source(
            source=letter,
            classification_code=code,
            unit=letter.number_unit or letter.unit,
            title=letter.subject,
            document_date=document_date,
            security=letter.security,
            files=_files(letter),
            by=by,
            number=letter.sender_number if letter.is_incoming else letter.number,
            sender=letter.sender_name if letter.is_incoming else letter.unit.name,
            description="\n".join(p for p in (letter.summary, note) if p),
            body=letter.body,
            thread_key=thread_key(letter),
            source_url=reverse("correspondence:letter", args=[letter.pk]),
        )
