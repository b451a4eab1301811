"""core.pdfa: the finishing step every official PDF goes through (PDF/A-2b/3b), the checks it
is held to, and the archive's documents (berita acara pemusnahan, daftar arsip, berita acara
penyerahan) as PDF/A-2b."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from pypdf import PdfWriter
from reportlab.pdfgen.canvas import Canvas

from archive import pdf as archive_pdf
from core.pdfa import EmbeddedFile, pdfa_finish, pdfa_problems
from core.pdffonts import canvas_maker
from tests.pdfa import assert_pdfa

pytestmark = pytest.mark.clock_free  # builds bytes; decides nothing by the date

HEADING = archive_pdf.Heading(
    government="Pemerintah Kota Medan",
    unit="Dinas Perpustakaan dan Kearsipan",
    lines=["Jalan Iskandar Muda Nomor 270, Medan"],
)
ROWS = [
    archive_pdf.Row(
        code="000.1.2",
        number=f"{i}/000.1.2/KOMINFO/2014",
        title=f"Surat dinas inventarisasi aplikasi ke-{i}",
        date=dt.date(2014, 3, i),
        quantity=1,
        medium="paper",
        box="B-1",
        unit="Dinas Komunikasi dan Informatika",
    )
    for i in range(1, 6)
]
SIGNERS = [
    archive_pdf.Signer("Menyetujui, Kepala Dispusip", "Dra. Rina Siregar", "Kepala Dinas"),
    archive_pdf.Signer("Pelaksana", "Budi Hasibuan", "Arsiparis Ahli Muda"),
]
ARCHIVE_DOCUMENTS = {
    "disposal_report": lambda: archive_pdf.disposal_report_pdf(
        heading=HEADING,
        number="1/BA-PMS/2026",
        city="Medan",
        day=dt.date(2026, 11, 23),
        destroyed=ROWS[:3],
        permanent=ROWS[3:],
        approvers=SIGNERS[:1],
        executor=SIGNERS[1],
    ),
    "records_list": lambda: archive_pdf.records_list_pdf(
        heading=HEADING,
        title="Daftar Arsip Inaktif",
        number="2/DAI/2026",
        place_date="Medan, 23 November 2026",
        rows=ROWS,
        signers=SIGNERS,
    ),
    "handover_report": lambda: archive_pdf.handover_report_pdf(
        heading=HEADING,
        number="3/BA-SRH/2026",
        city="Medan",
        day=dt.date(2026, 11, 23),
        receiver="Dinas Perpustakaan dan Kearsipan Provinsi Sumatera Utara",
        rows=ROWS,
        signers=SIGNERS,
    ),
}


@pytest.mark.parametrize("name", sorted(ARCHIVE_DOCUMENTS))
def test_archive_documents_are_pdfa_2b(name):
    data = ARCHIVE_DOCUMENTS[name]()
    assert_pdfa(data, 2)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert str(pdf.docinfo.Title).startswith(("Berita Acara", "Daftar Arsip"))
        assert "/Subject" not in pdf.docinfo  # reportlab's "unspecified" is not kept


def _plain(text: str = "Halaman lampiran", *, embedded_font: bool = True) -> bytes:
    buffer = io.BytesIO()
    canvas = (canvas_maker if embedded_font else Canvas)(buffer)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_embedded_files_are_associated_files_with_size_checksum_and_date():
    docx = b"PK\x03\x04" + bytes(range(256)) * 40
    when = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
    files = [
        EmbeddedFile("Notulen rapat.docx", docx, "application/msword", when),
        EmbeddedFile("Notulen rapat.docx", b"second", "text/plain", when),  # same name twice
    ]
    data = pdfa_finish(_plain(), part=3, info={"Title": "Surat"}, files=files)
    assert_pdfa(data, 3)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        specs = list(pdf.Root.AF)
        assert len(specs) == 2 and len(pdf.attachments) == 2
        first = specs[0]
        assert first.AFRelationship == Name.Supplement and str(first.UF) == "Notulen rapat.docx"
        stream = first.EF.F
        assert stream.Subtype == Name("/application/msword")
        assert int(stream.Params.Size) == len(docx)
        assert bytes(stream.Params.CheckSum) == hashlib.md5(docx).digest()
        assert str(stream.Params.ModDate).startswith("D:20261120083000")
        assert stream.read_bytes() == docx
        assert set(pdf.attachments) == {"Notulen rapat.docx", "Notulen rapat.docx (2)"}


def test_embedded_files_need_part_3():
    when = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        pdfa_finish(_plain(), part=2, files=[EmbeddedFile("a.txt", b"a", "text/plain", when)])


def test_forbidden_actions_of_a_merged_document_are_removed():
    with pikepdf.open(io.BytesIO(_plain())) as pdf:
        js = Dictionary(S=Name.JavaScript, JS=String("app.alert(1)"))
        pdf.Root.OpenAction = js
        pdf.Root.AA = Dictionary(WC=js)
        page = pdf.pages[0].obj
        page.AA = Dictionary(O=js)
        launch = Dictionary(S=Name.Launch, F=String("calc.exe"))
        uri = Dictionary(S=Name.URI, URI=String("https://example.go.id"))
        page.Annots = Array(
            [
                Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 10, 10], A=launch),
                Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 20, 10, 30], A=uri),
            ]
        )
        out = io.BytesIO()
        pdf.save(out)
    hostile = out.getvalue()
    assert any(p.startswith("actions:") for p in pdfa_problems(hostile))
    data = pdfa_finish(hostile, part=2)
    assert_pdfa(data, 2)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        annots = pdf.pages[0].obj.Annots
        assert "/A" not in annots[0] and annots[1].A.S == Name.URI  # a link stays a link
        assert all(int(a.F) & 4 for a in annots)  # printed


def test_the_checks_name_what_keeps_a_plain_pdf_from_pdfa(caplog):
    plain = _plain(embedded_font=False)  # reportlab's defaults: Helvetica, not embedded
    problems = pdfa_problems(plain)
    assert "fonts: /Helvetica is not embedded" in problems
    assert "xmp: no metadata stream" in problems
    assert any(p.startswith("output-intent:") for p in problems)
    # finishing does not embed a font the renderer left out: the check still says so
    assert pdfa_problems(pdfa_finish(plain, part=2)) == ["fonts: /Helvetica is not embedded"]
    assert "fonts are not embedded: /Helvetica" in caplog.text  # and the log says so
    writer = PdfWriter(clone_from=io.BytesIO(_plain()))
    writer.encrypt(user_password="rahasia", owner_password="rahasia")
    locked = io.BytesIO()
    writer.write(locked)
    assert pdfa_problems(locked.getvalue()) == ["encryption: the file is encrypted"]


def test_info_and_xmp_agree_and_the_version_is_one():
    when = dt.datetime(2026, 11, 23, 9, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    data = pdfa_finish(
        _plain(),
        part=2,
        info={"Title": "Berita acara", "Author": "Pemerintah Kota Medan", "Subject": "1/BA"},
        when=when,
    )
    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:title"] == "Berita acara" and meta["dc:description"] == "1/BA"
        assert str(pdf.docinfo.CreationDate) == str(pdf.docinfo.ModDate)
        assert dt.datetime.fromisoformat(meta["xmp:CreateDate"]) == when
        assert str(pdf.docinfo.Producer) == meta["pdf:Producer"]
        assert str(pdf.Root.Version) == "/1.7" and data.startswith(b"%PDF-1.7\n")
        assert len(pdf.trailer.ID) == 2
    # a changed Info entry is named
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo.Title = "Lain"
        out = io.BytesIO()
        pdf.save(out, force_version="1.7")
    assert any(p.startswith("info: /Title") for p in pdfa_problems(out.getvalue()))
