"""Generated scans through the real OCR (ocrmypdf + Tesseract ind) and the field rules."""

import pytest

from bench.generators.scans import scan_set
from core.ocr import ocr, ocr_available
from intake.fields import letter_fields

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not ocr_available(), reason="needs tesseract with tesseract-ocr-ind and ocrmypdf"
    ),
]


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.mark.parametrize("layout", ["standard", "nota_dinas", "edaran"])
def test_ocr_of_a_scan_reads_the_subject_and_the_fields(layout):
    # GIVEN a letter drawn, rasterised at 200 dpi, speckled and skewed
    (scan,) = scan_set(1, seed=7, layouts=(layout,))
    # WHEN the worker reads it
    result = ocr(scan.image_bytes, content_type="image/png")
    # THEN the text holds the subject, and the fields match what was drawn
    assert result.ok, result.error
    assert result.pages == 1
    assert _plain(scan.truth["subject"]) in _plain(result.text)
    fields = letter_fields(result.text)
    assert fields["number"]["value"] == scan.truth["number"]
    assert fields["date"]["value"] == scan.truth["date"]
    assert _plain(fields["subject"]["value"]) == _plain(scan.truth["subject"])


def test_image_only_pdf_scan_is_read_too():
    (scan,) = scan_set(1, seed=11, layouts=("date_on_nomor",))
    result = ocr(scan.pdf_bytes, content_type="application/pdf")
    assert result.ok, result.error
    assert letter_fields(result.text)["number"]["value"] == scan.truth["number"]
