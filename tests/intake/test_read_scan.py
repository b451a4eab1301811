"""`manage.py read_scan FILE`: one JSON object, never a traceback."""

import io
import json

import pytest
from django.core.management import call_command

from bench.generators.scans import letter_pdf, letter_truth, scan_set
from core.ocr import ocr_available

pytestmark = pytest.mark.django_db


def _run(path, *args) -> tuple[int, dict]:
    out = io.StringIO()
    try:
        call_command("read_scan", str(path), *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


@pytest.mark.skipif(not ocr_available(), reason="needs tesseract-ocr-ind and ocrmypdf")
def test_image_prints_fields_with_confidence(world, tmp_path):
    # GIVEN a scanned standard letter as PNG
    (scan,) = scan_set(1, seed=3, layouts=("standard",))
    path = tmp_path / "scan.png"
    path.write_bytes(scan.image_bytes)
    # WHEN it is read for the Medan tenant
    code, result = _run(path, "--tenant", "medan")
    # THEN one JSON object carries every field with its confidence and the OCR figures
    assert code == 0
    assert result["number"]["value"] == scan.truth["number"]
    assert result["date"]["value"] == scan.truth["date"]
    assert result["subject"]["value"].casefold() == scan.truth["subject"].casefold()
    for name in ("number", "date", "subject", "sender", "attachments", "addressee"):
        assert 0 < result[name]["confidence"] <= 1, name
    assert result["classification"] == []  # Medan has filed nothing yet
    assert result["ocr"]["pages"] == 1 and result["ocr"]["error"] == ""
    assert result["ocr"]["seconds"] > 0


def test_pdf_with_its_own_text_is_not_ocred(world, tmp_path):
    import random

    letter = letter_truth(random.Random(5))
    path = tmp_path / "letter.pdf"
    path.write_bytes(letter_pdf("nota_dinas", letter))
    code, result = _run(path, "--tenant", "medan")
    assert code == 0
    assert result["ocr"] == {"seconds": 0.0, "pages": 1, "error": "", "text_layer": True}
    assert result["number"]["value"] == letter["truth"]["number"]
    assert result["date"]["value"] == letter["truth"]["date"]
    assert result["subject"]["value"].casefold() == letter["truth"]["subject"].casefold()
    assert result["number"]["confidence"] >= 0.9  # read from its labelled row


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"this is not a scan at all", "not a PDF, PNG, JPEG or TIFF file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "OCR failed"),
        (b"%PDF-1.7\n%garbage without objects\n", "OCR failed"),
    ],
)
def test_garbage_file_gives_an_error_and_exit_1(world, tmp_path, content, error):
    if error == "OCR failed" and not ocr_available():
        pytest.skip("needs tesseract-ocr-ind and ocrmypdf")
    path = tmp_path / "garbage.bin"
    path.write_bytes(content)
    code, result = _run(path, "--tenant", "medan")
    assert code == 1
    assert result["error"].startswith(error)
    assert "number" not in result


def test_missing_file_and_unknown_tenant(world, tmp_path):
    code, result = _run(tmp_path / "nowhere.png", "--tenant", "medan")
    assert code == 1 and result["error"].startswith("cannot read")
    path = tmp_path / "x.png"
    path.write_bytes(b"\x89PNG")
    code, result = _run(path, "--tenant", "atlantis")
    assert code == 1 and result == {"error": "no tenant 'atlantis'"}
