"""Agenda books as the paper registers looked, as CSV, XLSX and PDF."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.pdfdoc import page_template
from correspondence.pdf import flow, render
from workflows.choices import SecurityLevel

INCOMING = [
    "No. agenda",
    "Tanggal diterima",
    "Pengirim",
    "Nomor surat",
    "Tanggal surat",
    "Perihal",
    "Klasifikasi",
    "Disposisi kepada",
]
OUTGOING = ["Nomor surat", "Tanggal", "Jenis", "Tujuan", "Perihal", "Klasifikasi", "Sifat"]


def _subject(letter, security) -> str:
    # A register is read by clerks: a Sangat Rahasia subject is not written in it.
    return "(Sangat Rahasia)" if security == SecurityLevel.SANGAT_RAHASIA else letter.subject


def incoming_rows(deliveries, tz: ZoneInfo) -> list[list[str]]:
    rows = []
    for d in deliveries:
        letter = d.letter
        sender = letter.sender_name if letter.is_incoming else f"{letter.unit.name}"
        their_number = letter.sender_number if letter.is_incoming else letter.number
        if letter.is_incoming:
            their_date = letter.sender_date
        else:
            their_date = (
                timezone.localtime(letter.signed_at, tz).date() if letter.signed_at else None
            )
        rows.append(
            [
                d.agenda_number,
                timezone.localtime(d.delivered_at, tz).strftime("%d-%m-%Y %H:%M"),
                sender,
                their_number,
                their_date.strftime("%d-%m-%Y") if their_date else "",
                _subject(letter, d.security),
                letter.classification_code,
                "; ".join(
                    x.to_position.title
                    for x in d.dispositions.all()
                    if x.state not in ("prepared", "cancelled")
                ),
            ]
        )
    return rows


def outgoing_rows(letters, tz: ZoneInfo) -> list[list[str]]:
    return [
        [
            letter.number,
            timezone.localtime(letter.signed_at, tz).strftime("%d-%m-%Y"),
            letter.letter_type.name,
            "; ".join(str(r) for r in letter.recipients.all() if r.kind == "to"),
            _subject(letter, letter.security),
            letter.classification_code,
            letter.get_security_display(),
        ]
        for letter in letters
    ]


def as_csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: Excel opens UTF-8 correctly


def as_xlsx(title: str, header, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for column, name in zip(sheet.columns, header, strict=False):
        width = max([len(name), *(len(str(c.value or "")) for c in column)])
        sheet.column_dimensions[column[0].column_letter].width = min(60, width + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: str) -> str:
    # A cell that starts like a formula is kept as text (CSV/Excel formula injection).
    return "'" + value if isinstance(value, str) and value[:1] in "=+-@" else value


def as_pdf(title: str, subtitle: str, header, rows) -> bytes:
    st = flow._styles()
    cell = st["cell"]
    data = [[Paragraph(f"<b>{h}</b>", cell) for h in header]]
    data += [[Paragraph(flow._e(str(v)), cell) for v in row] for row in rows]
    if len(data) == 1:
        data.append([Paragraph("-", cell)] * len(header))
    width = landscape(A4)[0] - 30 * mm
    table = Table(data, colWidths=[width / len(header)] * len(header), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), render.FONT),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    buffer = io.BytesIO()
    page_template(buffer, margins=(15, 15, 15, 15), wide=True, title=title).build(
        [
            Paragraph(flow._e(title), st["title"]),
            Paragraph(flow._e(subtitle), st["small"]),
            Spacer(1, 4 * mm),
            table,
        ],
        canvasmaker=render.canvas_maker,
    )
    return buffer.getvalue()
