"""The page template every PDF Naskah makes starts from."""

from __future__ import annotations

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate


def page_template(
    buffer, *, margins: tuple[float, float, float, float], wide: bool = False, **meta: str
) -> SimpleDocTemplate:
    """An A4 document (landscape when `wide`) with `margins` in millimetres (left, right, top,
    bottom); `meta` is the PDF's title, author, subject or keywords."""
    left, right, top, bottom = (m * mm for m in margins)
    return SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4) if wide else A4,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        creator="Naskah",
        **meta,
    )


def heading_style(
    name: str, base: ParagraphStyle, size: float, leading: float | None = None, **extra
) -> ParagraphStyle:
    """A bold, centred heading of the base style's font: the government's and the unit's names
    of a letterhead, a document's title."""
    return ParagraphStyle(
        name,
        parent=base,
        fontName=f"{base.fontName}-Bold",
        fontSize=size,
        leading=leading or base.leading,
        alignment=TA_CENTER,
        **extra,
    )
