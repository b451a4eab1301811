"""Read a scanned letter: OCR (or its own text layer), the fields, the classification."""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.core.management.base import BaseCommand

from core.ocr import ocr
from intake.fields import classification_top, letter_fields
from organizations.models import Tenant

FIELDS = ("number", "date", "subject", "sender", "security", "urgency", "attachments", "addressee")
TYPES = {b"%PDF": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}
TYPES |= {b"II*\x00": "image/tiff", b"MM\x00*": "image/tiff"}
MIN_TEXT = 40  # characters: fewer on a PDF's pages means a scan without a text layer


def content_type_of(data: bytes) -> str:
    """The type a file's first bytes say it is, or "" (its name is not trusted)."""
    return next((kind for magic, kind in TYPES.items() if data.startswith(magic)), "")


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text layer of a PDF's pages and their number (("", 0) for an unreadable PDF), in
    pypdf's layout mode: a label, its colon and its value drawn apart stay on one line."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        return "", 0
    return "\n\n".join(pages), len(pages)


class Command(BaseCommand):
    help = (
        "Read a scanned letter (PDF or image) and print one JSON object: the fields with "
        "their confidence, the classification suggestions and the OCR figures. Exit 1 when "
        "the file cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--tenant", help="tenant slug (default: the only tenant)")

    def handle(self, *args, **options):
        result = self.read(Path(options["file"]), options.get("tenant"))
        self.stdout.write(json.dumps(result, ensure_ascii=False))
        if result.get("error"):
            raise SystemExit(1)

    def read(self, path: Path, slug: str | None) -> dict:
        """The JSON object; a bad file or tenant gives {"error": …} instead of a traceback."""
        tenants = Tenant.objects.filter(slug=slug) if slug else Tenant.objects.all()[:2]
        tenant = tenants[0] if len(tenants) == 1 else None  # by default the only tenant
        if slug and tenant is None:
            return {"error": f"no tenant {slug!r}"}
        try:
            data = path.read_bytes()
        except OSError as exc:
            return {"error": f"cannot read {path}: {exc.strerror or exc}"}
        kind = content_type_of(data)
        if not kind:
            return {"error": "not a PDF, PNG, JPEG or TIFF file"}
        text, pages = pdf_text(data) if kind == "application/pdf" else ("", 0)
        if len(text.strip()) >= MIN_TEXT:
            figures = {"seconds": 0.0, "pages": pages, "error": "", "text_layer": True}
        else:
            read = ocr(data, content_type=kind)
            text = read.text
            figures = {"seconds": read.seconds, "pages": read.pages, "error": read.error}
            if read.error:
                return {"error": f"OCR failed: {read.error}", "ocr": figures}
        fields = letter_fields(text, tenant=tenant)
        subject = fields.get("subject", {}).get("value", "")
        return {
            **{name: fields[name] for name in FIELDS if name in fields},
            "classification": classification_top(tenant, subject) if tenant else [],
            "ocr": figures,
        }
