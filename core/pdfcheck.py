"""Open an uploaded PDF in a child process under CPU and memory limits.

    python -m core.pdfcheck < file.pdf     (exit 0: readable, 1: damaged, >1: killed)

A hostile PDF (decompression bombs, reference loops) can only exhaust this child, never the
web process. The parent (`pdf_check`) gives it a wall-clock timeout as well.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys

from pypdf import PdfReader

MAX_PAGES = 5000
CPU_SECONDS = 10
MEMORY_BYTES = 768 * 1024 * 1024


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def pdf_check(data: bytes, *, timeout: float = 20) -> str | None:
    """None when the PDF opens and has pages; otherwise a short reason."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "core.pdfcheck"],
            input=data,
            capture_output=True,
            timeout=timeout,
            preexec_fn=_limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    if result.returncode == 0:
        return None
    return result.stdout.decode(errors="replace").strip() or "killed"


def main() -> int:
    data = sys.stdin.buffer.read()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            sys.stdout.write("encrypted")
            return 1
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PAGES:
            sys.stdout.write(f"pages={pages}")
            return 1
        for page in list(reader.pages)[:3]:  # parse the first pages' content streams
            page.extract_text()
    except Exception as exc:  # noqa: BLE001  (any parser failure means "damaged")
        sys.stdout.write(type(exc).__name__)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
