"""Records filed before records were kept per side are brought into shape by
`records_split_sides` (run once by migration correspondence/0010, and as a command): the
sender's record loses the sheets and notes of every receiving unit, each finished delivery
gets its own record, a letter registered from paper becomes its receiving unit's record."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from archive.choices import FileKind
from archive.models import Record
from archive.selectors import record_for_source
from archive.services import disposal
from archive.services import records as archive
from correspondence import services as svc
from correspondence.archiving import records_split_pending, records_split_sides, thread_key
from correspondence.models import Delivery, Letter, RecordSplitPending
from correspondence.pdf.sheet import disposition_sheet_pdf
from correspondence.selectors import disposition_tree_of_delivery
from tests.correspondence.helpers import delivery_to, sent
from workflows.selectors import transition_log_for

from .helpers import archive_setup, pdf_with_text

pytestmark = pytest.mark.django_db


def _old_style_file(letter: Letter) -> Record:
    """File a letter as before: every delivery's sheet and every note in one record."""
    files = []
    if letter.pdf:
        files.append(
            archive.FileSpec(
                "surat.pdf", letter.pdf.open("rb").read(), "application/pdf", FileKind.MAIN
            )
        )
    for att in letter.attachments.all():
        kind = FileKind.MAIN if not letter.pdf else FileKind.ATTACHMENT
        files.append(
            archive.FileSpec(att.original_name, att.file.open("rb").read(), att.content_type, kind)
        )
    notes = []
    for d in Delivery.objects.filter(letter=letter):
        files.append(
            archive.FileSpec(
                f"disposisi-{d.pk}.pdf",
                disposition_sheet_pdf(d, tree=disposition_tree_of_delivery(d)),
                "application/pdf",
                FileKind.DISPOSITION,
            )
        )
        notes += [x.note for x in d.dispositions.all()]
    files.append(
        archive.FileSpec(
            "jejak.csv", ("catatan\n" + "\n".join(notes)).encode(), "text/csv", FileKind.AUDIT
        )
    )
    return archive.record_file_from_source(
        source=letter,
        classification_code="000.1",
        unit=letter.unit,
        title=letter.subject,
        document_date=dt.date(2026, 1, 5),
        security=letter.security,
        files=files,
        thread_key=thread_key(letter),
    )


def _text(row) -> str:
    data = row.file.open("rb").read()
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        data = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).encode()
    return " ".join(data.decode().split())


def test_old_records_are_split_per_side_once(world):
    """The split of records filed before sides existed, end to end (over 60 lines): the
    sender's, a paper letter's and a held record are split by one run and each is checked
    after it; then a second run changes nothing."""
    archive_setup(world)
    letter = sent(world, to=("bappeda", "dinkes"), classification_code="000.1")
    for unit, head, post in (
        ("bappeda", world.bappeda_head, "perencana"),
        ("dinkes", world.dinkes_head, "staf_dinkes"),
    ):
        delivery = delivery_to(letter, world, unit)
        svc.disposition_create(
            delivery=delivery,
            by=head,
            to_positions=[world.positions[post]],
            instructions=["pelajari"],
            note=f"Catatan {unit}",
        )
        if unit == "bappeda":
            svc.delivery_finish(delivery=delivery, by=head)
    scan = SimpleUploadedFile("scan.pdf", pdf_with_text("Surat kertas"), "application/pdf")
    incoming = svc.incoming_register(
        unit=world.units["kominfo"],
        by=world.clerk,
        sender_name="PT Pos",
        subject="Surat kertas",
        received_date=svc.tenant_today(world.tenant),
        scan=scan,
    )
    old = _old_style_file(Letter.objects.get(pk=letter.pk))
    old_incoming = _old_style_file(incoming.letter)
    assert old.files.filter(kind=FileKind.DISPOSITION).count() == 2

    # a third letter's record is under a legal hold: it is left exactly as it is
    held_letter = sent(world, to=("dinkes",), classification_code="000.1")
    held = _old_style_file(Letter.objects.get(pk=held_letter.pk))
    disposal.hold_place(
        tenant=world.tenant,
        title="Perkara",
        reason="Pemeriksaan BPK",
        records=[held],
        by=world.archivist,
    )
    held_files = sorted(held.files.values_list("sha256", flat=True))
    RecordSplitPending.objects.bulk_create(
        [RecordSplitPending(record_id=r.pk) for r in (old, old_incoming, held)]
    )

    counts = records_split_pending()  # what runs after `migrate`

    assert counts == {
        "sender records corrected": 1,
        "receiving records made": 1,
        "records moved": 1,
        "left as they are (disposed of or on hold)": 1,
        "left": [held.pk],
    }
    assert sorted(held.files.values_list("sha256", flat=True)) == held_files
    # only the held record stays pending, for a run after its hold is released
    assert list(RecordSplitPending.objects.values_list("record_id", flat=True)) == [held.pk]
    # the sender's record: no sheet, and a trail without any unit's note
    old = Record.objects.get(pk=old.pk)
    assert not old.files.filter(kind=FileKind.DISPOSITION).exists()
    trail = _text(old.files.get(kind=FileKind.AUDIT))
    assert "Catatan" not in trail
    rows = list(csv.reader(io.StringIO(old.files.get(kind=FileKind.AUDIT).file.read().decode())))
    assert "letter.sent" in [r[2] for r in rows[1:]]
    assert old.files.get(kind=FileKind.MAIN).sha256 == Letter.objects.get(pk=letter.pk).pdf_sha256
    # Bappeda (finished) has its own record with only its note; Dinkes (open) none yet
    bappeda = record_for_source(delivery_to(letter, world, "bappeda"))
    assert bappeda is not None and bappeda.unit == world.units["bappeda"]
    texts = " ".join(_text(f) for f in bappeda.files.all())
    assert "Catatan bappeda" in texts and "Catatan dinkes" not in texts
    assert record_for_source(delivery_to(letter, world, "dinkes")) is None
    # the paper letter's record is now its receiving unit's
    old_incoming = Record.objects.get(pk=old_incoming.pk)
    assert old_incoming.source_type.model == "delivery" and old_incoming.source_id == incoming.pk
    # the old files' deletion is on each record's audit chain
    assert "record.files_regenerated" in [r.action for r in transition_log_for(old)]
    assert "record.source_moved" in [r.action for r in transition_log_for(old_incoming)]
    # and a second run changes nothing
    before = sorted(Record.objects.values_list("pk", "source_type_id", "source_id"))
    call_command("records_split_sides", verbosity=0)
    again = records_split_sides()
    assert again["left"] == [held.pk]  # still on hold
    assert again["sender records corrected"] == again["receiving records made"] == 0
    assert again["records moved"] == 0
    assert sorted(Record.objects.values_list("pk", "source_type_id", "source_id")) == before
