"""The fonts every generated PDF embeds (DejaVu Serif), registered once with reportlab, so
letters and archive documents look alike and their text extracts the same everywhere."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).parent / "fonts"
FONT = "NaskahSerif"


def fonts_register() -> str:
    """Register the serif family (regular, bold, italic, bold italic); returns its name."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    for suffix, name in (
        ("", FONT),
        ("-Bold", f"{FONT}-Bold"),
        ("-Italic", f"{FONT}-Italic"),
        ("-BoldItalic", f"{FONT}-BoldItalic"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"DejaVuSerif{suffix}.ttf")))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=f"{FONT}-Bold",
        italic=f"{FONT}-Italic",
        boldItalic=f"{FONT}-BoldItalic",
    )
    return FONT


def canvas_maker(*args, **kwargs) -> Canvas:
    """A canvas whose initial font is ours: reportlab otherwise names Helvetica on every page,
    a standard font it never embeds, which PDF/A forbids."""
    fonts_register()
    if kwargs.get("initialFontName") is None:
        kwargs["initialFontName"] = FONT
    return Canvas(*args, **kwargs)
