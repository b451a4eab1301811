"""Archive set-up through the services, for tests."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from archive.choices import Medium
from archive.models import Classification, Record
from archive.services import fileplan, records


def pdf_with_text(text: str = "Pindaian arsip") -> bytes:
    """A small real PDF whose page carries `text` (pypdf can read it back)."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for i, line in enumerate(text.splitlines() or [""]):
        canvas.drawString(72, 720 - 14 * i, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def upload(name: str = "scan.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or pdf_with_text(), content_type="application/pdf")


def archive_setup(world) -> None:
    """The Medan tenant's file plan (default scheme), records unit (Dispusip, whose archivist
    covers the whole plan) and disposal approvers (head of Dispusip, then the Sekda)."""
    for tenant in (world.tenant, world.other_tenant):
        fileplan.file_plan_ensure_default(tenant)
    fileplan.archive_settings_set(
        tenant=world.tenant,
        records_unit=world.units["dispusip"],
        static_archive="Dinas Perpustakaan dan Kearsipan Provinsi Sumatera Utara",
        disposal_approvers=[world.positions["kadis_dispusip"], world.positions["sekda"]],
    )


def code(world, value: str, tenant=None) -> Classification:
    return Classification.objects.get(tenant=tenant or world.tenant, code=value)


def record(
    world,
    *,
    title="Laporan kegiatan",
    classification="000.1",
    unit="kominfo",
    document_date=dt.date(2024, 3, 1),
    security="",
    medium=Medium.DIGITAL,
    by=None,
    tenant=None,
    text: str = "Pindaian arsip",
    **kw,
) -> Record:
    """A record filed directly by the archivist (a one-page scan unless it is paper)."""
    tenant = tenant or world.tenant
    uploads = [upload(content=pdf_with_text(text))] if medium != Medium.PAPER else []
    if medium != Medium.DIGITAL:
        kw.setdefault("location", {"building": "Gedung Arsip", "shelf": "R1", "box": "B-01"})
    return records.record_create(
        tenant=tenant,
        classification=code(world, classification, tenant),
        unit=world.units[unit],
        title=title,
        document_date=document_date,
        by=by or world.archivist,
        uploads=uploads,
        security=security,
        medium=medium,
        **kw,
    )
