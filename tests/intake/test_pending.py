"""Pending incoming letters: a scan goes in, is read in the background, and the clerk confirms
the pre-filled fields (or discards it)."""

import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from core.ocr import OcrResult, ocr_available
from correspondence.choices import AttachmentKind
from correspondence.models import Delivery, Letter
from intake import services as svc
from intake.choices import IntakeSource, IntakeState, OcrState
from intake.models import PendingIncoming
from intake.services import reading
from tests.conftest import client_for
from tests.correspondence.helpers import PDF

FONT = "core/fonts/DejaVuSerif.ttf"
NOW = "2026-03-10 02:00:00+00:00"
SUBJECT = "Permohonan Data Kependudukan Triwulan"


def scan_png(lines: list[str]) -> bytes:
    """A page of text as a 200 dpi greyscale scan (A4)."""
    img = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 34)
    y = 160
    for line in lines:
        draw.text((160, y), line, fill=0, font=font)
        y += 60
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(200, 200))
    return out.getvalue()


LETTER = [
    "PEMERINTAH KOTA BINJAI",
    "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL",
    "",
    "Nomor    : 470/215/Disdukcapil/2026",
    "Sifat    : Biasa",
    "Lampiran : -",
    f"Hal      : {SUBJECT}",
    "",
    "Binjai, 2 Maret 2026",
]


def upload(world, data=None, name="scan.png", kind="image/png"):
    return svc.pending_create(
        unit=world.units["kominfo"],
        upload=SimpleUploadedFile(name, data or scan_png(LETTER), content_type=kind),
        source=IntakeSource.UPLOAD,
        by=world.clerk,
    )


def read_as(row, fields, suggestions=()):
    PendingIncoming.objects.filter(pk=row.pk).update(
        ocr_state=OcrState.DONE, fields_read=fields, suggestions=list(suggestions)
    )
    row.refresh_from_db()
    return row


FIELDS = {
    "number": {"value": "470/215/Disdukcapil/2026", "confidence": 0.97},
    "date": {"value": "2026-03-02", "confidence": 0.95},
    "subject": {"value": SUBJECT, "confidence": 0.93},
    "sender": {"value": "Dinas Kependudukan Kota Binjai", "confidence": 0.6},
    "security": {"value": "biasa", "confidence": 0.9},
}


def register_form(row, **over):
    data = {
        "unit": row.unit_id,
        "sender_name": "Dinas Kependudukan dan Pencatatan Sipil Kota Binjai",
        "sender_number": "470/215/Disdukcapil/2026",
        "sender_date": "2026-03-02",
        "received_date": "2026-03-09",
        "subject": SUBJECT,
        "security": "biasa",
        "urgency": "biasa",
        "classification_code": "",
    }
    return {**data, **over}


@time_machine.travel(NOW, tick=False)
def test_upload_page_creates_a_pending_letter_and_queues_its_reading(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(reading, "pending_read", lambda pk: queued.append(pk))
    c = client_for(world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            reverse("intake:list"),
            {
                "unit": world.units["kominfo"].pk,
                "scans": [
                    SimpleUploadedFile("surat.png", scan_png(LETTER), content_type="image/png")
                ],
            },
        )
    row = PendingIncoming.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("intake:pending", args=[row.pk])
    assert (row.state, row.ocr_state, row.source) == ("pending", "queued", "upload")
    assert row.created_by == world.clerk and len(row.sha256) == 64
    assert queued == [row.pk]  # the reading is queued with the commit
    page = c.get(reverse("intake:pending", args=[row.pk]))
    assert b'data-testid="ocr-progress"' in page.content and b"every 2s" in page.content


def test_a_bad_upload_is_refused_and_nothing_is_kept(world):
    c = client_for(world.clerk)
    r = c.post(
        reverse("intake:list"),
        {
            "unit": world.units["kominfo"].pk,
            "scans": [
                SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("b.pdf", b"%PDF-1.4 not really", content_type="application/pdf"),
            ],
        },
    )
    assert r.status_code == 200 and b"b.pdf" in r.content
    assert not PendingIncoming.objects.exists()  # both or neither


@pytest.mark.parametrize(
    "who", ["drafter", "head", "bappeda_clerk", "colleague", "wita_drafter", "archivist"]
)
def test_only_the_units_clerks_see_or_handle_a_pending_letter(world, who):
    row = upload(world)
    c = client_for(getattr(world, who))
    assert c.get(reverse("intake:pending", args=[row.pk])).status_code == 404
    assert c.get(reverse("intake:progress", args=[row.pk])).status_code == 404
    assert c.get(reverse("intake:file", args=[row.pk, "original"])).status_code == 404
    assert c.post(reverse("intake:discard", args=[row.pk]), {"reason": "x"}).status_code == 404
    assert c.post(reverse("intake:pending", args=[row.pk]), register_form(row)).status_code == 404
    row.refresh_from_db()
    assert row.state == IntakeState.PENDING


def test_the_list_is_only_for_register_keepers(world):
    assert client_for(world.drafter).get(reverse("intake:list")).status_code == 404
    assert client_for(world.clerk).get(reverse("intake:list")).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_the_form_is_prefilled_with_confidence_and_suggestions(world):
    row = read_as(upload(world), FIELDS, [{"code": "470", "title": "Kependudukan", "score": 1.0}])
    page = client_for(world.clerk).get(reverse("intake:pending", args=[row.pk])).content.decode()
    assert 'value="470/215/Disdukcapil/2026"' in page and f'value="{SUBJECT}"' in page
    assert 'value="2026-03-02"' in page and 'value="2026-03-10"' in page  # received: today
    assert 'data-testid="confidence-sender_number"' in page
    sender = page.split('data-testid="confidence-sender_name"')[0].rsplit("<span", 1)[1]
    assert "amber" in sender  # 0.6: "check"
    assert 'data-testid="confidence-urgency"' in page  # not found: said so
    assert 'data-code="470"' in page


@time_machine.travel(NOW, tick=False)
def test_registering_files_the_scan_the_ocr_copy_and_keeps_the_corrections(world):
    row = upload(world)
    pdf = PDF
    PendingIncoming.objects.filter(pk=row.pk).update(ocr_state=OcrState.DONE, fields_read=FIELDS)
    row.refresh_from_db()
    from django.core.files.base import ContentFile

    row.ocr_pdf.save("x.pdf", ContentFile(pdf))
    c = client_for(world.clerk)
    form = register_form(row, subject=SUBJECT + " 2026")
    r = c.post(reverse("intake:pending", args=[row.pk]), form)
    assert r.status_code == 302
    letter = Letter.objects.get()
    assert r["Location"] == reverse("correspondence:letter", args=[letter.pk])
    assert letter.is_incoming and letter.sender_number == "470/215/Disdukcapil/2026"
    kinds = sorted(letter.attachments.values_list("kind", flat=True))
    assert kinds == sorted([AttachmentKind.SCAN, AttachmentKind.OCR])
    scan = letter.attachments.get(kind=AttachmentKind.SCAN)
    assert scan.sha256 == row.sha256  # the original, unchanged
    row.refresh_from_db()
    assert row.state == IntakeState.REGISTERED and row.letter == letter
    assert row.corrections["number"]["same"] is True
    assert row.corrections["subject"] == {
        "read": SUBJECT,
        "final": SUBJECT + " 2026",
        "same": False,
    }
    assert row.corrections["urgency"]["read"] is None
    # A second submit (double click, a second clerk) registers nothing more.
    again = c.post(reverse("intake:pending", args=[row.pk]), form, follow=True)
    assert again.status_code == 200 and Letter.objects.count() == 1
    assert Delivery.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_discard_needs_a_reason_and_closes_it(world):
    row = upload(world)
    c = client_for(world.clerk)
    c.post(reverse("intake:discard", args=[row.pk]), {"reason": "  "})
    row.refresh_from_db()
    assert row.state == IntakeState.PENDING
    c.post(reverse("intake:discard", args=[row.pk]), {"reason": "Duplikat"})
    row.refresh_from_db()
    assert (row.state, row.note, row.closed_by) == ("discarded", "Duplikat", world.clerk)
    assert c.post(reverse("intake:pending", args=[row.pk]), register_form(row)).status_code == 302
    assert not Letter.objects.exists()


def test_a_failed_reading_leaves_the_letter_usable(world, monkeypatch):
    row = upload(world)
    monkeypatch.setattr(reading, "ocr", lambda data, **kw: OcrResult(b"", "", 0, "timeout", 300.0))
    assert svc.pending_read(row.pk) == OcrState.FAILED
    row.refresh_from_db()
    assert (row.ocr_state, row.ocr_error, row.fields_read) == ("failed", "timeout", {})
    c = client_for(world.clerk)
    page = c.get(reverse("intake:pending", args=[row.pk]))
    assert b'data-testid="ocr-failed"' in page.content and b"timeout" in page.content
    with time_machine.travel(NOW, tick=False):
        assert (
            c.post(reverse("intake:pending", args=[row.pk]), register_form(row)).status_code == 302
        )
    assert Letter.objects.get().subject == SUBJECT


def test_progress_is_written_while_reading_and_the_page_reloads_when_done(world, monkeypatch):
    row = upload(world)
    seen = []

    def fake(data, *, content_type, progress=None, **kw):
        progress(1, 2)
        seen.append(PendingIncoming.objects.values_list("ocr_state", "ocr_done", "ocr_total").get())
        return OcrResult(PDF, "Nomor: 1/2/2026\nHal: Uji", 2, "", 1.0)

    monkeypatch.setattr(reading, "ocr", fake)
    c = client_for(world.clerk)
    svc.pending_read(row.pk)
    assert seen == [("running", 1, 2)]
    row.refresh_from_db()
    assert (row.ocr_state, row.ocr_done, row.ocr_total, row.ocr_percent) == ("done", 2, 2, 100)
    assert row.ocr_pdf and row.text.startswith("Nomor")
    r = c.get(reverse("intake:progress", args=[row.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 286 or r.headers.get("HX-Refresh") == "true"
    assert svc.pending_read(row.pk) == OcrState.DONE  # a second run changes nothing


def test_a_born_digital_pdf_is_read_from_its_own_text(world, monkeypatch):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for i, line in enumerate(LETTER):
        page.drawString(70, 780 - 18 * i, line)
    page.save()
    monkeypatch.setattr(reading, "ocr", lambda *a, **k: pytest.fail("no OCR needed"))
    row = upload(world, out.getvalue(), "surat.pdf", "application/pdf")
    assert svc.pending_read(row.pk) == OcrState.SKIPPED
    row.refresh_from_db()
    assert SUBJECT in row.text and not row.ocr_pdf


@pytest.mark.skipif(not ocr_available(), reason="Tesseract with the Indonesian model is missing")
def test_a_real_scan_is_read_into_a_searchable_pdfa(world):
    row = upload(world)
    assert svc.pending_read(row.pk) == OcrState.DONE
    row.refresh_from_db()
    assert SUBJECT in " ".join(row.text.split())
    assert row.ocr_pdfa and row.ocr_total == 1 and row.ocr_seconds > 0
    with row.ocr_pdf.open("rb") as fh:
        from pypdf import PdfReader

        reader = PdfReader(fh)
        assert "Kependudukan" in reader.pages[0].extract_text()
        assert b"pdfaid:part" in json.dumps(str(reader.xmp_metadata.stream.get_data())).encode()


@pytest.mark.skipif(not ocr_available(), reason="Tesseract with the Indonesian model is missing")
@time_machine.travel(NOW, tick=False)
def test_a_registered_scan_is_found_by_archive_search_without_a_second_ocr(world, monkeypatch):
    from archive.choices import TextSource, TextState
    from archive.search import record_search
    from archive.services import text as text_svc
    from correspondence import services as letters
    from correspondence.archiving import delivery_file
    from tests.archive.helpers import archive_setup

    archive_setup(world)
    row = upload(world, scan_png([*LETTER, "", "Mohon data Kelurahan Tanjungrejo"]))
    svc.pending_read(row.pk)
    c = client_for(world.clerk)
    assert c.post(reverse("intake:pending", args=[row.pk]), register_form(row)).status_code == 302
    delivery = Delivery.objects.get()
    letters.letter_opened(letter=delivery.letter, by=world.head)
    letters.delivery_finish(delivery=delivery, by=world.head)
    record = delivery_file(delivery)
    scan = record.files.get(name="scan.png")
    assert scan.ocr_file and scan.sha256 == row.sha256  # the original and its copy, together
    assert not record.files.filter(name__startswith="ocr-").exists()  # not a second file
    monkeypatch.setattr(text_svc, "_ocr", lambda *a, **k: pytest.fail("read twice"))
    text_svc.files_text_extract(list(record.files.values_list("pk", flat=True)))
    scan.refresh_from_db()
    assert (scan.text_state, scan.text_source) == (TextState.DONE, TextSource.OCR)
    hits = record_search(user=world.archivist, text="Tanjungrejo").hits
    assert [h.record.pk for h in hits] == [record.pk]


@time_machine.travel(NOW, tick=False)
def test_the_clerks_corrections_give_the_readings_accuracy(world):
    from intake.selectors import reading_accuracy

    c = client_for(world.clerk)
    for subject in (SUBJECT, SUBJECT, "Lain"):
        row = read_as(upload(world), FIELDS)
        c.post(reverse("intake:pending", args=[row.pk]), register_form(row, subject=subject))
    figures = reading_accuracy(world.tenant.pk)
    assert figures["subject"] == {"read": 3, "kept": 2}
    assert figures["number"] == {"read": 3, "kept": 3}
    assert figures["urgency"] == {"read": 0, "kept": 0}  # never read: not counted
    page = c.get(reverse("intake:list")).content.decode()
    assert 'data-testid="reading-accuracy"' in page and "2 / 3" in page
    assert reading_accuracy(world.other_tenant.pk)["subject"] == {"read": 0, "kept": 0}
