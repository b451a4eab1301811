"""Filing letters in the archive, one record per side, as offices keep them.

- The sender's record (source: the letter) holds the signed PDF, the attachments and the
  sender's own trail: the letter's transitions and the status of its deliveries (who got it
  and when), never a receiving unit's dispositions or notes. It is open to the letter's
  sending side (`Letter.objects.sender_side_visible_to`).
- Each receiving unit's record (source: its delivery) holds the letter, its own agenda entry,
  its own disposition sheet and reports, and the trail of that delivery. It is open to whoever
  reads that delivery (`Delivery.objects.visible_to`), in the receiving unit's tenant.

A file in a record is thus never more visible than the thing it came from. Everything is
written through `archive.services.records`.
"""

from __future__ import annotations

import csv
import io
import mimetypes
import re
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from archive.choices import FileKind, RecordState
from archive.models import Record
from archive.selectors import record_for_source
from archive.services import fileplan
from archive.services import records as archive
from workflows.selectors import transition_log_for_many

from .choices import AttachmentKind, DeliveryState
from .models import Attachment, Delivery, Disposition, Letter, RecordSplitPending
from .pdf.sheet import disposition_sheet_pdf
from .selectors import disposition_tree_of_delivery

FALLBACK_CODE = "000"
AUDIT_HEADER = ["waktu", "objek", "tindakan", "dari", "ke", "oleh", "jabatan", "catatan", "hash"]


def thread_key(letter: Letter) -> str:
    """The key of a letter's reply thread: its root letter."""
    seen = set()
    root = letter
    while root.reply_to_id and root.reply_to_id not in seen:
        seen.add(root.pk)
        root = Letter.objects.only("pk", "reply_to_id").get(pk=root.reply_to_id)
    return f"letter:{root.pk}"


def _code_for(letter: Letter, tenant_id: int) -> tuple[str, str]:
    """The letter's own code if the tenant's file plan has it, else its nearest parent, else
    "000" (with a note for the archivist)."""
    code = (letter.classification_code or "").strip()
    candidate = code
    while candidate:
        if archive.classification_exists(tenant_id, candidate):
            note = "" if candidate == code else f"Kode klasifikasi surat: {code}. Periksa kembali."
            return candidate, note
        candidate = candidate.rsplit(".", 1)[0] if "." in candidate else ""
    return FALLBACK_CODE, f"Kode klasifikasi surat: {code or '-'}. Periksa kembali."


def _audit_csv(rows: list[tuple[str, object, bool]], tz: ZoneInfo) -> bytes:
    """Transition rows `(object kind, row, with its note)` as CSV, oldest first, in the
    tenant's time."""
    rows = sorted(rows, key=lambda x: (x[1].created_at, x[1].pk))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_HEADER)
    for kind, r, with_note in rows:
        writer.writerow(
            [
                timezone.localtime(r.created_at, tz).isoformat(timespec="seconds"),
                f"{kind}:{r.object_id}",
                r.action,
                r.source,
                r.target,
                r.actor.get_full_name() if r.actor else "",
                str(r.acting_position or ""),
                r.note if with_note else "",
                r.hash,
            ]
        )
    return out.getvalue().encode("utf-8")


def _rows(model, ids: list[int], *, notes: bool) -> list[tuple[str, object, bool]]:
    kind = model._meta.model_name
    return [(kind, r, notes) for r in transition_log_for_many(model, ids)]


def sender_audit_csv(letter: Letter) -> bytes:
    """The sender's trail: every transition of the letter, and when each delivery was
    delivered, read, finished or retracted (without a note of the receiving side)."""
    deliveries = list(Delivery.objects.filter(letter=letter).values_list("pk", flat=True))
    rows = _rows(Letter, [letter.pk], notes=True) + _rows(Delivery, deliveries, notes=False)
    return _audit_csv(rows, ZoneInfo(letter.tenant.time_zone))


def delivery_audit_csv(delivery: Delivery) -> bytes:
    """A receiving unit's trail: its delivery's transitions and its dispositions', notes
    included (they are that unit's own)."""
    dispositions = list(Disposition.objects.filter(delivery=delivery).values_list("pk", flat=True))
    rows = _rows(Delivery, [delivery.pk], notes=True)
    rows += _rows(Disposition, dispositions, notes=True)
    return _audit_csv(rows, ZoneInfo(delivery.tenant.time_zone))


def _slug(letter: Letter) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", letter.number or f"surat-{letter.pk}").strip("-")


def _letter_files(letter: Letter) -> list[archive.FileSpec]:
    """The letter itself: its signed PDF (or, registered from paper, its scan) and files."""
    files: list[archive.FileSpec] = []
    if letter.pdf:
        with letter.pdf.open("rb") as fh:
            files.append(
                archive.FileSpec(
                    f"{_slug(letter)}.pdf", fh.read(), "application/pdf", FileKind.MAIN
                )
            )
    attachments = list(Attachment.objects.filter(letter=letter).order_by("id"))
    # A registered scan's searchable copy goes with the scan (the archive's OCR copy of it).
    ocr = next((a for a in attachments if a.kind == AttachmentKind.OCR), None)
    scan = next((a for a in attachments if a.kind == AttachmentKind.SCAN), None)
    for att in attachments:
        if att is ocr and scan is not None:
            continue
        with att.file.open("rb") as fh:
            content = fh.read()
        copy = b""
        if att is scan and ocr is not None:
            with ocr.file.open("rb") as fh:
                copy = fh.read()
        kind = FileKind.MAIN if not letter.pdf and att.kind == "scan" else FileKind.ATTACHMENT
        files.append(
            archive.FileSpec(att.original_name, content, att.content_type, kind, ocr_copy=copy)
        )
    return files


def sender_files(letter: Letter) -> list[archive.FileSpec]:
    """The files of the sender's record."""
    return [
        *_letter_files(letter),
        archive.FileSpec(
            f"jejak-audit-{_slug(letter)}.csv", sender_audit_csv(letter), "text/csv", FileKind.AUDIT
        ),
    ]


def delivery_generated_files(delivery: Delivery) -> list[archive.FileSpec]:
    """What a receiving unit's record adds to the letter: its disposition sheet, the reports
    its people attached, and its trail."""
    letter = delivery.letter
    agenda = (delivery.agenda_number or str(delivery.pk)).replace("/", "-")
    tree = disposition_tree_of_delivery(delivery)
    files = [
        archive.FileSpec(
            f"disposisi-{agenda}.pdf",
            disposition_sheet_pdf(delivery, tree=tree),
            "application/pdf",
            FileKind.DISPOSITION,
        )
    ]
    for d in Disposition.objects.filter(delivery=delivery).exclude(report_file="").order_by("id"):
        with d.report_file.open("rb") as fh:
            name = d.report_file_name or d.report_file.name.rsplit("/", 1)[-1]
            files.append(
                archive.FileSpec(name, fh.read(), _content_type(name), FileKind.ATTACHMENT)
            )
    files.append(
        archive.FileSpec(
            f"jejak-audit-{_slug(letter)}-agenda-{agenda}.csv",
            delivery_audit_csv(delivery),
            "text/csv",
            FileKind.AUDIT,
        )
    )
    return files


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def letter_file(letter: Letter, *, by=None) -> Record | None:
    """File the sender's record of a finished outgoing letter (once; a second call returns
    the same record). A letter registered from paper has no sender's side here: its record is
    its receiving unit's (`delivery_file`)."""
    letter = Letter.objects.select_related("tenant", "unit", "number_unit").get(pk=letter.pk)
    if letter.is_incoming:
        return None
    filed = record_for_source(letter)
    if filed is not None:  # filed already: nothing to render again
        return filed
    fileplan.file_plan_ensure_default(letter.tenant)
    code, note = _code_for(letter, letter.tenant_id)
    tz = ZoneInfo(letter.tenant.time_zone)
    when = letter.signed_at or letter.sent_at or letter.created_at
    with transaction.atomic():
        return archive.record_file_from_source(
            source=letter,
            classification_code=code,
            unit=letter.number_unit or letter.unit,
            title=letter.subject,
            document_date=timezone.localtime(when, tz).date(),
            security=letter.security,
            files=sender_files(letter),
            by=by,
            number=letter.number,
            sender=letter.unit.name,
            description="\n".join(p for p in (letter.summary, note) if p),
            body=letter.body,
            thread_key=thread_key(letter),
            source_url=reverse("correspondence:letter", args=[letter.pk]),
        )


def delivery_file(delivery: Delivery, *, by=None) -> Record | None:
    """File a receiving unit's record of a letter it finished (once). A retracted delivery
    is not filed: the letter never stayed with that unit."""
    delivery = Delivery.objects.select_related(
        "tenant", "unit", "letter__tenant", "letter__unit", "letter__unit__tenant"
    ).get(pk=delivery.pk)
    if delivery.state == DeliveryState.RETRACTED:
        return None
    filed = record_for_source(delivery)
    if filed is not None:  # filed already (its own task, or the letter's): nothing to redo
        return filed
    letter = delivery.letter
    tenant = delivery.tenant
    fileplan.file_plan_ensure_default(tenant)
    code, note = _code_for(letter, tenant.pk)
    tz = ZoneInfo(tenant.time_zone)
    if letter.is_incoming:
        document_date = letter.sender_date or timezone.localtime(delivery.delivered_at, tz).date()
        sender, number = letter.sender_name, letter.sender_number
    else:
        when = letter.signed_at or letter.sent_at or delivery.delivered_at
        document_date = timezone.localtime(when, tz).date()
        own = letter.tenant_id == tenant.pk
        sender = letter.unit.name if own else f"{letter.unit.name} ({letter.tenant.name})"
        number = letter.number
    agenda = f"Nomor agenda {delivery.agenda_number}." if delivery.agenda_number else ""
    with transaction.atomic():
        return archive.record_file_from_source(
            source=delivery,
            classification_code=code,
            unit=delivery.unit,
            title=letter.subject,
            document_date=document_date,
            security=delivery.security,
            files=[*_letter_files(letter), *delivery_generated_files(delivery)],
            by=by,
            number=number,
            sender=sender,
            description="\n".join(p for p in (letter.summary, agenda, note) if p),
            body=letter.body,
            thread_key=thread_key(letter),
            source_url=reverse("correspondence:letter", args=[letter.pk]),
        )


def letter_files_all(letter: Letter, *, by=None) -> list[Record]:
    """File every side of a finished letter: the sender's record and each finished
    delivery's. A letter registered from paper is closed by its receiving unit, which files
    its deliveries whatever their state."""
    made = [letter_file(letter, by=by)]
    deliveries = Delivery.objects.filter(letter_id=letter.pk).exclude(state=DeliveryState.RETRACTED)
    if not letter.is_incoming:
        deliveries = deliveries.filter(state=DeliveryState.DONE)
    for d in deliveries.order_by("pk"):
        made.append(delivery_file(d, by=by))
    return [r for r in made if r is not None]


def records_split_sides(*, by=None, record_ids: list[int] | None = None) -> dict[str, int]:
    """Bring records filed before records were kept per side into today's shape (idempotent):
    an outgoing letter's record keeps the letter and the sender's trail only, and each of its
    finished deliveries gets its receiving unit's record; a letter registered from paper
    becomes its receiving unit's record. Disposition sheets and trails that named every unit
    are deleted and made anew for the side that owns them. A record already disposed of, or
    under a legal hold, is left as it is (and so is its letter's other sides): run this again
    once the hold is released. Returns counts, and `left` the ids of the records left."""
    counts = {"sender records corrected": 0, "receiving records made": 0, "records moved": 0}
    left: list[int] = []
    letter_ct = ContentType.objects.get_for_model(Letter)
    records = Record.objects.filter(source_type=letter_ct).order_by("pk")
    if record_ids is not None:
        records = records.filter(pk__in=record_ids)
    on_hold = set(Record.objects.on_hold().values_list("pk", flat=True))
    for record in records.iterator():
        letter = Letter.objects.filter(pk=record.source_id).select_related("tenant").first()
        if letter is None:
            continue
        if record.state not in RecordState.held() or record.pk in on_hold:
            left.append(record.pk)
            continue
        with transaction.atomic():
            if letter.is_incoming:
                counts["records moved"] += _incoming_record_move(record, letter, by)
            else:
                corrected, made = _sender_record_split(record, letter, by)
                counts["sender records corrected"] += corrected
                counts["receiving records made"] += made
    counts["left as they are (disposed of or on hold)"] = len(left)
    return counts | {"left": left}


def _incoming_record_move(record: Record, letter: Letter, by) -> int:
    """A letter registered from paper: its record becomes its receiving unit's (its first
    delivery's); returns 1 if moved."""
    delivery = (
        Delivery.objects.filter(letter=letter)
        .exclude(state=DeliveryState.RETRACTED)
        .order_by("pk")
        .first()
    )
    if delivery is None:
        return 0
    archive.record_source_move(
        record=record, source=delivery, by=by, unit=delivery.unit, security=delivery.security
    )
    archive.record_files_regenerate(
        record=record,
        kinds=[FileKind.DISPOSITION, FileKind.AUDIT],
        files=delivery_generated_files(delivery),
        by=by,
    )
    return 1


def _sender_record_split(record: Record, letter: Letter, by) -> tuple[int, int]:
    """An outgoing letter: its record keeps the sender's trail only, and each finished delivery
    gets its own record; returns (records corrected, records made)."""
    corrected = made = 0
    # The sheets named every receiving unit; the old trail held their notes.
    audit = [f for f in sender_files(letter) if f.kind == FileKind.AUDIT]
    trail = set(record.files.filter(kind=FileKind.AUDIT).values_list("sha256", flat=True))
    sheets = record.files.filter(kind=FileKind.DISPOSITION).exists()
    if sheets or trail != {archive.sha256_of(f.content) for f in audit}:
        archive.record_files_regenerate(
            record=record, kinds=[FileKind.DISPOSITION, FileKind.AUDIT], files=audit, by=by
        )
        corrected = 1
    delivery_ct = ContentType.objects.get_for_model(Delivery)
    for d in Delivery.objects.filter(letter=letter, state=DeliveryState.DONE):
        if not Record.objects.filter(source_type=delivery_ct, source_id=d.pk).exists():
            delivery_file(d, by=by)
            made += 1
    return corrected, made


def records_split_pending() -> dict[str, int] | None:
    """After `migrate`: split the records migration 0010 found filed the old way (with the code
    of today, whatever migrations came after it), and forget those done. None when there were
    none."""
    pending = list(RecordSplitPending.objects.values_list("record_id", flat=True))
    if not pending:
        return None
    counts = records_split_sides(record_ids=pending)
    RecordSplitPending.objects.exclude(record_id__in=counts["left"]).delete()
    return counts
