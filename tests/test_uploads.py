"""Uploads are recognised by content, bounded in size, and never trusted by name."""

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from naskah.uploads import stored_name, upload_inspect

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
