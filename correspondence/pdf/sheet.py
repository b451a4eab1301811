"""The disposition sheet (lembar disposisi) of a delivery: what the clerk used to print and
staple to the letter — agenda data, then every disposition with its instructions, note, due
date and report."""

from __future__ import annotations

import html
import io
from zoneinfo import ZoneInfo

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.dates import date_long
from core.pdfa import pdfa_finish
from core.pdfdoc import page_template

from . import flow, render
from .build import opd_of


def _e(text) -> str:
    return html.escape(str(text or ""))


def disposition_sheet_pdf(delivery, *, tree: dict) -> bytes:
    """The sheet as PDF bytes; `tree` is `selectors.disposition_tree` for the viewer, so the
    sheet shows exactly the dispositions that person may see."""
    st = flow._styles()
    tz = ZoneInfo(delivery.tenant.time_zone)
    head = render.Letterhead(
        government=delivery.tenant.letterhead_government or delivery.tenant.name,
        unit=delivery.unit.name,
        address_lines=[opd_of(delivery.unit).letterhead_line("address")],
    )
    out = render.letterhead_flowables(head, st)
    out.append(Paragraph("LEMBAR DISPOSISI", st["title"]))
    out.append(Spacer(1, 4 * mm))
    out.append(_letter_table(delivery, st, tz))
    out.append(Spacer(1, 5 * mm))
    out.append(_dispositions_table(delivery, tree, st, tz))
    buffer = io.BytesIO()
    page_template(
        buffer,
        margins=(25, 20, 20, 20),
        title=f"Lembar disposisi {delivery.agenda_number}",
        author=delivery.tenant.name,
    ).build(out, canvasmaker=render.canvas_maker)
    return pdfa_finish(buffer.getvalue(), part=2)


def _letter_table(delivery, st, tz):
    """The letter as its receiving unit registered it: sender, numbers, dates, sifat, hal."""
    letter = delivery.letter
    sender = (
        letter.sender_name if letter.is_incoming else f"{letter.unit.name} ({letter.tenant.name})"
    )
    their_date = (
        letter.sender_date
        if letter.is_incoming
        else (timezone.localtime(letter.signed_at, tz).date() if letter.signed_at else None)
    )
    received = timezone.localtime(delivery.delivered_at, tz)
    subject = letter.subject
    rows = [
        ("Surat dari", _e(sender)),
        ("Nomor surat", _e(letter.sender_number if letter.is_incoming else letter.number)),
        ("Tanggal surat", date_long(their_date) if their_date else "-"),
        ("Diterima tanggal", f"{date_long(received.date())} {received:%H.%M}"),
        ("Nomor agenda", _e(delivery.agenda_number)),
        ("Sifat", _e(delivery.get_security_display())),
        ("Urgensi", _e(delivery.get_urgency_display())),
        ("Perihal", _e(subject)),
    ]
    return flow._kv(rows, st, widths=(38 * mm, 4 * mm, 118 * mm))


def _dispositions_table(delivery, tree: dict, st, tz):
    """One row per disposition of the delivery, indented by depth, with its report."""
    header = ["Dari", "Kepada", "Instruksi / catatan", "Tenggat", "Laporan"]
    data = [[Paragraph(f"<b>{h}</b>", st["cell"]) for h in header]]
    for node, depth in _walk(tree.get(delivery.pk, []), 0):
        d = node.disposition
        instr = "<br/>".join(_e(label) for label in node.labels)
        if d.note:
            instr += ("<br/>" if instr else "") + f"<i>{_e(d.note)}</i>"
        report = ""
        if d.reported_at:
            report = f"{_e(d.report_text)}<br/>({timezone.localtime(d.reported_at, tz):%d-%m-%Y})"
        data.append(
            [
                Paragraph(("&nbsp;&nbsp;" * depth) + _e(d.issued_as), st["cell"]),
                Paragraph(_e(d.to_position), st["cell"]),
                Paragraph(instr or "-", st["cell"]),
                Paragraph(d.due_date.strftime("%d-%m-%Y") if d.due_date else "-", st["cell"]),
                Paragraph(report or "-", st["cell"]),
            ]
        )
    if len(data) == 1:
        data.append([Paragraph("-", st["cell"])] * 5)
    table = Table(data, colWidths=[30 * mm, 30 * mm, 48 * mm, 26 * mm, 26 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), render.FONT),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    return table


def _walk(nodes, depth):
    for node in nodes:
        yield node, depth
        yield from _walk(node.children, depth + 1)
