"""The building blocks of every Naskah page: styles, the sanitised body as flowables, and
borderless tables of label : value."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from core.pdfdoc import heading_style
from core.pdffonts import FONT, fonts_register


def _fonts() -> None:
    fonts_register()


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


_TAG = re.compile(r"<[^>]+>")
_OPEN = {"<b>": "b", "<i>": "i", "<u>": "u"}
_CLOSE = {"</b>": "b", "</i>": "i", "</u>": "u"}


def _balanced(tokens: list[str]) -> tuple[str, list[str]]:
    """Paragraph markup from the parser's tokens with every inline tag closed in order (a
    stray closing tag dropped), and the tags still open at its end, to reopen in the next
    one: reportlab refuses markup that is not well nested, and HTML allows `<b>a<p>b</p></b>`."""
    out, stack = [], []
    for token in tokens:
        if token in _OPEN:
            stack.append(_OPEN[token])
            out.append(token)
        elif token in _CLOSE:
            tag = _CLOSE[token]
            if tag in stack:
                while stack:
                    top = stack.pop()
                    out.append(f"</{top}>")
                    if top == tag:
                        break
        else:
            out.append(token)
    still_open = list(stack)
    out += [f"</{tag}>" for tag in reversed(stack)]
    return "".join(out).strip(), still_open


# Numbered lists by depth as a naskah dinas numbers them: 1., a., 1), a); bullets • and –.
_NUMBERING = [("1", "%s."), ("a", "%s."), ("1", "%s)"), ("a", "%s)")]
_BULLETS = ["•", "–"]
INDENT_STEP = 10 * mm  # one level of a paragraph's data-indent
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "blockquote"}


class _BodyParser(HTMLParser):
    """The body is already sanitised (nh3, on save); this maps its tags to platypus. A list
    item holds its paragraphs and nested lists (one number for all of them); an empty
    paragraph is a blank line; `data-indent` moves a paragraph right."""

    def __init__(self, styles):
        super().__init__(convert_charrefs=True)
        self.styles = styles
        self.out: list[Flowable] = []
        self.text: list[str] = []
        self.lists: list[tuple[str, list[list[Flowable]]]] = []
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.indent = 0
        self.empty_paragraph = False  # a <p> opened and nothing in it yet

    def _buffer(self) -> list[str]:
        return self.cell if self.cell is not None else self.text

    def _style(self) -> ParagraphStyle:
        if not self.indent or self.lists:
            return self.styles["body"]
        return ParagraphStyle(
            f"body-indent-{self.indent}",
            parent=self.styles["body"],
            leftIndent=self.indent * INDENT_STEP,
        )

    def _place(self, flowable: Flowable) -> None:
        if self.lists:
            items = self.lists[-1][1]
            if not items:
                items.append([])
            items[-1].append(flowable)
        else:
            self.out.append(flowable)

    def _flush(self):
        markup, still_open = _balanced(self.text)
        self.text = [f"<{tag}>" for tag in still_open]  # bold across paragraphs stays bold
        if not _TAG.sub("", markup).strip():
            return
        self.empty_paragraph = False
        self._place(Paragraph(markup, self._style()))

    def _list_end(self):
        self._flush()
        kind, items = self.lists.pop()
        depth = sum(1 for k, _ in self.lists if k == kind)
        if kind == "ol":
            bullet, fmt = _NUMBERING[depth % len(_NUMBERING)]
            options = {
                "bulletType": bullet,
                "bulletFormat": fmt,
                "start": "1" if bullet == "1" else "a",
            }
        else:
            options = {"bulletType": "bullet", "start": _BULLETS[depth % len(_BULLETS)]}
        flow = ListFlowable(
            [ListItem(item, leftIndent=18) for item in items if item],
            bulletFontName=FONT,
            leftIndent=18,
            **options,
        )
        self._place(flow)

    def _cell_start(self, tag):
        self.cell = ["<b>"] if tag == "th" else []

    def handle_starttag(self, tag, attrs):
        if tag in INLINE:
            self._buffer().append(f"<{INLINE[tag]}>")
        elif tag == "br":
            self._buffer().append("<br/>")
        elif tag in _BLOCKS:
            if self.cell is not None:
                if _TAG.sub("", "".join(self.cell)).strip():
                    self.cell.append("<br/>")  # paragraphs inside a cell: one line each
                return
            self._flush()
            self.indent = int(dict(attrs).get("data-indent") or 0) if tag == "p" else 0
            self.empty_paragraph = tag == "p"
        elif tag in {"ul", "ol"}:
            self._flush()
            self.lists.append((tag, []))
        elif tag == "li":
            self._flush()
            if self.lists:
                self.lists[-1][1].append([])
        elif tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in {"td", "th"} and self.table is not None:
            self._cell_start(tag)

    def handle_endtag(self, tag):
        if tag in INLINE:
            self._buffer().append(f"</{INLINE[tag]}>")
        elif tag in _BLOCKS and self.cell is not None:
            return
        elif tag in _BLOCKS or tag == "li":
            blank = tag == "p" and self.empty_paragraph and not _TAG.sub("", "".join(self.text))
            self._flush()
            if blank and not self.lists:
                self.out.append(Spacer(1, self.styles["body"].leading))  # a blank line kept
            self.empty_paragraph = False
            self.indent = 0
        elif tag in {"ul", "ol"} and self.lists:
            self._list_end()
        elif tag in {"td", "th"} and self.cell is not None and self.table:
            if tag == "th":
                self.cell.append("</b>")
            self.table[-1].append(_balanced(self.cell)[0])
            self.cell = None
        elif tag == "table" and self.table is not None:
            # rows left empty (the editor adds one when Tab leaves the last cell) print as nothing
            rows = [r for r in self.table if any(_TAG.sub("", c).strip() for c in r)]
            self.table = None
            if rows:
                self._place(_body_table(rows, self.styles))
                self._place(Spacer(1, 4))

    def handle_data(self, data):
        if data.strip():
            self.empty_paragraph = False
        self._buffer().append(html.escape(data, quote=False))

    def close(self):
        super().close()
        self._flush()
        while self.lists:
            self._list_end()
        return self.out


def _body_table(rows: list[list[str]], styles) -> Table:
    """A simple table of the body: a grid, equal columns across the text width."""
    width = max(len(r) for r in rows)
    data = [[Paragraph(c, styles["cell"]) for c in r + [""] * (width - len(r))] for r in rows]
    table = Table(data, repeatRows=0, hAlign="LEFT", colWidths=[(160 * mm) / width] * width)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def body_flowables(body_html: str, styles) -> list[Flowable]:
    parser = _BodyParser(styles)
    parser.feed(body_html or "")
    return parser.close()


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
    table = Table(data, colWidths=list(widths), hAlign="LEFT", splitInRow=1)  # long rows break
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
