"""A letter's attachments as its PDF carries them: a PDF's pages appended, an image placed on a
page, any other file (DOCX, XLSX ...) embedded in the PDF as an associated file, so that
everything the letter says it attaches is inside what the signature covers. An attachment
that cannot be carried stops the signature (`AttachmentUnmergeable`)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader

from core.pdfa import EmbeddedFile
from core.pdffonts import canvas_maker

from ..signing import SigningError

# What the preview prints beside an attachment the signature would refuse (Indonesian, as
# everything on the page: it is a record, not the reader's interface).
BROKEN_NOTE = "TIDAK DAPAT DIGABUNGKAN: berkas rusak atau terproteksi, ganti atau hapus"
HASH_SHOWN = 16  # hex digits of the SHA-256 the lampiran list prints


class AttachmentUnmergeable(SigningError):
    """An attachment that cannot be put into the letter (a damaged or protected PDF, an image
    that does not open, a stored file that no longer matches its hash)."""

    def __init__(self, name: str):
        super().__init__(
            "attachment_unmergeable",
            _(
                "The attachment %(name)s cannot be put into the letter (damaged or protected "
                "file). Replace or remove it; nothing was signed."
            )
            % {"name": name},
        )
        self.name = name


@dataclass
class Carried:
    """One attachment read for the letter: its pages (`reader`), or the file to embed, or
    neither (`broken`)."""

    name: str
    label: str
    reader: PdfReader | None = None
    embedded: EmbeddedFile | None = None

    @property
    def broken(self) -> bool:
        return self.reader is None and self.embedded is None


def merged_as_pages(content_type: str) -> bool:
    return content_type == "application/pdf" or content_type.startswith("image/")


def attachment_label(att) -> str:
    """The attachment as the letter's lampiran list names it; an embedded file with the start
    of its SHA-256, so a reader can match the file they take out of the PDF."""
    if merged_as_pages(att.content_type):
        return att.original_name
    return f"{att.original_name} (tersemat dalam PDF ini, SHA-256 {att.sha256[:HASH_SHOWN]})"


def attachment_carry(att) -> Carried:
    """Read one attachment and make it ready for the letter; a file that cannot be read, that
    no longer matches the hash taken at upload, an encrypted or damaged PDF or an image that
    does not open comes back `broken`."""
    carried = Carried(att.original_name, attachment_label(att))
    try:
        with att.file.open("rb") as fh:
            data = fh.read()
    except OSError:
        return carried
    if hashlib.sha256(data).hexdigest() != att.sha256:
        return carried
    try:
        if att.content_type == "application/pdf":
            carried.reader = _pdf_pages(data)
        elif att.content_type.startswith("image/"):
            carried.reader = PdfReader(io.BytesIO(image_page(data)))
        else:
            carried.embedded = EmbeddedFile(
                name=att.original_name,
                data=data,
                mime=att.content_type,
                modified=att.created_at,
                description=f"Lampiran: {att.original_name}",
            )
    except Exception:  # noqa: BLE001  (any parser failure means "cannot be carried")
        carried.reader = None
    return carried


def _pdf_pages(data: bytes) -> PdfReader | None:
    """The PDF's reader when its pages can be appended; None when it is encrypted (even with
    an empty password: its protection would not survive the merge) or has no pages."""
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted or not len(reader.pages):
        return None
    for page in reader.pages:  # parsed now, not halfway through the merge
        page.get_contents()
    return reader


def broken_label(carried: Carried) -> str:
    return f"{carried.name} ({BROKEN_NOTE})"


def image_page(data: bytes) -> bytes:
    """An A4 page with the image centred (a small image at its size, a large one fitted)."""
    image = ImageReader(io.BytesIO(data))
    w, h = image.getSize()
    box_w, box_h = A4[0] - 30 * mm, A4[1] - 30 * mm
    scale = min(box_w / w, box_h / h, 1.0 if w > 600 else box_w / w)
    buffer = io.BytesIO()
    c = canvas_maker(buffer, pagesize=A4)
    c.drawImage(image, (A4[0] - w * scale) / 2, (A4[1] - h * scale) / 2, w * scale, h * scale)
    c.showPage()
    c.save()
    return buffer.getvalue()
