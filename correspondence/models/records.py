"""Bookkeeping of the archive records of letters."""

from __future__ import annotations

from django.db import models


class RecordSplitPending(models.Model):
    """An archive record of a letter filed before records were kept per side, still to be
    split (see `correspondence.archiving.records_split_pending`, run after `migrate`)."""

    record_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.record_id)
