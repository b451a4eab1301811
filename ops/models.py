"""Rows the operations machinery keeps: live task workers and files waiting for their
transaction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerLease(models.Model):
    """A task worker that is alive: it renews `seen_at` every few seconds while it runs, so a
    task it holds can be told from a task whose worker died (ops.worker)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "workflows_workerlease"  # made by workflows; moved here with its code
        verbose_name = _("worker lease")
        verbose_name_plural = _("worker leases")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class PendingFile(models.Model):
    """A file written inside a transaction, kept under a temporary name until it commits.

    The row is written in the same transaction as the file's owner: if it exists, the
    transaction committed and the file must be published under `name`; a temporary file with
    no row after a grace time belongs to a transaction that rolled back or died (a crash while
    a letter was being sealed) and is deleted (ops.storage)."""

    name = models.CharField(max_length=500, db_index=True)
    pending = models.CharField(max_length=500, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "workflows_pendingfile"  # made by workflows; moved here with its code
        verbose_name = _("file waiting for its transaction")
        verbose_name_plural = _("files waiting for their transactions")

    def __str__(self) -> str:
        return self.name
