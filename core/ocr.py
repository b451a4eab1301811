"""OCR of scans: ocrmypdf with Tesseract's Indonesian model, in a limited child process.

    python -m core.ocr IN OUT SIDECAR      (the child: writes a searchable PDF/A and its text)

The child runs at the idle CPU priority (SCHED_IDLE) with one Tesseract thread, so pages keep being served
while a worker reads a scan; CPU time, memory and wall-clock time are limited, so a hostile
file can only exhaust the child. The original is never altered: the result is a new PDF/A
with the text layer, and the text itself. A PDF that already has text is refused with the
error "has text" (its text is read directly, see `archive.services.text`): Debian's Ghostscript
10.0 corrupts such files when ocrmypdf skips their text pages.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ["ind", "eng"]
MAX_BYTES = 50 * 1024 * 1024
MAX_PAGES = 50
TIMEOUT = 300.0
CPU_SECONDS = 600
MEMORY_BYTES = 3 * 1024 * 1024 * 1024
NICE = 10
IMAGE_DPI = 200  # assumed for images that do not say their resolution
IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff")
PDF_TYPE = "application/pdf"
PROGRESS = "naskah-ocr-progress"
NOT_PDFA = "naskah-ocr-not-pdfa"


@dataclass(frozen=True)
class OcrResult:
    """A searchable PDF/A (empty on failure), its text, its page count and "" or the reason
    the OCR failed ("timeout", "unavailable", "encrypted", …)."""

    pdf: bytes
    text: str
    pages: int
    error: str
    seconds: float = 0.0
    pdfa: bool = True

    @property
    def ok(self) -> bool:
        return not self.error


@functools.cache
def ocr_available() -> bool:
    """Tesseract with the Indonesian model and ocrmypdf are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return False
    out = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout
    return "ind" in out.split()


def ocr_supports(content_type: str) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind == PDF_TYPE or kind in IMAGE_TYPES


def _limit() -> None:
    # SCHED_IDLE: the child (and Tesseract under it) gets a core only when nothing else wants
    # it, so the pages being served keep theirs; nice where the policy is not available.
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(NICE)
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def ocr(
    data: bytes,
    *,
    content_type: str,
    timeout: float = TIMEOUT,
    progress: Callable[[int, int], None] | None = None,
) -> OcrResult:
    """Read a scanned PDF or image. `progress(done, total)` is called as pages finish.
    Never raises for a bad file: the reason is in `error`."""
    started = time.monotonic()
    if not ocr_supports(content_type):
        return OcrResult(b"", "", 0, "unsupported file type")
    if len(data) > MAX_BYTES:
        return OcrResult(b"", "", 0, f"file too large for OCR ({len(data)} bytes)")
    if not ocr_available():
        return OcrResult(b"", "", 0, "unavailable")
    with tempfile.TemporaryDirectory(prefix="naskah-ocr-") as tmp:
        src, out, side = Path(tmp, "in"), Path(tmp, "out.pdf"), Path(tmp, "out.txt")
        src.write_bytes(data)
        error, pdfa = _run_child(src, out, side, timeout=timeout, progress=progress)
        seconds = round(time.monotonic() - started, 2)
        if error:
            return OcrResult(b"", "", 0, error, seconds)
        text = side.read_text("utf-8", errors="replace") if side.exists() else ""
        pdf = out.read_bytes()
    pages = text.count("\f") + 1 if text else 0
    return OcrResult(pdf, text.replace("\f", "\n\n"), pages, "", seconds, pdfa)


def _run_child(src, out, side, *, timeout, progress) -> tuple[str, bool]:
    """("" or the failure, whether the output is PDF/A)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = [sys.executable, "-m", "core.ocr", str(src), str(out), str(side)]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit,  # noqa: PLW1509  (limits must be set in the child)
        env=env,
        text=True,
    )
    deadline, best, pdfa = time.monotonic() + timeout, 0, True
    try:
        for line in proc.stdout:  # progress lines until the child closes its output
            pdfa = pdfa and not line.startswith(NOT_PDFA)
            if line.startswith(PROGRESS) and progress is not None:
                done, total = (int(x) for x in line.split()[1:3])
                if done > best:  # later stages restart their own bars: report only gains
                    best = done
                    progress(done, total)
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(cmd, timeout)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "timeout", False
    if proc.returncode != 0:
        lines = [x for x in proc.stderr.read().strip().splitlines() if x.strip()]
        return (lines[-1] if lines else f"killed (signal {-proc.returncode})")[:300], False
    return "", pdfa


def main(argv: list[str]) -> int:
    import ocrmypdf
    from ocrmypdf.exceptions import (
        EncryptedPdfError,
        ExitCodeException,
        PdfaConversionFailedError,
        PriorOcrFoundError,
    )

    src, out, side = argv
    options = {
        "language": LANGUAGES,
        "sidecar": side,
        "skip_text": True,
        "rasterizer": "pypdfium",
        "rotate_pages": True,
        "deskew": True,
        "image_dpi": IMAGE_DPI,
        "jobs": 1,
        "max_image_mpixels": 250,
        "progress_bar": True,
        "plugins": ["core.ocrprogress"],
    }
    try:
        try:
            # PDF/A by pikepdf (no Ghostscript: Debian's 10.0 corrupts PDFs with text pages).
            ocrmypdf.ocr(src, out, output_type="pdfa", pdfa_backend="internal", **options)
        except PdfaConversionFailedError:
            # A construct the validator cannot confirm: keep a searchable plain PDF instead.
            ocrmypdf.ocr(src, out, output_type="pdf", **options)
            sys.stdout.write(f"{NOT_PDFA}\n")
    except PriorOcrFoundError:
        sys.stderr.write("has text\n")
        return 1
    except EncryptedPdfError:
        sys.stderr.write("encrypted\n")
        return 1
    except ExitCodeException as exc:
        sys.stderr.write(f"{type(exc).__name__}: {str(exc)[:200]}\n")
        return 1
    except Exception as exc:  # noqa: BLE001  (any failure of a hostile file means "damaged")
        sys.stderr.write(f"damaged: {type(exc).__name__}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
