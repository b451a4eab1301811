"""Render a letter the way a naskah dinas looks (reportlab platypus).

The renderer works on `LetterDoc`, plain data built from a letter by `correspondence.pdf.build`,
so that every letter type can be rendered (and tested) the same way.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.pdfdoc import heading_style, page_template
from core.pdffonts import FONT, fonts_register


def _fonts() -> None:
    fonts_register()


@dataclass
class Letterhead:
    government: str
    unit: str
    address_lines: list[str]
    logo: bytes | None = None


@dataclass
class SignatureBlock:
    prefix: str  # "", "Plt.", "a.n. <title>"
    title: str
    name: str
    nip: str = ""
    rank: str = ""


@dataclass
class EventBlock:
    day_date: str
    time: str
    place: str


@dataclass
class LetterDoc:
    type_code: str
    type_name: str
    letterhead: Letterhead
    number: str
    security: str
    attachments_label: str
    subject: str
    place_date: str
    addressees: list[str]
    body_html: str
    signatures: list[SignatureBlock]
    cc: list[str] = field(default_factory=list)
    from_label: str = ""
    event: EventBlock | None = None
    attachment_names: list[str] = field(default_factory=list)
    verify_url: str = ""
    signed_footer: str = ""
    document_id: str = ""
    tenant_name: str = ""
    draft: bool = False  # a preview: KONSEP across every page


def _styles() -> dict[str, ParagraphStyle]:
    _fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=11, leading=15)
    return {
        "base": base,
        "body": ParagraphStyle(
            "body", parent=base, alignment=TA_JUSTIFY, spaceAfter=6, firstLineIndent=0
        ),
        "gov": heading_style("gov", base, 14, 17),
        "unit": heading_style("unit", base, 15, 19),
        "addr": ParagraphStyle("addr", parent=base, fontSize=9, leading=11, alignment=TA_CENTER),
        "title": heading_style("title", base, 13, spaceAfter=2),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=13),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_LEFT),
    }


# --- sanitised HTML body -> flowables ---
INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u"}


class _BodyParser(HTMLParser):
    """The body is already sanitised (nh3, on save); this maps its tags to platypus."""

    def __init__(self, styles):
        super().__init__(convert_charrefs=True)
        self.styles = styles
        self.out: list[Flowable] = []
        self.text: list[str] = []
        self.lists: list[tuple[str, list]] = []
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def _buffer(self) -> list[str]:
        return self.cell if self.cell is not None else self.text

    def _flush(self):
        markup = "".join(self.text).strip()
        self.text = []
        if not markup:
            return
        para = Paragraph(markup, self.styles["body"])
        if self.lists:
            self.lists[-1][1].append(ListItem(para, leftIndent=18))
        else:
            self.out.append(para)

    def handle_starttag(self, tag, attrs):
        if tag in INLINE:
            self._buffer().append(f"<{INLINE[tag]}>")
        elif tag == "br":
            self._buffer().append("<br/>")
        elif tag in {"p", "div", "h1", "h2", "h3", "h4", "blockquote"}:
            self._flush()
        elif tag in {"ul", "ol"}:
            self._flush()
            self.lists.append((tag, []))
        elif tag == "li":
            self._flush()
        elif tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in {"td", "th"} and self.table is not None:
            self.cell = ["<b>"] if tag == "th" else []

    def handle_endtag(self, tag):
        if tag in INLINE:
            self._buffer().append(f"</{INLINE[tag]}>")
        elif tag in {"p", "div", "h1", "h2", "h3", "h4", "blockquote", "li"}:
            self._flush()
        elif tag in {"ul", "ol"} and self.lists:
            self._flush()
            kind, items = self.lists.pop()
            flow = ListFlowable(
                items,
                bulletType="1" if kind == "ol" else "bullet",
                bulletFormat="%s." if kind == "ol" else None,
                start="1" if kind == "ol" else "•",
                bulletFontName=FONT,
                leftIndent=18,
            )
            if self.lists:
                self.lists[-1][1].append(ListItem(flow, leftIndent=18))
            else:
                self.out.append(flow)
        elif tag in {"td", "th"} and self.cell is not None and self.table:
            if tag == "th":
                self.cell.append("</b>")
            self.table[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows = [r for r in self.table if r]
            self.table = None
            if rows:
                width = max(len(r) for r in rows)
                data = [
                    [Paragraph(c, self.styles["cell"]) for c in r + [""] * (width - len(r))]
                    for r in rows
                ]
                table = Table(
                    data, repeatRows=0, hAlign="LEFT", colWidths=[(160 * mm) / width] * width
                )
                table.setStyle(
                    TableStyle(
                        [
                            ("FONTNAME", (0, 0), (-1, -1), FONT),
                            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ]
                    )
                )
                self.out.append(table)
                self.out.append(Spacer(1, 4))

    def handle_data(self, data):
        self._buffer().append(html.escape(data, quote=False))

    def close(self):
        super().close()
        self._flush()
        while self.lists:
            self.handle_endtag(self.lists[-1][0])
        return self.out


def body_flowables(body_html: str, styles) -> list[Flowable]:
    parser = _BodyParser(styles)
    parser.feed(body_html or "")
    return parser.close()


# --- page parts ---
class _Qr(Flowable):
    """A QR code drawn as one filled path (one rectangle per run of dark modules): reportlab's
    own QR widget builds a shape per module and costs most of a letter's render time."""

    def __init__(self, url: str, size: float = 24 * mm):
        super().__init__()
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(url)
        code.make(fit=True)
        self.matrix = code.get_matrix()
        self.size = size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        n = len(self.matrix)
        cell = self.size / n
        path = self.canv.beginPath()
        for r, row in enumerate(self.matrix):
            c = 0
            while c < n:
                if row[c]:
                    start = c
                    while c < n and row[c]:
                        c += 1
                    path.rect(start * cell, self.size - (r + 1) * cell, (c - start) * cell, cell)
                else:
                    c += 1
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def _qr(url: str, size: float = 24 * mm) -> Flowable:
    return _Qr(url, size)


def _letterhead(doc: LetterDoc, st) -> list[Flowable]:
    head = doc.letterhead
    text = [
        Paragraph(html.escape(head.government.upper()), st["gov"]),
        Paragraph(html.escape(head.unit.upper()), st["unit"]),
        *[Paragraph(html.escape(line), st["addr"]) for line in head.address_lines if line],
    ]
    logo: Flowable = Spacer(22 * mm, 22 * mm)
    if head.logo:
        try:
            logo = Image(io.BytesIO(head.logo), width=22 * mm, height=22 * mm, kind="proportional")
        except Exception:  # noqa: BLE001  (a broken logo must not stop a letter)
            logo = Spacer(22 * mm, 22 * mm)
    table = Table([[logo, text]], colWidths=[26 * mm, 134 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 2, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [table, Spacer(1, 1.2 * mm), _Rule(), Spacer(1, 5 * mm)]


class _Rule(Flowable):
    """The thin second line of the double rule under a letterhead."""

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, 1

    def draw(self):
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0, self.width, 0)


def _kv(rows: list[tuple[str, str]], st, widths=(28 * mm, 4 * mm, 128 * mm)) -> Table:
    data = [
        [Paragraph(k, st["base"]), Paragraph(":", st["base"]), Paragraph(v, st["base"])]
        for k, v in rows
    ]
    table = Table(data, colWidths=list(widths), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _e(text: str) -> str:
    return html.escape(text or "")


def _signature(doc: LetterDoc, block: SignatureBlock, st, *, with_qr: bool) -> Flowable:
    lines = []
    if block.prefix:
        lines.append(Paragraph(_e(block.prefix), st["sign"]))
    lines.append(Paragraph(_e(block.title) + ",", st["sign"]))
    if with_qr and doc.verify_url:
        lines.append(Spacer(1, 2 * mm))
        lines.append(_qr(doc.verify_url))
        lines.append(Spacer(1, 2 * mm))
    else:
        lines.append(Spacer(1, 20 * mm))
    lines.append(Paragraph(f"<b><u>{_e(block.name)}</u></b>", st["sign"]))
    if block.rank:
        lines.append(Paragraph(_e(block.rank), st["sign"]))
    if block.nip:
        lines.append(Paragraph(f"NIP. {_e(block.nip)}", st["sign"]))
    table = Table([[Spacer(1, 1), lines]], colWidths=[85 * mm, 75 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return KeepTogether([table])


def letter_flowables(doc: LetterDoc) -> list[Flowable]:
    """The letter's page content in order: letterhead, heading block, body, invitation
    details, signatures, tembusan and lampiran."""
    st = _styles()
    out: list[Flowable] = _letterhead(doc, st)
    yth = "<br/>".join(_e(a) for a in doc.addressees)
    if doc.type_code == "nota_dinas":
        out += _nota_dinas_heading(doc, st, yth)
    else:
        out += _letter_heading(doc, st, yth)
    out += body_flowables(doc.body_html, st)
    if doc.event is not None:
        out.append(Spacer(1, 2 * mm))
        out.append(
            _kv(
                [
                    ("Hari/Tanggal", _e(doc.event.day_date)),
                    ("Waktu", _e(doc.event.time)),
                    ("Tempat", _e(doc.event.place)),
                ],
                st,
                widths=(32 * mm, 4 * mm, 124 * mm),
            )
        )
        out.append(Spacer(1, 2 * mm))
    out.append(Spacer(1, 6 * mm))
    for i, block in enumerate(doc.signatures):
        out.append(_signature(doc, block, st, with_qr=i == len(doc.signatures) - 1))
        out.append(Spacer(1, 4 * mm))
    return out + _closing_lists(doc, st)


def _nota_dinas_heading(doc: LetterDoc, st, yth: str) -> list[Flowable]:
    """A nota dinas opens with its title and one table: to, from, cc, date, number, hal."""
    out: list[Flowable] = [Paragraph("NOTA DINAS", st["title"]), Spacer(1, 3 * mm)]
    out.append(
        _kv(
            [
                ("Yth.", yth),
                ("Dari", _e(doc.from_label)),
                ("Tembusan", "<br/>".join(_e(c) for c in doc.cc) or "-"),
                ("Tanggal", _e(doc.place_date.split(", ", 1)[-1])),
                ("Nomor", _e(doc.number)),
                ("Sifat", _e(doc.security)),
                ("Lampiran", _e(doc.attachments_label)),
                ("Hal", _e(doc.subject)),
            ],
            st,
        )
    )
    table = Table([[Spacer(1, 1)]], colWidths=[160 * mm], rowHeights=[2])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("LINEBELOW", (0, 0), (-1, -1), 1, colors.black),
            ]
        )
    )
    return [*out, Spacer(1, 2 * mm), table, Spacer(1, 4 * mm)]


def _letter_heading(doc: LetterDoc, st, yth: str) -> list[Flowable]:
    """Other letters: place and date, number, sifat, lampiran, hal, then the addressees."""
    out: list[Flowable] = [
        Paragraph(_e(doc.place_date), ParagraphStyle("pd", parent=st["base"], leftIndent=95 * mm))
    ]
    out.append(Spacer(1, 3 * mm))
    out.append(
        _kv(
            [
                ("Nomor", _e(doc.number)),
                ("Sifat", _e(doc.security)),
                ("Lampiran", _e(doc.attachments_label)),
                ("Hal", _e(doc.subject)),
            ],
            st,
            widths=(22 * mm, 4 * mm, 134 * mm),
        )
    )
    out.append(Spacer(1, 5 * mm))
    out.append(
        Paragraph(f"Yth. {yth}", ParagraphStyle("yth", parent=st["base"], leftIndent=95 * mm))
    )
    out.append(Paragraph("di Tempat", ParagraphStyle("dt", parent=st["base"], leftIndent=95 * mm)))
    out.append(Spacer(1, 6 * mm))
    return out


def _closing_lists(doc: LetterDoc, st) -> list[Flowable]:
    """The numbered tembusan (a nota dinas has them in its heading) and lampiran lists."""
    out: list[Flowable] = []
    if doc.cc and doc.type_code != "nota_dinas":
        out.append(Paragraph("Tembusan:", st["base"]))
        out.append(
            ListFlowable(
                [ListItem(Paragraph(_e(c), st["base"]), leftIndent=18) for c in doc.cc],
                bulletType="1",
                bulletFontName=FONT,
                leftIndent=18,
            )
        )
    if doc.attachment_names:
        out.append(Spacer(1, 4 * mm))
        out.append(Paragraph("Lampiran:", st["base"]))
        out.append(
            ListFlowable(
                [
                    ListItem(Paragraph(_e(n), st["base"]), leftIndent=18)
                    for n in doc.attachment_names
                ],
                bulletType="1",
                bulletFontName=FONT,
                leftIndent=18,
            )
        )
    return out


def render_letter(doc: LetterDoc) -> bytes:
    """The letter as PDF bytes (fonts embedded, metadata set)."""
    st = _styles()
    buffer = io.BytesIO()

    def on_page(canvas, template):
        canvas.saveState()
        if doc.draft:
            _watermark(canvas)
        page = canvas.getPageNumber()
        if page > 1:  # continuation pages carry their number at the top
            canvas.setFont(FONT, 10)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 15 * mm, f"- {page} -")
        if doc.signed_footer:
            canvas.setFont(FONT, 7)
            canvas.setStrokeColor(colors.grey)
            canvas.line(25 * mm, 18 * mm, A4[0] - 20 * mm, 18 * mm)
            y = 14 * mm
            for line in _wrap(doc.signed_footer, 130):
                canvas.drawString(25 * mm, y, line)
                y -= 3 * mm
            if doc.verify_url:
                canvas.drawString(25 * mm, y, f"Verifikasi: {doc.verify_url}")
        canvas.restoreState()

    template = page_template(
        buffer,
        margins=(25, 20, 20, 25),
        title=doc.subject,
        subject=doc.number,
        author=doc.tenant_name,
        keywords=f"naskah-document-id:{doc.document_id}",
    )
    template.build(
        letter_flowables(doc), onFirstPage=on_page, onLaterPages=on_page, canvasmaker=canvas_maker
    )
    _ = st
    return buffer.getvalue()


def _watermark(canvas) -> None:
    """KONSEP across the page: a preview is never mistaken for the signed letter."""
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.28))
    canvas.setFont(FONT, 96)
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(45)
    canvas.drawCentredString(0, -30, "KONSEP")
    canvas.restoreState()


def canvas_maker(*args, **kwargs) -> Canvas:
    """A canvas whose initial font is ours: no unembedded Helvetica in the file."""
    _fonts()
    if kwargs.get("initialFontName") is None:
        kwargs["initialFontName"] = FONT
    return Canvas(*args, **kwargs)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines
