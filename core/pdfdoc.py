"""The page template every PDF Naskah makes starts from."""

from __future__ import annotations

from reportlab.lib.pagesizes import A4, landscape
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
