"""Render a letter the way a naskah dinas looks (reportlab platypus).

The renderer works on `LetterDoc`, plain data built from a letter by `correspondence.pdf.build`,
so that every letter type can be rendered (and tested) the same way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.pdfdoc import page_template
from core.pdffonts import FONT, canvas_maker

from ..layouts import Layout, layout_build
from .flow import _e, _grid, _Rule, _styles
from .sections import HEADINGS, part_flowables
from .signature import (
    SignatureBlock,
    count_words,
)


@dataclass
class Letterhead:
    """The kop: the government and the OPD with the OPD's address, or (`position`) the post
    of the region's head on one line ("WALI KOTA MEDAN")."""

    government: str
    unit: str
    address_lines: list[str]
    logo: bytes | None = None
    position: bool = False


@dataclass
class EventBlock:
    day_date: str
    time: str
    place: str


@dataclass
class LetterDoc:
    """Everything a letter's pages show, as plain data (`build.letter_doc` reads it from a
    letter; `samples` writes it by hand)."""

    type_code: str
    type_name: str
    letterhead: Letterhead
    number: str
    sifat: str  # "Biasa", "Rahasia", "Segera", "Rahasia, Sangat Segera"
    subject: str
    place: str
    date: str
    addressees: list[str]
    body_html: str
    signatures: list[SignatureBlock]
    layout: Layout = field(default_factory=lambda: layout_build("surat_dinas"))
    parts: dict = field(default_factory=dict)
    title: str = ""  # the centred title, its {authority} filled in
    di: str = "di Tempat"  # under the addressees ("" for none)
    cc: list[str] = field(default_factory=list)
    from_label: str = ""
    event: EventBlock | None = None
    attachment_names: list[str] = field(default_factory=list)
    attachments_count: int = 0
    marking: str = ""  # the security level printed on every page (RAHASIA ...)
    marking_red: bool = False
    verify_url: str = ""
    signed_footer: str = ""
    document_id: str = ""
    tenant_name: str = ""
    draft: bool = False  # a preview: KONSEP across every page

    @property
    def place_date(self) -> str:
        return f"{self.place}, {self.date}"

    @property
    def attachments_label(self) -> str:
        n = self.attachments_count or len(self.attachment_names)
        return count_words(n, "berkas") if n else "-"

    @property
    def listed(self) -> bool:
        """Too many addressees for the heading: "Daftar terlampir" and a list page."""
        return len(self.addressees) > self.layout.addressees_max


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


def letterhead_flowables(head: Letterhead, st) -> list[Flowable]:
    """The kop, first page only (it is content, not a page decoration)."""
    if head.position:
        text = [Paragraph(_e(head.unit.upper()), st["poskop"])]
    else:
        text = [
            Paragraph(_e(head.government.upper()), st["gov"]),
            Paragraph(_e(head.unit.upper()), st["unit"]),
            *[Paragraph(_e(line), st["addr"]) for line in head.address_lines if line],
        ]
    logo: Flowable = Spacer(22 * mm, 22 * mm)
    if head.logo:
        try:
            logo = Image(io.BytesIO(head.logo), width=22 * mm, height=22 * mm, kind="proportional")
        except Exception:  # noqa: BLE001  (a broken logo must not stop a letter)
            logo = Spacer(22 * mm, 22 * mm)
    table = Table([[logo, text]], colWidths=[26 * mm, 134 * mm])
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    if head.position:  # the head's kop: emblem and post, no address and no rule
        table.setStyle(TableStyle(style))
        return [table, Spacer(1, 5 * mm)]
    table.setStyle(TableStyle([*style, ("LINEBELOW", (0, 0), (-1, 0), 2, colors.black)]))
    return [table, Spacer(1, 1.2 * mm), _Rule(), Spacer(1, 5 * mm)]


# --- the signature ---
def _signature_cells(doc: LetterDoc, block: SignatureBlock, st, *, with_qr: bool) -> list:
    lines: list[Flowable] = []
    if block.label:
        lines.append(Paragraph(f"<b>{_e(block.label)}</b>", st["sign"]))
    lines += [Paragraph(_e(line), st["sign"]) for line in block.lines]
    if with_qr and doc.verify_url:
        lines += [Spacer(1, 2 * mm), _qr(doc.verify_url), Spacer(1, 2 * mm)]
    else:
        lines.append(Spacer(1, 20 * mm))
    lines.append(Paragraph(f"<b><u>{_e(block.name)}</u></b>", st["sign"]))
    if block.rank:
        lines.append(Paragraph(_e(block.rank), st["sign"]))
    if block.nip:
        lines.append(Paragraph(f"NIP. {_e(block.nip)}", st["sign"]))
    return lines


def _dated(doc: LetterDoc, st) -> list[Flowable]:
    """Above the signature: "Medan, <date>" or "Ditetapkan di Medan / pada tanggal <date>"."""
    if doc.layout.date_at == "signature":
        return [Paragraph(_e(doc.place_date), st["sign"]), Spacer(1, 2 * mm)]
    if doc.layout.date_at == "enacted":
        return [
            _grid(
                [
                    [
                        Paragraph("Ditetapkan di", st["sign"]),
                        Paragraph(f": {_e(doc.place)}", st["sign"]),
                    ],
                    [
                        Paragraph("pada tanggal", st["sign"]),
                        Paragraph(f": {_e(doc.date)}", st["sign"]),
                    ],
                ],
                (32 * mm, 43 * mm),
                style=[("LINEBELOW", (0, 1), (-1, 1), 0.6, colors.black)],
            ),
            Spacer(1, 3 * mm),
        ]
    return []


def _signatures(doc: LetterDoc, st) -> list[Flowable]:
    """The signature blocks: at the right one below the other, or (parties) side by side in
    pairs with the one who knows ("Mengetahui") centred below."""
    blocks = doc.signatures
    last = len(blocks) - 1
    out: list[Flowable] = []
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ]
    if doc.layout.signature == "parties" and len(blocks) > 1:
        sides = blocks if len(blocks) % 2 == 0 else blocks[:-1]
        for i in range(0, len(sides), 2):
            row = [
                _signature_cells(doc, b, st, with_qr=i + j == last)
                for j, b in enumerate(sides[i : i + 2])
            ]
            table = Table([row], colWidths=[80 * mm, 80 * mm])
            table.setStyle(TableStyle(style))
            out += [table, Spacer(1, 4 * mm)]
        if len(blocks) % 2:
            table = Table(
                [[Spacer(1, 1), _signature_cells(doc, blocks[-1], st, with_qr=True)]],
                colWidths=[45 * mm, 115 * mm],
            )
            table.setStyle(TableStyle(style))
            out.append(table)
        return out
    for i, block in enumerate(blocks):
        cells = _signature_cells(doc, block, st, with_qr=i == last)
        if i == 0:
            cells = [*_dated(doc, st), *cells]
        table = Table([[Spacer(1, 1), cells]], colWidths=[85 * mm, 75 * mm])
        table.setStyle(TableStyle(style))
        out += [table, Spacer(1, 4 * mm)]
    if not blocks:
        out += _dated(doc, st)
    return out


def letter_flowables(doc: LetterDoc) -> list[Flowable]:
    """The letter's page content in order: kop, heading, the parts of its layout, the
    signature kept with the paragraph before it, tembusan, lampiran and the list of
    addressees when they are too many for the heading."""
    st = _styles()
    out: list[Flowable] = letterhead_flowables(doc.letterhead, st)
    out += HEADINGS[doc.layout.heading](doc, st)
    for spec in doc.layout.parts:
        out += part_flowables(doc, spec, st)
    while out and isinstance(out[-1], Spacer):
        out.pop()
    # The closing paragraph never leaves the signature alone on a page.
    tail = [out.pop()] if out and len(out) > 1 else []
    out.append(KeepTogether([*tail, Spacer(1, 6 * mm), *_signatures(doc, st)]))
    return out + _closing_lists(doc, st) + _addressee_list(doc, st)


def _closing_lists(doc: LetterDoc, st) -> list[Flowable]:
    """The numbered tembusan (a memo has them in its heading) and lampiran lists, each kept
    whole with its heading."""
    out: list[Flowable] = []
    if doc.cc and doc.layout.heading != "memo" and doc.layout.cc_label:
        out.append(Spacer(1, 4 * mm))
        out.append(_list_block(f"{doc.layout.cc_label}:", doc.cc, st))
    if doc.attachment_names:
        out.append(Spacer(1, 4 * mm))
        out.append(_list_block("Lampiran:", doc.attachment_names, st))
    return out


def _list_block(label: str, items: list[str], st) -> Flowable:
    block = [
        Paragraph(_e(label), st["base"]),
        ListFlowable(
            [ListItem(Paragraph(_e(c), st["base"]), leftIndent=18) for c in items],
            bulletType="1",
            bulletFormat="%s.",
            bulletFontName=FONT,
            leftIndent=18,
        )
        if len(items) > 1
        else Paragraph(_e(items[0]), st["base"]),
    ]
    return KeepTogether(block)


def _addressee_list(doc: LetterDoc, st) -> list[Flowable]:
    """The list page of a letter with more addressees than its heading shows."""
    if not doc.listed:
        return []
    head = attachment_header_lines(doc)
    out: list[Flowable] = [PageBreak()]
    out.append(
        _grid(
            [[Spacer(1, 1), [Paragraph(_e(line), st["base"]) for line in head]]],
            (85 * mm, 75 * mm),
        )
    )
    out += [Spacer(1, 6 * mm), Paragraph("DAFTAR PENERIMA", st["title"]), Spacer(1, 3 * mm)]
    out.append(_list_block("Yth.", doc.addressees, st))
    return out


def attachment_header_lines(doc: LetterDoc) -> list[str]:
    """The header of every lampiran page: "Lampiran <type> ... / Nomor ... / Tanggal ..."."""
    return [
        f"Lampiran {doc.title.title() if doc.title else doc.type_name}",
        f"Nomor   : {doc.number}",
        f"Tanggal : {doc.date}",
    ]


def page_decorate(canvas, doc: LetterDoc, page: int, width: float, height: float) -> None:
    """What every page carries: KONSEP on a preview, the security marking, the page number
    of a continuation page, and the signed footer with the verification link."""
    canvas.saveState()
    if doc.draft:
        _watermark(canvas, width, height)
    if doc.marking:
        canvas.setFillColor(colors.red if doc.marking_red else colors.black)
        canvas.setFont(f"{FONT}-Bold", 11)
        canvas.drawCentredString(width / 2, height - 9 * mm, doc.marking)
        canvas.drawCentredString(width / 2, 5 * mm, doc.marking)
        canvas.setFillColor(colors.black)
    if page > 1:  # continuation pages carry their number at the top
        canvas.setFont(FONT, 10)
        canvas.drawCentredString(width / 2, height - 15 * mm, f"- {page} -")
    if doc.signed_footer:
        canvas.setFont(FONT, 7)
        canvas.setStrokeColor(colors.grey)
        canvas.line(25 * mm, 18 * mm, width - 20 * mm, 18 * mm)
        y = 14 * mm
        for line in _wrap(doc.signed_footer, 130):
            canvas.drawString(25 * mm, y, line)
            y -= 3 * mm
        if doc.verify_url:
            canvas.drawString(25 * mm, y, f"Verifikasi: {doc.verify_url}")
    canvas.restoreState()


def render_letter(doc: LetterDoc) -> bytes:
    """The letter as PDF bytes (fonts embedded, metadata set)."""
    buffer = io.BytesIO()

    def on_page(canvas, template):
        page_decorate(canvas, doc, canvas.getPageNumber(), *A4)

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
    return buffer.getvalue()


def attachment_overlay(doc: LetterDoc, page: int, width: float, height: float) -> bytes:
    """One transparent page of the attached page's size with the lampiran header at the top
    right and the letter's page decoration (marking, page number, footer)."""
    buffer = io.BytesIO()
    canvas = canvas_maker(buffer, pagesize=(width, height))
    page_decorate(canvas, doc, page, width, height)
    canvas.setFont(FONT, 8)
    y = height - 12 * mm
    for line in attachment_header_lines(doc):
        canvas.drawString(width - 80 * mm, y, line)
        y -= 3.5 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _watermark(canvas, width: float = A4[0], height: float = A4[1]) -> None:
    """KONSEP across the page: a preview is never mistaken for the signed letter."""
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.28))
    canvas.setFont(FONT, 96)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(45)
    canvas.drawCentredString(0, -30, "KONSEP")
    canvas.restoreState()


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
