"""Field definitions the archive's documents share."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def optional_user() -> models.ForeignKey:
    """A user a document names for one of its steps (created, decided, executed, received,
    released), optional: never deleted from under the document, no reverse accessor."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )


def report_record() -> models.ForeignKey:
    """The berita acara of a document's last step, itself filed as a record (empty until
    then), no reverse accessor."""
    return models.ForeignKey(
        "archive.Record", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
