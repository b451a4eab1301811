"""The compose editor's body: what the server keeps (nh3) and how the PDF renders it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from correspondence import services as svc
from correspondence.pdf import render, samples

EDITOR_BODY = (
    "<p>Dengan hormat,</p>"
    "<p></p>"
    '<p data-indent="2">Paragraf <strong>menjorok</strong> dan <em>miring</em>.</p>'
    "<ol><li><p>Pertama</p><ol><li><p>Anak satu</p></li><li><p>Anak dua</p></li></ol></li>"
    "<li><p>Kedua</p></li></ol>"
    "<ul><li><p>Butir</p></li></ul>"
    '<table style="min-width: 50px"><colgroup><col style="min-width: 25px"></colgroup><tbody>'
    '<tr><th colspan="1" rowspan="1"><p>Nama</p></th><th><p>Jabatan</p></th></tr>'
    "<tr><td><p>Budi</p></td><td><p>Kepala Seksi</p></td></tr></tbody></table>"
    "<p>Penutup.</p>"
)


def _text(body: str) -> str:
    doc = samples.sample_doc("surat_dinas", "Surat Dinas", long=False)
    doc.body_html = svc.body_sanitize(body)
    data = render.render_letter(doc)
    return " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages
    )


def _in_order(text: str, parts: list[str]) -> None:
    at = 0
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} missing or out of order after position {at}: {text}"
        at = found + len(part)


def test_sanitiser_keeps_exactly_the_editor_markup():
    # GIVEN what the editor posts, with what a browser or a paste could add
    body = (
        '<p data-indent="3" style="color:red" onclick="x()">a <b>b</b> <i>c</i></p>'
        '<p data-indent="9">too deep</p><h2>title</h2><a href="javascript:x">l</a>'
        "<script>alert(1)</script><table><colgroup><col></colgroup><tbody><tr>"
        '<td colspan="2"><p>x</p></td></tr></tbody></table>'
    )
    # WHEN it is sanitised  THEN indentation 1-4 stays, b/i become strong/em, the rest goes
    assert svc.body_sanitize(body) == (
        '<p data-indent="3">a <strong>b</strong> <em>c</em></p><p>too deep</p>title'
        "l<table><tbody><tr><td><p>x</p></td></tr></tbody></table>"
    )


def test_plain_text_keeps_its_blank_lines():
    # GIVEN text from an API client or a textarea without the editor
    text = "Dengan hormat,\nbaris dua\n\n\n\nParagraf < baru"
    # THEN a blank line separates paragraphs and each further blank line is an empty paragraph
    assert svc.body_sanitize(text) == (
        "<p>Dengan hormat,<br>baris dua</p><p></p><p></p><p>Paragraf &lt; baru</p>"
    )


def test_pdf_renders_lists_tables_and_indentation_in_order():
    text = _text(EDITOR_BODY)
    _in_order(
        text,
        [
            "Dengan hormat,",
            "Paragraf menjorok dan miring.",
            "1. Pertama",
            "a. Anak satu",
            "b. Anak dua",
            "2. Kedua",
            "• Butir",
            "Nama",
            "Jabatan",
            "Budi",
            "Kepala Seksi",
            "Penutup.",
        ],
    )
    # the nested list belongs to item 1: no third number
    assert "3." not in text.split("Butir")[0].split("Pertama")[1]


def test_pdf_indents_and_keeps_blank_lines():
    # GIVEN two bodies alike but for an indented paragraph and blank lines
    from correspondence.pdf.flow import _styles, body_flowables

    styles = _styles()
    flat = body_flowables(svc.body_sanitize("<p>a</p><p>b</p>"), styles)
    spaced = body_flowables(
        svc.body_sanitize('<p>a</p><p></p><p></p><p data-indent="2">b</p>'), styles
    )
    # THEN the blank lines stay as two spacers and the indented paragraph moves right
    assert len(spaced) == len(flat) + 2
    assert flat[-1].style.leftIndent == 0
    assert spaced[-1].style.leftIndent > 0


@pytest.mark.parametrize(
    "body",
    [
        "Surat lama tanpa markup.\n\nParagraf kedua.",
        "<p>Lama</p><ul><li>tanpa paragraf</li></ul><b>tebal</b>",
        "<ol><li>satu<ol><li>dua</li></ol></li></ol>",
    ],
)
def test_old_and_plain_bodies_still_render(body):
    text = _text(body)
    assert "Budi Hasibuan" in text  # the signature block after the body
