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
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.pdfdoc import heading_style, page_template
from core.pdffonts import FONT, fonts_register

from ..layouts import Layout, PartSpec, layout_build
from .signature import (
    SignatureBlock,
    alpha,
    count_words,
    nip_spaced,
    ordinal,
    party_label,
)


def _fonts() -> None:
    fonts_register()


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
        "poskop": heading_style("poskop", base, 18, 22),
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
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


class _Rule(Flowable):
    """The thin second line of the double rule under a letterhead."""

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, 1

    def draw(self):
        self.canv.setLineWidth(0.6)
        self.canv.line(0, 0, self.width, 0)


def _grid(data, widths, *, style=()) -> Table:
    """A borderless table of paragraphs, top-aligned, flush left."""
    table = Table(data, colWidths=list(widths), hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                *style,
            ]
        )
    )
    return table


def _kv(rows: list[tuple[str, str]], st, widths=(28 * mm, 4 * mm, 128 * mm)) -> Table:
    data = [
        [Paragraph(k, st["base"]), Paragraph(":", st["base"]), Paragraph(v, st["base"])]
        for k, v in rows
    ]
    return _grid(data, widths)


def _e(text: str) -> str:
    return html.escape(text or "")


def _numbered(items: list[str]) -> str:
    """Markup of a numbered list inside one cell: "1. A<br/>2. B"."""
    if len(items) == 1:
        return _e(items[0])
    return "<br/>".join(f"{i}. {_e(x)}" for i, x in enumerate(items, 1))


# --- headings ---
def _addressee_block(doc: LetterDoc, st, indent: float) -> list[Flowable]:
    """Yth. and the addressees (numbered when several, "Daftar terlampir" past the layout's
    limit), then "di Tempat" or the addressee's city."""
    style = ParagraphStyle("yth", parent=st["base"], leftIndent=indent)
    if doc.listed:
        names = "(Daftar terlampir)"
    elif len(doc.addressees) > 1:
        names = "<br/>".join(f"{i}. {_e(a)}" for i, a in enumerate(doc.addressees, 1))
    else:
        names = _e(doc.addressees[0]) if doc.addressees else "-"
    table = Table(
        [[Paragraph("Yth.", st["base"]), Paragraph(names, st["base"])]],
        colWidths=[10 * mm, 160 * mm - indent - 10 * mm],
        hAlign="RIGHT" if indent else "LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    out: list[Flowable] = [table]
    if doc.di and doc.layout.di_tempat:
        out.append(
            Paragraph(_e(doc.di), ParagraphStyle("di", parent=style, leftIndent=indent + 10 * mm))
        )
    return out


def _letter_heading(doc: LetterDoc, st) -> list[Flowable]:
    """A letter: place and date, Nomor/Sifat/Lampiran/Hal, then the addressees."""
    right = ParagraphStyle("pd", parent=st["base"], leftIndent=95 * mm)
    out: list[Flowable] = [Paragraph(_e(doc.place_date), right), Spacer(1, 3 * mm)]
    out.append(
        _kv(
            [
                ("Nomor", _e(doc.number)),
                ("Sifat", _e(doc.sifat)),
                ("Lampiran", _e(doc.attachments_label)),
                ("Hal", _e(doc.subject)),
            ],
            st,
            widths=(22 * mm, 4 * mm, 134 * mm),
        )
    )
    out.append(Spacer(1, 5 * mm))
    if doc.layout.addressed:
        out += _addressee_block(doc, st, 95 * mm)
    return [*out, Spacer(1, 6 * mm)]


def _memo_heading(doc: LetterDoc, st) -> list[Flowable]:
    """A nota dinas, memo or telaahan staf: its title and one table, ruled off."""
    title = doc.title or doc.type_name.upper()
    out: list[Flowable] = [Paragraph(_e(title), st["title"]), Spacer(1, 3 * mm)]
    to = "(Daftar terlampir)" if doc.listed else _numbered(doc.addressees or ["-"])
    rows = [("Yth.", to), ("Dari", _e(doc.from_label))]
    if doc.cc and doc.layout.cc_label:
        rows.append(("Tembusan", _numbered(doc.cc)))
    rows += [
        ("Tanggal", _e(doc.date)),
        ("Nomor", _e(doc.number)),
        ("Sifat", _e(doc.sifat)),
        ("Lampiran", _e(doc.attachments_label)),
        ("Hal", _e(doc.subject)),
    ]
    out.append(_kv(rows, st))
    rule = Table([[Spacer(1, 1)]], colWidths=[160 * mm], rowHeights=[2])
    rule.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1, colors.black)]))
    return [*out, Spacer(1, 2 * mm), rule, Spacer(1, 4 * mm)]


def _title_heading(doc: LetterDoc, st) -> list[Flowable]:
    """An arahan or khusus naskah: the centred title, NOMOR and TENTANG (the addressees of
    a surat edaran or pengantar first)."""
    out: list[Flowable] = []
    if doc.layout.date_at == "header":
        right = ParagraphStyle("pd", parent=st["base"], leftIndent=95 * mm)
        out += [Paragraph(_e(doc.place_date), right), Spacer(1, 3 * mm)]
    if doc.layout.addressed:
        out += [*_addressee_block(doc, st, 95 * mm), Spacer(1, 5 * mm)]
    out.append(Paragraph(_e(doc.title or doc.type_name.upper()), st["title"]))
    out.append(Paragraph(f"NOMOR {_e(doc.number)}", st["center"]))
    if doc.layout.about:
        out.append(Spacer(1, 2 * mm))
        out.append(Paragraph("TENTANG", st["center"]))
        out.append(Paragraph(_e(doc.subject.upper()), st["center"]))
    return [*out, Spacer(1, 6 * mm)]


HEADINGS = {"letter": _letter_heading, "memo": _memo_heading, "title": _title_heading}


# --- parts ---
def _marker(style: str, i: int) -> str:
    if style == "alpha":
        return f"{alpha(i)}."
    if style == "ordinal":
        return ordinal(i)
    return f"{i}."


def _items_part(doc: LetterDoc, spec: PartSpec, items: list[str], st) -> list[Flowable]:
    """A labelled list ("Menimbang : a. ..."), or a decree's dictums, one row each."""
    if spec.style == "ordinal":
        rows = []
        if spec.enact:
            rows.append(("Menetapkan", f"{_e(doc.title)} TENTANG {_e(doc.subject.upper())}."))
        first = bool(spec.label)
        for i, text in enumerate(items, 1):
            if first:
                rows.append((spec.label, f"{ordinal(i)}. {_e(text)}"))
                first = False
            elif spec.label:
                rows.append(("", f"{ordinal(i)}. {_e(text)}"))
            else:
                rows.append((ordinal(i), _e(text)))
        data = [
            [
                Paragraph(k, st["base"]),
                Paragraph(":" if k else "", st["base"]),
                Paragraph(v, st["body"]),
            ]
            for k, v in rows
        ]
        return [
            _grid(data, (30 * mm, 4 * mm, 126 * mm), style=[("BOTTOMPADDING", (0, 0), (-1, -1), 4)])
        ]
    data = []
    for i, text in enumerate(items, 1):
        data.append(
            [
                Paragraph(spec.label if i == 1 else "", st["base"]),
                Paragraph(":" if i == 1 else "", st["base"]),
                Paragraph(_marker(spec.style, i) if len(items) > 1 else "", st["base"]),
                Paragraph(_e(text), st["body"]),
            ]
        )
    return [_grid(data, (30 * mm, 4 * mm, 8 * mm, 118 * mm))]


def _person_rows(row: dict) -> list[tuple[str, str]]:
    rows = [("Nama", row.get("name", ""))]
    if row.get("nip"):
        rows.append(("NIP", nip_spaced(row["nip"])))
    if row.get("rank"):
        rows.append(("Pangkat/Gol.", row["rank"]))
    if row.get("position"):
        rows.append(("Jabatan", row["position"]))
    return rows


def _people_part(spec: PartSpec, people: list[dict], st) -> list[Flowable]:
    """The people a task is given to: numbered, each with name, NIP, rank and post."""
    data = []
    for i, person in enumerate(people, 1):
        inner = _kv(
            [(k, _e(v)) for k, v in _person_rows(person)], st, widths=(28 * mm, 4 * mm, 86 * mm)
        )
        data.append(
            [
                Paragraph(spec.label if i == 1 else "", st["base"]),
                Paragraph(":" if i == 1 and spec.label else "", st["base"]),
                Paragraph(f"{i}." if len(people) > 1 else "", st["base"]),
                inner,
            ]
        )
    return [_grid(data, (30 * mm, 4 * mm, 8 * mm, 118 * mm))]


def _parties_part(parties: list[dict], st) -> list[Flowable]:
    """The parties of a berita acara or surat kuasa: each named, then what the text calls it."""
    out: list[Flowable] = []
    for i, party in enumerate(parties, 1):
        label = party.get("label") or party_label(i)
        inner = _kv(
            [(k, _e(v)) for k, v in _person_rows(party)],
            st,
            widths=(28 * mm, 4 * mm, 120 * mm),
        )
        data = [[Paragraph(f"{i}.", st["base"]), inner]]
        out.append(_grid(data, (8 * mm, 152 * mm)))
        out.append(
            Paragraph(
                f"selanjutnya disebut <b>{_e(label)}</b>.",
                ParagraphStyle("party", parent=st["base"], leftIndent=8 * mm),
            )
        )
        out.append(Spacer(1, 2 * mm))
    return out


def _event_part(doc: LetterDoc, acara: str, st) -> list[Flowable]:
    """An invitation's day, time, place and agenda."""
    if doc.event is None:
        return []
    rows = [
        ("Hari/Tanggal", _e(doc.event.day_date)),
        ("Waktu", _e(doc.event.time)),
        ("Tempat", _e(doc.event.place)),
    ]
    if acara:
        rows.append(("Acara", _e(acara)))
    return [
        Spacer(1, 1 * mm),
        _kv(rows, st, widths=(32 * mm, 4 * mm, 124 * mm)),
        Spacer(1, 3 * mm),
    ]


def _part_flowables(doc: LetterDoc, spec: PartSpec, st) -> list[Flowable]:
    value = doc.body_html if spec.name == "body" else doc.parts.get(spec.name)
    if spec.intro and value:  # "MEMUTUSKAN:" stays with what it introduces
        body = _part_body(doc, spec, value, st)
        intro = [Spacer(1, 2 * mm), Paragraph(_e(spec.intro), st["title"]), Spacer(1, 2 * mm)]
        return [KeepTogether([*intro, *body[:1]]), *body[1:]]
    return _part_body(doc, spec, value, st)


def _part_body(doc: LetterDoc, spec: PartSpec, value, st) -> list[Flowable]:
    out: list[Flowable] = []
    if spec.kind == "event":
        return out + _event_part(doc, value or "", st)
    if not value:
        return out
    match spec.kind:
        case "html":
            if spec.label:
                out.append(Paragraph(f"<b>{_e(spec.label)}</b>", st["base"]))
            out += body_flowables(value, st)
        case "text":
            out.append(_kv([(spec.label, _e(value))], st, widths=(34 * mm, 4 * mm, 122 * mm)))
        case "items":
            out += _items_part(doc, spec, value, st)
        case "people":
            out += _people_part(spec, value, st)
        case "parties":
            out += _parties_part(value, st)
    return [*out, Spacer(1, 2 * mm)]


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
        out += _part_flowables(doc, spec, st)
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
