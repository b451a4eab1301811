"""Text read out of a file's bytes, in a child process under CPU, memory and time limits.

    python -m archive.textread KIND < file    (the child: prints the text and exits 0, or
                                               writes the reason to stderr and exits 1)

KIND is `pdf` (pypdf; pages separated by form feeds), `docx` (python-docx), `xlsx`
(openpyxl, read-only, values only) or `odf` (odfpy: ODT, ODS, ODP). A hostile file (a
decompression bomb, an XML bomb, a parser loop) can only exhaust the child, never a worker;
an Office or OpenDocument file whose ZIP would expand too far is refused before any of its
XML is parsed. The child runs without Django set up.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Iterable, Iterator

from core.pdfcheck import run_limited
from core.uploads import MAX_MEMBERS, MAX_RATIO, MAX_UNZIPPED  # the limits uploads apply

MAX_CHARS = 200_000
MAX_PAGES = 500
CPU_SECONDS = 20
MEMORY_BYTES = 768 * 1024 * 1024
TIMEOUT = 40

PDF, DOCX, XLSX, ODF, PLAIN, IMAGE = "pdf", "docx", "xlsx", "odf", "plain", "image"
ZIPPED = (DOCX, XLSX, ODF)
CONTENT_KINDS = {
    "application/pdf": PDF,
    "text/plain": PLAIN,
    "text/csv": PLAIN,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": XLSX,
    "application/vnd.oasis.opendocument.text": ODF,
    "application/vnd.oasis.opendocument.spreadsheet": ODF,
    "application/vnd.oasis.opendocument.presentation": ODF,
    "image/png": IMAGE,
    "image/jpeg": IMAGE,
    "image/tiff": IMAGE,
}
EXTENSION_KINDS = {
    "pdf": PDF,
    "txt": PLAIN,
    "csv": PLAIN,
    "docx": DOCX,
    "xlsx": XLSX,
    "odt": ODF,
    "ods": ODF,
    "odp": ODF,
    "png": IMAGE,
    "jpg": IMAGE,
    "jpeg": IMAGE,
    "tif": IMAGE,
    "tiff": IMAGE,
}


def file_kind(content_type: str, name: str) -> str:
    """The reader for a file: by its content type, else by its name's extension (files from
    e-mail often come as application/octet-stream); "" when there is none."""
    kind = CONTENT_KINDS.get((content_type or "").split(";")[0].strip().lower())
    if kind:
        return kind
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTENSION_KINDS.get(ext, "")


def read_text(data: bytes, kind: str, *, timeout: float = TIMEOUT) -> tuple[str, str]:
    """(text, error) of a PDF, DOCX, XLSX or OpenDocument file read in a limited child
    process; error is "" on success, else a short reason."""
    result = run_limited(
        "archive.textread",
        data,
        args=(kind,),
        cpu_seconds=CPU_SECONDS,
        memory_bytes=MEMORY_BYTES,
        timeout=timeout,
    )
    if result is None:
        return "", "timeout"
    if result.returncode != 0:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
        if not reason and result.returncode < 0:
            reason = [f"stopped by the limits (signal {-result.returncode})"]
        return "", (reason or ["damaged"])[0][:300]
    return result.stdout.decode("utf-8", errors="replace")[:MAX_CHARS], ""


# --- the child ------------------------------------------------------------------------------


class Refused(Exception):
    """A file that is not read, with the reason."""


def zip_refusal(data: bytes) -> str:
    """Why a ZIP-based document is not opened ("" when it may be): not a ZIP, or it expands
    too far or into too many parts (a zip bomb). Reads only the ZIP's directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return "damaged: not a ZIP archive"
    unzipped = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if len(members) > MAX_MEMBERS or unzipped > MAX_UNZIPPED or unzipped / packed > MAX_RATIO:
        return (
            f"refused: a zip bomb (expands to {unzipped // (1024 * 1024)} MB, "
            f"{unzipped // packed}x, in {len(members)} parts)"
        )
    return ""


def _pdf(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise Refused("encrypted")
    for page in list(reader.pages)[:MAX_PAGES]:
        yield page.extract_text() or ""


def _docx_blocks(items: Iterable) -> Iterator[str]:
    """Paragraphs and table cells in document order (a merged cell once)."""
    from docx.table import Table

    for item in items:
        if not isinstance(item, Table):
            yield item.text
            continue
        for row in item.rows:
            seen: set[int] = set()
            for cell in row.cells:
                if id(cell._tc) not in seen:  # a merged cell repeats across its span
                    seen.add(id(cell._tc))
                    yield from _docx_blocks(cell.iter_inner_content())


def _docx(data: bytes) -> Iterator[str]:
    import docx

    yield from _docx_blocks(docx.Document(io.BytesIO(data)).iter_inner_content())


def _cell(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


def _xlsx(data: bytes) -> Iterator[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            yield sheet.title
            sheet.reset_dimensions()  # never trust the declared size of a sheet
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell(v) for v in row if v is not None and v != ""]
                if cells:
                    yield "\t".join(cells)
    finally:
        book.close()


def _odf(data: bytes) -> Iterator[str]:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}
    stack = [load(io.BytesIO(data)).body]
    while stack:  # paragraphs and headings in document order, without recursion
        node = stack.pop()
        if getattr(node, "qname", None) in blocks:
            yield teletype.extractText(node)
        else:
            stack.extend(reversed(node.childNodes))


READERS = {PDF: _pdf, DOCX: _docx, XLSX: _xlsx, ODF: _odf}


def main(argv: list[str]) -> int:
    kind = argv[0] if argv else PDF
    reader = READERS.get(kind)
    data = sys.stdin.buffer.read()
    out, size = [], 0
    try:
        if reader is None:
            raise Refused(f"no reader for {kind!r}")
        refusal = zip_refusal(data) if kind in ZIPPED else ""
        if refusal:
            raise Refused(refusal)
        for part in reader(data):
            out.append(part)
            size += len(part) + 1
            if size >= MAX_CHARS:
                break
    except Refused as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    except MemoryError:
        sys.stderr.write("too large to read within the memory limit\n")
        return 1
    except Exception as exc:  # noqa: BLE001  (any parser failure means "damaged")
        sys.stderr.write(f"damaged: {type(exc).__name__}\n")
        return 1
    separator = "\f" if kind == PDF else "\n"
    sys.stdout.buffer.write(separator.join(out)[:MAX_CHARS].encode("utf-8", errors="replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
