"""Uploads are recognised by content, bounded in size, and never trusted by name."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import stored_name, upload_inspect
from tests.correspondence.helpers import PDF


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, "PNG")
    return buf.getvalue()


def test_pdf_accepted_with_sha256_and_clean_name():
    info = upload_inspect(SimpleUploadedFile("../../etc/Surat.PDF", PDF))
    assert (info.original_name, info.extension, info.content_type) == (
        "Surat.PDF",
        "pdf",
        "application/pdf",
    )
    assert info.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored_name(info).endswith(".pdf") and "Surat" not in stored_name(info)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", b"MZ\x90\x00", "type"),
        ("noext", PDF, "type"),
        ("fake.pdf", png_bytes(), "content"),
        ("fake.png", PDF, "content"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_uploads_refused_with_reason(name, content, code):
    with pytest.raises(ValidationError) as exc:
        upload_inspect(SimpleUploadedFile(name, content))
    assert exc.value.code == code


def test_size_limit_per_type(settings):
    settings.NASKAH_UPLOAD_MAX_MB = {"pdf": 0, "image": 1, "office": 1}
    with pytest.raises(ValidationError) as exc:
        upload_inspect(SimpleUploadedFile("a.pdf", PDF))
    assert exc.value.code == "size"
    assert upload_inspect(SimpleUploadedFile("a.png", png_bytes())).content_type == "image/png"


def test_allowed_subset():
    with pytest.raises(ValidationError):
        upload_inspect(SimpleUploadedFile("a.png", png_bytes()), allowed=frozenset({"pdf"}))


def _docx(members: dict[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = _docx({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


@pytest.mark.parametrize(
    ("name", "content", "code", "says"),
    [
        ("Surat Undangan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "content", "does not contain"),
        ("laporan.pdf", b"<html><script>alert(1)</script></html>", "content", "does not contain"),
        (
            "rusak.pdf",
            b"%PDF-1.7\n%\xe2\xe3\n1 0 obj <</Type/Catalog>>\ngarbage",
            "damaged",
            "damaged",
        ),
        (
            "bom.docx",
            _docx(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "word/document.xml": b"0" * (210 * 1024 * 1024),
                }
            ),
            "zip_bomb",
            "zip bomb",
        ),
        ("bukan.docx", _docx({"readme.txt": b"hello"}), "damaged", "Office"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_message(name, content, code, says):
    with pytest.raises(ValidationError) as exc:
        upload_inspect(SimpleUploadedFile(name, content))
    assert exc.value.code == code
    message = " ".join(exc.value.messages)
    assert name in message


def test_a_real_office_document_passes():
    assert upload_inspect(SimpleUploadedFile("notulen.docx", DOCX)).extension == "docx"


def test_antivirus_refuses_what_clamd_flags(settings):
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def clamd():
        conn, _ = server.accept()
        with conn:
            data = b""
            while not data.endswith(b"\x00\x00\x00\x00"):
                data += conn.recv(65536)
            verdict = b"FOUND" if b"EICAR" in data else b"OK"
            conn.sendall(
                b"stream: Eicar-Test-Signature FOUND\0" if verdict == b"FOUND" else b"stream: OK\0"
            )

    settings.NASKAH_CLAMD_URL = f"tcp://127.0.0.1:{port}"
    for expected in ("virus", None):
        thread = threading.Thread(target=clamd)
        thread.start()
        png = png_bytes()
        payload = png + (b"EICAR" if expected else b"")
        if expected:
            with pytest.raises(ValidationError) as exc:
                upload_inspect(SimpleUploadedFile("foto.png", payload))
            assert exc.value.code == "virus" and "Eicar" in exc.value.messages[0]
        else:
            assert upload_inspect(SimpleUploadedFile("foto.png", payload)).extension == "png"
        thread.join()
    server.close()
    settings.NASKAH_CLAMD_URL = "tcp://127.0.0.1:1"  # nothing listens: refuse, do not pass
    with pytest.raises(ValidationError) as exc:
        upload_inspect(SimpleUploadedFile("foto.png", png_bytes()))
    assert "scanner unavailable" in exc.value.messages[0]
