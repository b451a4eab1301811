"""An ocrmypdf plugin (loaded only in the OCR child, `core.ocr`): page progress as lines on
stdout, which the parent turns into the progress shown on the page."""

from __future__ import annotations

import sys

from ocrmypdf import hookimpl


class _Lines:
    """ocrmypdf's progress-bar protocol (a context manager with `update`), printed as
    `naskah-ocr-progress DONE TOTAL` lines for the page stage."""

    def __init__(self, *, total=None, desc="", unit="", **_kwargs):
        self.total, self.done, self.pages = int(total or 0), 0, unit == "page"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1, *, completed=None):
        self.done = int(completed) if completed is not None else self.done + int(n or 1)
        if self.pages and self.total:
            sys.stdout.write(f"naskah-ocr-progress {min(self.done, self.total)} {self.total}\n")
            sys.stdout.flush()


@hookimpl
def get_progressbar_class():
    return _Lines
