"""Page images of PDFs for the letter page's inline preview: rendered by poppler's pdftoppm
one page at a time, when first asked, and kept on disk under the hash of the file they come
from (a file never changes under its hash, so an image never goes stale)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from pypdf import PdfReader

# 96 dpi draws an A4 page 794 px wide: sharp on a phone, readable on a desktop, ~100 KB.
RESOLUTION = 96
MAX_PAGES = 60  # a preview, not a reader: longer files are downloaded
RENDER_SECONDS = 30
KEEP_DAYS = 30  # a file's images unused this long are dropped (rendered again when asked)
_KEY = re.compile(r"^[a-z0-9-]{1,100}$")


class PreviewUnavailable(Exception):
    """The file has no preview (not a PDF poppler reads, or poppler is missing)."""


def cache_dir(key: str) -> Path:
    """The folder of one source file's page images (`key` names the file by its hash)."""
    if not _KEY.match(key):
        raise PreviewUnavailable(key)
    return Path(settings.VAR_DIR) / "previews" / key


def _write_atomically(path: Path, data: bytes) -> None:
    # Two requests may render the same page at once: each writes its own temporary file and
    # the last rename wins with identical bytes; a reader never sees half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def source_path(key: str, read: Callable[[], bytes] | None) -> Path:
    """The cached copy of the source PDF, written from `read()` on first use; without `read`
    a missing copy means no preview (a draft's PDF exists only once its preview was listed)."""
    path = cache_dir(key) / "source.pdf"
    if not path.exists():
        if read is None:
            raise PreviewUnavailable(key)
        _write_atomically(path, read())
    return path


def page_count(key: str, read: Callable[[], bytes] | None) -> int:
    """How many pages the preview shows (at most MAX_PAGES); raises PreviewUnavailable."""
    counted = cache_dir(key) / "pages.txt"
    if counted.exists():
        return int(counted.read_text())
    try:
        pages = len(PdfReader(io.BytesIO(source_path(key, read).read_bytes())).pages)
    except PreviewUnavailable:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise PreviewUnavailable(key) from exc
    pages = min(pages, MAX_PAGES)
    _write_atomically(counted, str(pages).encode())
    return pages


def page_image(key: str, page: int, read: Callable[[], bytes] | None) -> Path:
    """The PNG of one page (1-based), rendered now if not yet on disk; raises
    PreviewUnavailable for a page beyond the preview or a file poppler cannot read."""
    if page < 1 or page > page_count(key, read):
        raise PreviewUnavailable(key)
    image = cache_dir(key) / f"{page}.png"
    if image.exists():
        os.utime(cache_dir(key))  # in use: the sweep keeps it
        return image
    if shutil.which("pdftoppm") is None:
        raise PreviewUnavailable("pdftoppm")
    source = source_path(key, read)
    with tempfile.TemporaryDirectory(dir=source.parent) as tmp:
        out = Path(tmp) / "page"
        done = subprocess.run(
            ["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", str(page), "-l", str(page)]
            + ["-singlefile", str(source), str(out)],
            capture_output=True,
            timeout=RENDER_SECONDS,
            check=False,
        )
        rendered = out.with_suffix(".png")
        if done.returncode or not rendered.exists():
            raise PreviewUnavailable(key)
        os.replace(rendered, image)
    return image


def previews_sweep(*, keep_days: int = KEEP_DAYS) -> int:
    """Remove the page images of files no page has shown for `keep_days`; how many files'."""
    root = Path(settings.VAR_DIR) / "previews"
    if not root.is_dir():
        return 0
    cutoff = time.time() - keep_days * 24 * 60 * 60
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
