"""Every attachment searchable: DOCX, XLSX and OpenDocument text, OCR of scans (images and
PDFs without a text layer), zip bombs and damaged files refused with a reason, and search
results that say where the words matched.

The documents and the scan are generated here (python-docx, openpyxl, odfpy, Pillow). Runs on
both backends, like test_search.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from archive.choices import FileKind, TextSource, TextState
from archive.models import Record, RecordFile
from archive.search import record_search
from archive.services import records
from archive.services import text as text_svc
from archive.services.records import FileSpec
from archive.textread import file_kind, zip_refusal
from core.ocr import ocr_available
from tests.conftest import client_for

from .helpers import archive_setup, pdf_with_text, record

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
FONT = Path(__file__).resolve().parents[2] / "core" / "fonts" / "DejaVuSerif.ttf"
needs_ocr = pytest.mark.skipif(
    not ocr_available(), reason="OCR needs Tesseract with the Indonesian model (tesseract-ocr-ind)"
)


def docx_bytes(*paragraphs: str, cell: str = "") -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Notulen rapat", level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Uraian"
    table.cell(1, 1).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(*rows: list) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Rekap anggaran"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt_bytes(*paragraphs: str) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Laporan"))
    for p in paragraphs:
        document.text.addElement(P(text=p))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def scan_png(*lines: str) -> bytes:
    """A clean 200 dpi scan of a half page: black serif text, 14 pt, on white."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1400, 120 + 80 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 44)
    for i, line in enumerate(lines):
        draw.text((100, 60 + 80 * i), line, font=font, fill=0)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(200, 200))
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    """A DOCX-shaped ZIP whose document expands 20 MB from a few kilobytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (20 * 1024 * 1024))
    return out.getvalue()


@pytest.fixture
def w(world):
    """GIVEN the Medan file plan and a record of Kominfo with one text PDF."""
    archive_setup(world)
    world.rec = record(world, title="Berkas rapat", unit="kominfo", text="Pindaian arsip")
    return world


def add(w, name: str, content: bytes) -> RecordFile:
    """A file added to the record by the archivist, as an upload (checked by content)."""
    (row,) = records.record_files_add(
        record=w.rec, uploads=[SimpleUploadedFile(name, content)], by=w.archivist
    )
    return row


def handed(w, name: str, content: bytes, content_type: str) -> RecordFile:
    """A file handed to the archive by another app (no upload check: e-mail, generated)."""
    records.record_files_regenerate(
        record=w.rec,
        kinds=[FileKind.ATTACHMENT],
        files=[FileSpec(name, content, content_type, FileKind.ATTACHMENT)],
    )
    return RecordFile.objects.get(record=w.rec, kind=FileKind.ATTACHMENT)


def extracted(row: RecordFile) -> RecordFile:
    text_svc.files_text_extract([row.pk])
    return RecordFile.objects.get(pk=row.pk)


def where(w, words: str):
    """The search hit of the record for the words, with where they matched."""
    result = record_search(user=w.archivist, text=words)
    hits = [h for h in result.hits if h.record.pk == w.rec.pk]
    assert hits, f"{words!r} not found"
    return hits[0].where


# --- office documents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("notulen.docx", lambda word: docx_bytes("Rapat dibuka pukul 09.00.", cell=word)),
        ("rekap.xlsx", lambda word: xlsx_bytes(["Kegiatan", "Jumlah"], [word, 1500000.0])),
        ("laporan.odt", lambda word: odt_bytes(f"Kunjungan kerja ke {word} berjalan lancar.")),
    ],
)
def test_an_office_document_is_searchable_and_the_hit_names_the_file(w, name, make):
    # GIVEN a document whose only copy of a word is inside the file
    row = add(w, name, make("Sipisopiso"))
    assert Record.objects.filter(title__icontains="sipisopiso").count() == 0
    # WHEN the background task reads it
    row = extracted(row)
    # THEN the file has its text, from an office document, and search finds the record there
    assert (row.text_state, row.text_source) == (TextState.DONE, TextSource.OFFICE)
    assert "Sipisopiso" in row.text and row.text_error == ""
    hit = where(w, "Sipisopiso")
    assert not hit.details and not hit.body
    assert [(f.name, f.ocr) for f in hit.files] == [(name, False)]
    assert "<mark>Sipisopiso</mark>" in hit.files[0].snippet
    # AND the page and the API say so too
    client = client_for(w.archivist)
    page = client.get(reverse("archive:search"), {"q": "Sipisopiso"}).content.decode()
    assert 'data-testid="search-where-file"' in page and name in page
    api = client.get("/api/v1/archive/search/", {"q": "Sipisopiso"}).json()["results"][0]
    assert api["where"]["files"][0]["name"] == name and api["where"]["files"][0]["ocr"] is False


def test_spreadsheet_numbers_read_as_written(w):
    row = extracted(add(w, "anggaran.xlsx", xlsx_bytes(["Honor", 1500000.0, 2.5])))
    assert "Honor\t1500000\t2.5" in row.text or "Honor 1500000 2.5" in row.text


def test_words_in_the_title_and_in_a_file_are_both_reported(w):
    extracted(add(w, "notulen.docx", docx_bytes("Pembahasan anggaran rapat.")))
    hit = where(w, "rapat")
    assert hit.details and [f.name for f in hit.files] == ["notulen.docx"]


def test_a_handed_file_of_generic_type_is_read_by_its_name():
    assert file_kind("application/octet-stream", "Notulen.DOCX") == "docx"
    assert file_kind("application/pdf", "x.bin") == "pdf"
    assert file_kind("application/msword", "lama.doc") == ""


def test_an_opendocument_upload_is_accepted_by_content(w):
    row = add(w, "laporan.odt", odt_bytes("Isi laporan."))
    assert row.content_type == ODT
    with pytest.raises(Exception, match="does not contain what its extension"):
        add(w, "palsu.odt", docx_bytes("bukan ODT"))


# --- hostile and damaged files ---------------------------------------------------------------


def test_a_zip_bomb_is_refused_at_upload(w):
    with pytest.raises(Exception, match="zip bomb"):
        add(w, "bom.docx", zip_bomb_docx())


def test_a_zip_bomb_handed_to_the_archive_is_refused_before_parsing_and_the_record_stays(w):
    # GIVEN a bomb that reached the archive without an upload check (another app handed it)
    row = handed(w, "bom.docx", zip_bomb_docx(), DOCX)
    assert "zip bomb" in zip_refusal(zip_bomb_docx())
    # WHEN it is extracted
    row = extracted(row)
    # THEN it failed with the reason, and the record and its other files are as they were
    assert row.text_state == TextState.FAILED and "zip bomb" in row.text_error
    assert row.file and row.sha256
    rec = Record.objects.get(pk=w.rec.pk)
    assert rec.state == w.rec.state and rec.files.count() == 2
    page = client_for(w.archivist).get(reverse("archive:record", args=[rec.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("rusak.docx", b"PK\x03\x04 this is no zip at all" * 10, DOCX),
        ("rusak.xlsx", b"\x00\x01 not a workbook", XLSX),
        ("rusak.odt", b"<office:document/>", ODT),
    ],
)
def test_a_damaged_document_fails_cleanly(w, name, content, content_type):
    row = extracted(handed(w, name, content, content_type))
    assert row.text_state == TextState.FAILED and row.text_error.startswith("damaged")
    assert row.text == "" and not row.ocr_file


def test_a_docx_that_is_a_zip_of_something_else_fails_cleanly(w):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<not-closed")
    row = extracted(handed(w, "aneh.docx", out.getvalue(), DOCX))
    assert row.text_state == TextState.FAILED and "damaged" in row.text_error


def test_plain_text_without_nul_and_in_an_old_encoding(w):
    row = extracted(handed(w, "catatan.txt", "Catatan caf\xe9\x00 akhir".encode("cp1252"), ""))
    assert row.text_state == TextState.DONE and row.text == "Catatan caf\xe9 akhir"
    assert row.text_source == TextSource.TEXT


# --- OCR -------------------------------------------------------------------------------------


@needs_ocr
def test_a_scanned_image_is_read_by_ocr_and_found_with_the_file_marked_ocr(w):
    # GIVEN a scan whose words exist nowhere else
    row = add(w, "pindaian.png", scan_png("Undangan rapat di Kecamatan", "Sibolangit Medan"))
    original = (row.sha256, row.file.name, row.size)
    # WHEN the background task reads it
    row = extracted(row)
    # THEN its text came from OCR, the searchable copy is kept beside the untouched original
    assert (row.text_state, row.text_source) == (TextState.DONE, TextSource.OCR), row.text_error
    assert "Sibolangit" in row.text
    assert (row.sha256, row.file.name, row.size) == original
    assert row.ocr_file.name.startswith("archive/ocr/")
    with row.ocr_file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    # AND search finds the record and says the words are in that file, read by OCR
    hit = where(w, "Sibolangit")
    assert [(f.name, f.ocr) for f in hit.files] == [("pindaian.png", True)]
    page = client_for(w.archivist).get(reverse("archive:search"), {"q": "Sibolangit"})
    where_html = page.content.decode()
    assert "pindaian.png" in where_html and 'data-testid="search-where"' in where_html


@needs_ocr
def test_a_pdf_without_a_text_layer_is_read_by_ocr(w):
    from PIL import Image

    image = Image.open(io.BytesIO(scan_png("Sibolangit")))
    pdf = io.BytesIO()
    image.save(pdf, format="PDF", resolution=200)
    row = extracted(add(w, "pindaian.pdf", pdf.getvalue()))
    assert (row.text_state, row.text_source) == (TextState.DONE, TextSource.OCR), row.text_error
    assert "Sibolangit" in row.text and row.ocr_file


def test_a_pdf_with_its_own_text_is_not_read_by_ocr(w, monkeypatch):
    monkeypatch.setattr(text_svc, "_ocr", lambda *a, **k: pytest.fail("OCR of a text PDF"))
    row = extracted(add(w, "surat.pdf", pdf_with_text("Surat edaran tentang jam kerja")))
    assert (row.text_state, row.text_source) == (TextState.DONE, TextSource.TEXT)


@pytest.mark.parametrize(
    ("error", "says"),
    [("unavailable", "not available"), ("timeout", "too long"), ("damaged: X", "damaged: X")],
)
def test_a_failed_ocr_leaves_the_file_failed_with_the_reason(w, monkeypatch, error, says):
    from core.ocr import OcrResult

    monkeypatch.setattr("core.ocr.ocr", lambda *a, **k: OcrResult(b"", "", 0, error))
    row = extracted(add(w, "pindaian.png", scan_png("Sibolangit")))
    assert row.text_state == TextState.FAILED and says in row.text_error
    assert row.text_source == TextSource.OCR and not row.ocr_file
    assert Record.objects.get(pk=w.rec.pk).state == w.rec.state


def test_the_ocr_copy_leaves_storage_with_its_file_row(
    w, monkeypatch, django_capture_on_commit_callbacks
):
    from core.ocr import OcrResult

    pdf = pdf_with_text("salinan")
    monkeypatch.setattr("core.ocr.ocr", lambda *a, **k: OcrResult(pdf, "Sibolangit", 1, ""))
    row = extracted(add(w, "pindaian.png", scan_png("x")))
    storage, name = row.ocr_file.storage, row.ocr_file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        records.record_files_regenerate(record=w.rec, kinds=[FileKind.SCAN], files=[])
    assert not RecordFile.objects.filter(pk=row.pk).exists()
    assert not storage.exists(name)


def test_the_record_page_offers_the_ocr_copy_and_says_when_text_was_not_read(w, monkeypatch):
    from core.ocr import OcrResult

    copy = pdf_with_text("salinan")
    monkeypatch.setattr("core.ocr.ocr", lambda *a, **k: OcrResult(copy, "Sibolangit", 1, ""))
    scanned = extracted(add(w, "pindaian.png", scan_png("x")))
    extracted(handed(w, "rusak.docx", b"not a zip", DOCX))
    client = client_for(w.archivist)
    page = client.get(reverse("archive:record", args=[w.rec.pk])).content.decode()
    assert 'data-testid="ocr-copy"' in page and 'data-testid="text-failed"' in page
    got = client.get(reverse("archive:record-file-ocr", args=[w.rec.pk, scanned.pk]))
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert b"".join(got.streaming_content if got.streaming else [got.content]) == copy
    # a file without an OCR copy has none to give
    plain = RecordFile.objects.filter(record=w.rec, ocr_file="").first()
    missing = client.get(reverse("archive:record-file-ocr", args=[w.rec.pk, plain.pk]))
    assert missing.status_code == 404


def test_files_filed_before_they_could_be_read_are_read_again(w, monkeypatch):
    from django.core.management import call_command

    from core.ocr import OcrResult

    # GIVEN a scan whose OCR failed (Tesseract was not installed then)
    monkeypatch.setattr("core.ocr.ocr", lambda *a, **k: OcrResult(b"", "", 0, "unavailable"))
    scan = extracted(add(w, "pindaian.png", scan_png("x")))
    assert scan.text_state == TextState.FAILED
    # WHEN OCR is there and the files are queued again (the queue runs the task at once)
    copy = pdf_with_text("salinan")
    monkeypatch.setattr("core.ocr.ocr", lambda *a, **k: OcrResult(copy, "Sibolangit", 1, ""))
    monkeypatch.setattr(text_svc, "files_text_queue", text_svc.files_text_extract)
    call_command("records_text_reread", stdout=io.StringIO())  # skipped only: not this one
    assert RecordFile.objects.get(pk=scan.pk).text_state == TextState.FAILED
    out = io.StringIO()
    call_command("records_text_reread", "--failed", stdout=out)
    # THEN the scan is read and searchable
    scan = RecordFile.objects.get(pk=scan.pk)
    assert (scan.text_state, scan.text_source) == (TextState.DONE, TextSource.OCR)
    assert "files queued: 1" in out.getvalue()
    assert [f.name for f in where(w, "Sibolangit").files] == ["pindaian.png"]
