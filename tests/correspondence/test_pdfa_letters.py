"""Everything the letter says is covered: the official letter is PDF/A-3b for every type and
stays so once signed; DOCX and XLSX attachments ride inside the signed PDF, byte for byte; a
PDF attachment that cannot be merged stops the signature and leaves the letter unnumbered; the
disposition sheet is PDF/A-2b."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image
from pypdf import PdfReader, PdfWriter

from correspondence import services as svc
from correspondence import signing
from correspondence.choices import LetterState
from correspondence.models import NumberCounter
from correspondence.pdf import build, render, samples
from correspondence.pdf.attach import AttachmentUnmergeable
from tests.conftest import client_for
from tests.pdfa import assert_pdfa, first_revision

from ..factories import PASSWORD
from .helpers import delivery_to, draft, sent, through_review

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>Notulen rapat koordinasi</w:document>")
    return buffer.getvalue()


def _xlsx() -> bytes:
    book = Workbook()
    book.active.append(["No", "Aplikasi", "Status"])
    book.active.append([1, "Naskah", "Aktif"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 0, 128, 200)).save(buffer, "PNG")  # with transparency
    return buffer.getvalue()


def _text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def _attach(world, letter, name: str, data: bytes, mime: str):
    upload = SimpleUploadedFile(name, data, mime)
    return svc.attachment_add(letter=letter, by=world.drafter, upload=upload)


@pytest.mark.parametrize(("code", "name"), samples.TYPES)
def test_every_letter_type_is_pdfa_3b(world, code, name):
    letter = draft(world)
    data = build.letter_pdf(letter, doc=samples.sample_doc(code, name, long=False))
    assert_pdfa(data, 3)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.docinfo.NaskahDocumentId) == f"medan-sample-{code}"


def test_the_draft_preview_is_pdfa_3b_too(world):
    assert_pdfa(build.letter_preview_pdf(draft(world)), 3)


def test_a_signed_letter_carries_every_attachment_inside_its_signature(world):
    letter = draft(world, subject="Inventarisasi aplikasi")
    files = {
        "Notulen rapat.docx": (_docx(), DOCX_MIME),
        "Daftar aplikasi.xlsx": (_xlsx(), "application/vnd.ms-excel"),  # detected by content
        "lampiran.pdf": (render.render_letter(samples.sample_doc("memo", "Memo", long=False)), ""),
        "foto.png": (_png(), "image/png"),
    }
    atts = {n: _attach(world, letter, n, data, mime) for n, (data, mime) in files.items()}
    letter = svc.letter_sign(
        letter=through_review(world, letter), by=world.head, passphrase=PASSWORD
    )
    data = letter.pdf.open("rb").read()
    check = signing.pdf_validate(data, tenant=world.tenant)
    assert check.valid and len(check.signatures) == 1
    assert_pdfa(first_revision(data), 3)  # what the signature covers
    assert_pdfa(data, 3, signed=True)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        embedded = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
        relationship = {str(s.UF): s.AFRelationship for s in pdf.Root.AF}
    # the office files are inside, identical; the PDF and the image are pages instead
    assert set(embedded) == {"Notulen rapat.docx", "Daftar aplikasi.xlsx"}
    for name, body in embedded.items():
        assert hashlib.sha256(body).hexdigest() == atts[name].sha256 == _sha(files[name][0])
        assert relationship[name] == pikepdf.Name.Supplement
    outline = [item.title for item in PdfReader(io.BytesIO(data)).outline]
    assert outline[1:] == ["Lampiran: lampiran.pdf", "Lampiran: foto.png"]
    text = _text(data)
    for name in ("Notulen rapat.docx", "Daftar aplikasi.xlsx"):
        assert f"{name} (tersemat dalam PDF ini, SHA-256 {atts[name].sha256[:16]})" in text
    assert "lampiran.pdf" in text and "foto.png" in text
    page = client_for(world.head).get(reverse("correspondence:letter", args=[letter.pk]))
    html = page.content.decode()
    assert html.count('data-testid="attachment-embedded"') == 2
    assert atts["Notulen rapat.docx"].sha256[:16] in html


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _random_pdf() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(4000)


def _encrypted_pdf(password: str) -> bytes:
    writer = PdfWriter(
        clone_from=io.BytesIO(render.render_letter(samples.sample_doc("memo", "Memo")))
    )
    writer.encrypt(user_password=password, owner_password="pemilik")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BROKEN = {
    "rusak.pdf": _random_pdf,
    "terkunci.pdf": lambda: _encrypted_pdf(""),  # opens without a password, still protected
    "berkata-sandi.pdf": lambda: _encrypted_pdf("rahasia"),
}


def _with_broken(world, monkeypatch, name: str):
    """A draft carrying a PDF that the upload check would refuse today (one stored before the
    check, or one its child process let through), besides a good DOCX."""
    monkeypatch.setattr("core.uploads.pdf_check", lambda data, **kw: None)
    letter = draft(world, subject="Dengan lampiran rusak")
    _attach(world, letter, "Notulen rapat.docx", _docx(), DOCX_MIME)
    _attach(world, letter, name, BROKEN[name](), "application/pdf")
    return letter


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_an_unmergeable_pdf_attachment_stops_signing_and_names_the_file(world, monkeypatch, name):
    letter = through_review(world, _with_broken(world, monkeypatch, name))
    with pytest.raises(AttachmentUnmergeable) as err:
        svc.letter_sign(letter=letter, by=world.head, passphrase=PASSWORD)
    assert isinstance(err.value, signing.SigningError)
    assert err.value.code == "attachment_unmergeable" and name in err.value.message
    assert "belum ada yang ditandatangani" in err.value.message  # Indonesian by default
    letter.refresh_from_db()
    assert (letter.state, letter.number, bool(letter.pdf)) == (LetterState.APPROVED, "", False)
    assert not NumberCounter.objects.filter(tenant=world.tenant).exists()


def test_the_signer_reads_which_attachment_stopped_the_signature(world, monkeypatch, password):
    letter = through_review(world, _with_broken(world, monkeypatch, "rusak.pdf"))
    with pytest.raises(ValidationError):
        svc.letter_sign_request(
            letter=letter, by=world.head, passphrase=password, second_factor=True
        )
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED and letter.number == ""
    assert "rusak.pdf" in letter.sign_error and letter.sign_pending_since is None
    page = client_for(world.head).get(reverse("correspondence:letter", args=[letter.pk]))
    assert "rusak.pdf" in page.content.decode()


def test_the_preview_still_renders_and_marks_the_unmergeable_attachment(world, monkeypatch):
    letter = _with_broken(world, monkeypatch, "terkunci.pdf")
    data = build.letter_preview_pdf(letter)
    text = _text(data)
    assert "terkunci.pdf (TIDAK DAPAT DIGABUNGKAN" in text
    assert "Notulen rapat.docx (tersemat dalam PDF ini" in text
    assert_pdfa(data, 3)


def test_the_disposition_sheet_is_pdfa_2b(world):
    letter = sent(world, subject="Undangan rapat koordinasi")
    delivery = delivery_to(letter, world, "bappeda")
    svc.disposition_create(
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["hadiri"],
        note="Wakili saya",
        due_date=svc.tenant_today(world.tenant) + dt.timedelta(days=10),
    )
    response = client_for(world.bappeda_head).get(
        reverse("correspondence:disposition-sheet", args=[delivery.pk])
    )
    assert response.status_code == 200
    assert_pdfa(response.content, 2)
