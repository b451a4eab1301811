"""The heading and the structured parts of a letter, by its layout: the letter, memo and
title headings, labelled lists (Menimbang, Dasar, dictums), people, parties and the event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.pdffonts import FONT

from ..layouts import PartSpec
from .flow import _e, _grid, _kv, _numbered, body_flowables
from .signature import alpha, nip_spaced, ordinal, party_label

if TYPE_CHECKING:
    from .render import LetterDoc


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
        rows.append((_e(doc.layout.cc_label), _numbered(doc.cc)))
    rows += [
        ("Tanggal", _e(doc.date)),
        ("Nomor", _e(doc.number)),
        ("Sifat", _e(doc.sifat)),
        ("Lampiran", _e(doc.attachments_label)),
        ("Hal", _e(doc.subject)),
    ]
    out.append(_kv(rows, st))
    rule = Table([[Spacer(1, 1)]], colWidths=[160 * mm], rowHeights=[2])
    rule.setStyle(  # a table names its font even for an empty cell: ours, not Helvetica
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, -1), 1, colors.black), ("FONTNAME", (0, 0), (-1, -1), FONT)]
        )
    )
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
                Paragraph(v, st["base"] if k == "Menetapkan" else st["body"]),
            ]
            for k, v in rows
        ]
        widths, pad = (30 * mm, 4 * mm, 126 * mm), [("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
        return [_grid([row], widths, style=pad) for row in data]  # one each: pages break between
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
    return [_grid([row], (30 * mm, 4 * mm, 8 * mm, 118 * mm)) for row in data]


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
    return [_grid([row], (30 * mm, 4 * mm, 8 * mm, 118 * mm)) for row in data]


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
    rows = []
    if doc.event is not None:
        rows = [
            ("Hari/Tanggal", _e(doc.event.day_date)),
            ("Waktu", _e(doc.event.time)),
            ("Tempat", _e(doc.event.place)),
        ]
    if acara:
        rows.append(("Acara", "<br/>".join(_e(line) for line in acara.splitlines())))
    if not rows:
        return []
    return [
        Spacer(1, 1 * mm),
        _kv(rows, st, widths=(32 * mm, 4 * mm, 124 * mm)),
        Spacer(1, 3 * mm),
    ]


def part_flowables(doc: LetterDoc, spec: PartSpec, st) -> list[Flowable]:
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
