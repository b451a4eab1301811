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


def run_limited(
    module: str,
    data: bytes,
    *,
    cpu_seconds: int,
    memory_bytes: int,
    timeout: float,
    args: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[bytes] | None:
    """`python -m module *args` with `data` on its stdin, under CPU-time and address-space
    limits and a wall-clock timeout; its result (stdout and stderr captured), None on timeout."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    try:
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            input=data,
            capture_output=True,
            timeout=timeout,
            preexec_fn=limit,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None


def pdf_check(data: bytes, *, timeout: float = 20) -> str | None:
    """None when the PDF opens and has pages; otherwise a short reason."""
    result = run_limited(
        "core.pdfcheck",
        data,
        cpu_seconds=CPU_SECONDS,
        memory_bytes=MEMORY_BYTES,
        timeout=timeout,
    )
    if result is None:
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
