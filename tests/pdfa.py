"""The PDF/A checks every official PDF is held to in the tests, by four readers: the named
checks of `core.pdfa.pdfa_problems` (written apart from the finishing step they check),
pikepdf's allowlist validator built on the veraPDF rule catalogue, qpdf's structural check
(through pikepdf) and, where poppler is installed, `pdffonts` (every font embedded). veraPDF
itself is a Java program not packaged in Debian nor on PyPI, so CI cannot install it."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pikepdf
from pikepdf import pdfa as pikepdf_pdfa

from core.pdfa import pdfa_problems


def _tool(name: str, data: bytes, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run a command-line tool on the PDF, or None when it is not installed."""
    if shutil.which(name) is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.pdf"
        path.write_bytes(data)
        return subprocess.run([name, *args, path], capture_output=True, text=True, check=False)


def pdffonts_rows(data: bytes) -> list[list[str]] | None:
    """poppler's font list of the PDF (name, type, encoding, emb, sub, uni, object, gen), or
    None when poppler is not installed."""
    out = _tool("pdffonts", data)
    if out is None:
        return None
    assert out.returncode == 0, out.stderr
    # Columns are fixed width; the last six fields are single words, the name and type may
    # not be ("CID TrueType"), so the row is read from its end.
    return [line.rsplit(None, 6) for line in out.stdout.splitlines()[2:] if line.strip()]


# What pikepdf's validator does not check rather than finds wrong: a signed PDF's form (the
# signature field) and, past it, the embedded files it then no longer reaches. The revision
# the signature covers is checked without them (`first_revision`).
def _unchecked_when_signed(finding) -> bool:
    return finding.kind == "unsupported" and (
        finding.rule == "pikepdf:embedded-file"
        or (
            finding.rule == "pikepdf:schema-Catalog"
            # the signature's form, its certification (DocMDP) and its security store
            and any(key in finding.message for key in ("/AcroForm", "/Perms", "/DSS"))
        )
    )


def first_revision(data: bytes) -> bytes:
    """The file as it was before its first incremental update (what the first signer signed)."""
    return data[: data.index(b"%%EOF") + len(b"%%EOF\n")]


def assert_pdfa(data: bytes, part: int, *, signed: bool = False) -> None:
    """`data` passes every reader as PDF/A-`part`b (`signed`: pikepdf's validator finds no
    violation, and leaves unchecked only the form and the embedded files)."""
    assert data.startswith(b"%PDF-1.7"), data[:9]
    problems = pdfa_problems(data, part=part)
    assert problems == [], problems
    report = pikepdf_pdfa.validate_written(io.BytesIO(data), f"{part}b")
    if signed:
        left = [f for f in report.findings if not _unchecked_when_signed(f)]
        assert left == [], [str(f) for f in left]
    else:
        assert report.passed, [str(f) for f in report.findings]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        syntax = pdf.check_pdf_syntax()  # qpdf's own structural check (as qpdf --check)
        assert syntax == [], syntax
    qpdf = _tool("qpdf", data, "--check")  # the command line too, where Debian's qpdf is
    assert qpdf is None or qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
    rows = pdffonts_rows(data)
    if rows is not None:
        assert rows, "no fonts at all"
        unembedded = [r[0] for r in rows if r[-5] != "yes"]
        assert unembedded == [], unembedded
