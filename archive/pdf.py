"""The archive's official documents (reportlab): the berita acara pemusnahan, the list of
inactive records transferred to the records unit (daftar arsip inaktif), and the list of
permanent records handed over to the static archive with its berita acara penyerahan.

Landscape A4 tables under the tenant's letterhead name, with page numbers. The functions take
plain data (`Row`, `Signer`) so every document is rendered and tested the same way."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.dates import DAYS, date_long
from core.pdfa import pdfa_finish
from core.pdfdoc import heading_style, page_template
from core.pdffonts import FONT, canvas_maker, fonts_register

MEDIA = {"digital": "Elektronik", "paper": "Kertas", "both": "Kertas dan elektronik"}


@dataclass
class Row:
    """One record in a list."""

    code: str
    number: str
    title: str
    date: dt.date
    quantity: int
    medium: str
    box: str = ""
    folder: str = ""
    location: str = ""
    unit: str = ""
    note: str = ""


@dataclass
class Signer:
    role: str  # what they sign as ("Menyetujui, Kepala Dispusip")
    name: str
    title: str = ""
    date: dt.date | None = None


@dataclass
class Heading:
    government: str
    unit: str = ""
    lines: list[str] = field(default_factory=list)


def _styles() -> dict[str, ParagraphStyle]:
    fonts_register()  # paragraphs look their fonts up when they are made
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=10.5),
        "gov": heading_style("gov", base, 13, 16),
        "unit": heading_style("unit", base, 12, 15),
        "title": heading_style("title", base, 12, 15, spaceBefore=6),
        "sub": ParagraphStyle("sub", parent=base, alignment=TA_CENTER),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _heading(head: Heading, st) -> list:
    parts = [_p(head.government.upper(), st["gov"])]
    if head.unit:
        parts.append(_p(head.unit.upper(), st["unit"]))
    parts += [_p(line, st["sub"]) for line in head.lines]
    rule = Table([[""]], colWidths=[257 * mm], rowHeights=[2])
    rule.setStyle(  # the empty cell still names a font: ours, never reportlab's Helvetica
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 1.2, colors.black),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
            ]
        )
    )
    return [*parts, Spacer(1, 2 * mm), rule, Spacer(1, 4 * mm)]


def _table(rows: list[Row], st, *, with_unit: bool = False) -> Table:
    header = [
        "No.",
        "Kode",
        "Nomor / uraian",
        "Tanggal",
        "Jumlah",
        "Media",
        "Boks / folder",
        "Lokasi",
    ]
    widths = [10, 22, 95, 26, 16, 24, 26, 38]
    if with_unit:
        header.insert(3, "Unit pencipta")
        widths = [10, 20, 80, 35, 24, 14, 22, 22, 30]
    data = [[_p(h, st["small"]) for h in header]]
    for i, row in enumerate(rows, start=1):
        text = f"{row.number} — {row.title}" if row.number else row.title
        if row.note:
            text = f"{text} ({row.note})"
        cells = [
            str(i),
            row.code,
            text,
            date_long(row.date),
            str(row.quantity),
            MEDIA.get(row.medium, row.medium),
            " / ".join(p for p in (row.box, row.folder) if p),
            row.location,
        ]
        if with_unit:
            cells.insert(3, row.unit)
        data.append([_p(c, st["small"]) for c in cells])
    if not rows:
        data.append([_p("—", st["small"])] + [""] * (len(header) - 1))
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
            ]
        )
    )
    return table


def _signatures(signers: list[Signer], st) -> Table:
    cells = []
    for s in signers:
        lines = [s.role]
        if s.title:
            lines.append(s.title)
        if s.date:
            lines.append(date_long(s.date))
        text = "<br/>".join(escape(x) for x in lines)
        cells.append(Paragraph(f"{text}<br/><br/><br/><u>{escape(s.name)}</u>", st["base"]))
    if not cells:
        cells = [""]
    table = Table([cells], colWidths=[257 * mm / len(cells)] * len(cells))
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)])
    )
    return KeepTogether([Spacer(1, 6 * mm), table])


def _render(story: list, *, title: str, footer: str, to_sign: bool = False) -> bytes:
    fonts_register()
    buffer = io.BytesIO()

    def page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(20 * mm, 10 * mm, footer)
        canvas.drawRightString(277 * mm, 10 * mm, f"Halaman {doc.page}")
        canvas.restoreState()

    doc = page_template(buffer, margins=(20, 20, 15, 18), wide=True, title=title, author=footer)
    doc.build(story, onFirstPage=page, onLaterPages=page, canvasmaker=canvas_maker)
    return pdfa_finish(buffer.getvalue(), part=2, to_sign=to_sign)


def _titled(heading: Heading, title: str, number: str, st: dict[str, ParagraphStyle]) -> list:
    """The top of a document: the heading, the title, its number under it, and the space
    before the body."""
    return [
        *_heading(heading, st),
        _p(title, st["title"]),
        _p(f"Nomor: {number}", st["sub"]),
        Spacer(1, 4 * mm),
    ]


def _on_this_day(day: dt.date, city: str) -> str:
    """The opening of a berita acara: the day, the date and the place."""
    return f"Pada hari ini {DAYS[day.weekday()]}, tanggal {date_long(day)}, bertempat di {city}, "


def _signed_electronically(signer: Signer | None, st, what: str = "Berita acara ini") -> list:
    """The line that names who signs the document (`what`) electronically (none without a
    signer)."""
    if signer is None:
        return []
    text = (
        f"{what} ditandatangani secara elektronik oleh "
        f"{signer.name}, {signer.title}, menggunakan sertifikat elektronik."
    )
    return [Spacer(1, 4 * mm), _p(text, st["small"])]


def disposal_report_pdf(
    *,
    heading: Heading,
    number: str,
    city: str,
    day: dt.date,
    destroyed: list[Row],
    permanent: list[Row],
    approvers: list[Signer],
    executor: Signer,
    e_signer: Signer | None = None,
) -> bytes:
    """Berita acara pemusnahan arsip: the records destroyed, those made permanent, who
    approved (names and positions) and the date. With `e_signer`, the document says who signs
    it electronically and is made ready for that signature."""
    st = _styles()
    story = [
        *_titled(heading, "BERITA ACARA PEMUSNAHAN ARSIP", number, st),
        _p(
            _on_this_day(day, city)
            + f"telah dilaksanakan pemusnahan arsip sebanyak {len(destroyed)} berkas "
            "yang masa retensinya telah habis dan tidak memiliki nilai guna, sesuai jadwal "
            "retensi arsip, sebagaimana tercantum dalam daftar berikut, setelah mendapat "
            "persetujuan pejabat yang berwenang.",
            st["base"],
        ),
        Spacer(1, 3 * mm),
        _p("Daftar arsip yang dimusnahkan:", st["base"]),
        _table(destroyed, st, with_unit=True),
    ]
    if permanent:
        story += [
            Spacer(1, 4 * mm),
            _p(
                "Arsip yang ditetapkan permanen (untuk diserahkan ke lembaga kearsipan):",
                st["base"],
            ),
            _table(permanent, st, with_unit=True),
        ]
    story += [
        Spacer(1, 4 * mm),
        _p("Pemusnahan disetujui oleh:", st["base"]),
        *[
            _p(
                f"{i}. {a.name}, {a.title}" + (f", {date_long(a.date)}" if a.date else ""),
                st["base"],
            )
            for i, a in enumerate(approvers, start=1)
        ],
        _signatures([*approvers, executor], st),
    ]
    story += _signed_electronically(e_signer, st)
    return _render(
        story,
        title=f"Berita Acara Pemusnahan Arsip {number}",
        footer=heading.government,
        to_sign=e_signer is not None,
    )


def records_list_pdf(
    *,
    heading: Heading,
    title: str,
    number: str,
    place_date: str,
    rows: list[Row],
    signers: list[Signer],
    e_signer: Signer | None = None,
) -> bytes:
    """A list of records (daftar arsip inaktif / daftar arsip statis) with its signatures.
    With `e_signer`, the list says who signs it electronically and is made ready for that
    signature."""
    st = _styles()
    story = [
        *_titled(heading, title.upper(), number, st),
        _table(rows, st, with_unit=True),
        Spacer(1, 3 * mm),
        _p(f"Jumlah: {len(rows)} arsip. {place_date}", st["base"]),
        _signatures(signers, st),
        *_signed_electronically(e_signer, st, "Daftar ini"),
    ]
    return _render(
        story,
        title=f"{title} {number}",
        footer=heading.government,
        to_sign=e_signer is not None,
    )


def handover_report_pdf(
    *,
    heading: Heading,
    number: str,
    city: str,
    day: dt.date,
    receiver: str,
    rows: list[Row],
    signers: list[Signer],
    e_signer: Signer | None = None,
) -> bytes:
    """Berita acara penyerahan arsip statis followed by the list of the records handed over.
    With `e_signer`, as `records_list_pdf`: one signature covers both."""
    st = _styles()
    story = [
        *_titled(heading, "BERITA ACARA PENYERAHAN ARSIP STATIS", number, st),
        _p(
            _on_this_day(day, city)
            + f"{heading.government} menyerahkan arsip statis sebanyak {len(rows)} "
            f"arsip kepada {receiver}, sebagaimana tercantum dalam daftar arsip statis "
            "terlampir. Dengan penyerahan ini, tanggung jawab pengelolaan arsip tersebut "
            "beralih kepada penerima.",
            st["base"],
        ),
        _signatures(signers, st),
        *_signed_electronically(e_signer, st, "Berita acara ini beserta daftar terlampir"),
        PageBreak(),
        *_titled(heading, "DAFTAR ARSIP STATIS YANG DISERAHKAN", number, st),
        _table(rows, st, with_unit=True),
    ]
    return _render(
        story,
        title=f"Berita Acara Penyerahan Arsip Statis {number}",
        footer=heading.government,
        to_sign=e_signer is not None,
    )


def row_for(record, note: str = "") -> Row:
    """A record as a list row (its classification and unit loaded)."""
    return Row(
        code=record.classification.code,
        number=record.number,
        title=record.title,
        date=record.document_date,
        quantity=record.quantity,
        medium=record.medium,
        box=record.box,
        folder=record.folder,
        location=record.location,
        unit=record.unit.name,
        note=note,
    )


def heading_for(tenant, unit=None) -> Heading:
    """The tenant's letterhead name (and the unit issuing the document)."""
    lines = [x for x in (tenant.letterhead_address, tenant.letterhead_phone) if x]
    return Heading(
        government=tenant.letterhead_government or tenant.name,
        unit=unit.name if unit is not None else "",
        lines=lines[:1],
    )
