"""One modification time per pyHanko revision.

Every revision pyHanko writes (the signature, the revocation data, the document timestamp)
sets the information dictionary's /ModDate and the XMP packet's xmp:ModifyDate to "now", and
it reads the clock once for each of them. When the two reads fall on either side of a second,
the two dates differ, and a PDF/A validator rightly rejects the letter (ISO 19005-2, 6.6.3:
the information dictionary and the XMP packet must agree). pyHanko has no option for this, so
its writers get a metadata object that turns "now" into one time the moment it is set; both
dates are then written from that one value.
"""

from __future__ import annotations

import datetime as dt

from pyhanko.pdf_utils import writer
from pyhanko.pdf_utils.metadata.model import DocumentMetadata


class OneNowMetadata(DocumentMetadata):
    """pyHanko's document metadata, with "now" read from the clock once, when it is set."""

    def __setattr__(self, name, value):
        if name in {"last_modified", "created"} and value == "now":
            value = dt.datetime.now(dt.UTC).replace(microsecond=0)
        super().__setattr__(name, value)


def install() -> None:
    """Make every pyHanko writer created from now on use `OneNowMetadata` (idempotent)."""
    writer.DocumentMetadata = OneNowMetadata
