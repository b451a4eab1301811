"""File storage that publishes a file only when the transaction that wrote it commits.

A file saved inside a transaction is written under `.pending/<random>` and noted in a
`PendingFile` row in that same transaction; after the commit it is moved to its real name and
the row goes. So a crash between the write and the commit (a worker killed while sealing a
letter, whose number is then rolled back and given to another letter) leaves no file under a
real name, only a temporary file with no row, which `pending_files_sweep` deletes after a
grace time. A crash between the commit and the move leaves a row, and the sweep finishes the
move. Inside the writing transaction the file is readable under its real name (the row is
visible there); other transactions see it when it is published.

Saves outside a transaction are written directly, as Django's storages do.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
from datetime import timedelta

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction

from .models import PendingFile

log = logging.getLogger("naskah.storage")

PENDING_DIR = ".pending"
PROBE = "clock-"
GRACE = timedelta(hours=1)  # longer than any transaction that writes files


class TransactionalStorageMixin:
    def _save(self, name: str, content) -> str:
        if not transaction.get_connection().in_atomic_block:
            return super()._save(name, content)
        temporary = f"{PENDING_DIR}/{secrets.token_hex(16)}"
        try:
            temporary = super()._save(temporary, content)
        except OSError:  # a full disk: the half-written file must not hold the space
            with contextlib.suppress(OSError):
                super().delete(temporary)
            raise
        row = PendingFile.objects.create(name=name, pending=temporary)
        # robust: a publish that fails after the commit is logged and left to the sweep; it
        # must not turn the committed request into an error nor skip the other hooks.
        transaction.on_commit(lambda: self._publish(row.pk, temporary, name), robust=True)
        return name

    def _publish(self, row_id: int, temporary: str, name: str) -> None:
        if not PendingFile.objects.filter(pk=row_id).exists():
            return  # deleted in its own transaction, or published by the sweep meanwhile
        try:
            self._move(temporary, name)
        except FileNotFoundError:  # published already, or lost (a restore without it)
            if not super().exists(name):
                log.error("pending file %s for %s is missing", temporary, name)
        except FileExistsError:  # never overwrite: keep both, and say so until it is sorted
            log.error("cannot publish %s: a file named %s already exists", temporary, name)
            return
        PendingFile.objects.filter(pk=row_id).delete()

    def _move(self, temporary: str, name: str) -> None:
        if super().exists(name):
            raise FileExistsError(name)
        with super().open(temporary, "rb") as fh:
            super()._save(name, File(fh, name=name))
        super().delete(temporary)

    def _pending_for(self, name: str) -> str | None:
        """The temporary name of `name` when its file waits for a transaction this
        connection can see (its own, or one that committed but was not published yet)."""
        return (
            PendingFile.objects.filter(name=name)
            .order_by("-pk")
            .values_list("pending", flat=True)
            .first()
        )

    def exists(self, name: str) -> bool:
        return super().exists(name) or self._pending_for(name) is not None

    def _open(self, name: str, mode: str = "rb"):
        if not super().exists(name):
            temporary = self._pending_for(name)
            if temporary is not None:
                return super()._open(temporary, mode)
        return super()._open(name, mode)

    def size(self, name: str) -> int:
        if not super().exists(name):
            temporary = self._pending_for(name)
            if temporary is not None:
                return super().size(temporary)
        return super().size(name)

    def delete(self, name: str) -> None:
        for row in PendingFile.objects.filter(name=name):
            super().delete(row.pending)
            row.delete()
        super().delete(name)

    def _discard(self, temporary: str) -> None:
        super().delete(temporary)

    def _clock(self):
        """The storage's time now: the modified time of a file written for the purpose."""
        probe = super()._save(f"{PENDING_DIR}/{PROBE}{secrets.token_hex(8)}", ContentFile(b""))
        try:
            return super().get_modified_time(probe)
        finally:
            super().delete(probe)


class TransactionalFileSystemStorage(TransactionalStorageMixin, FileSystemStorage):
    def _move(self, temporary: str, name: str) -> None:
        # The real paths: `path()` below answers the temporary file for a name still pending.
        source = FileSystemStorage.path(self, temporary)
        target = FileSystemStorage.path(self, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # A hard link is atomic and refuses an existing name (FileExistsError): a file saved
        # meanwhile under the same name by another transaction is never overwritten.
        os.link(source, target)
        os.unlink(source)

    def path(self, name: str) -> str:
        real = super().path(name)
        if not os.path.exists(real) and not name.startswith(PENDING_DIR + "/"):
            temporary = self._pending_for(name)
            if temporary is not None:
                return super().path(temporary)
        return real


def pending_files_sweep(storage=None, *, grace: timedelta = GRACE) -> dict[str, int]:
    """Publish files whose transaction committed; delete temporary files older than `grace`
    that no committed row claims (their transaction rolled back or died)."""

    storage = storage or default_storage
    if not isinstance(storage, TransactionalStorageMixin):
        return {"published": 0, "deleted": 0}
    published = deleted = 0
    # A row exists only once its transaction committed: publishing it now is always right
    # (and harmless if the writer's own hook does it at the same moment).
    for row in PendingFile.objects.all():
        storage._publish(row.pk, row.pending, row.name)
        published += 1
    claimed = set(PendingFile.objects.values_list("pending", flat=True))
    try:
        _dirs, files = storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        files = []
    # Ages are read on the storage's own clock (a file written now), never against this
    # process's: a process whose clock is ahead must not take a live transaction's file for
    # an old orphan.
    cutoff = storage._clock() - grace
    for filename in files:
        temporary = f"{PENDING_DIR}/{filename}"
        if temporary in claimed or filename.startswith(PROBE):
            continue
        if storage.get_modified_time(temporary) < cutoff:
            storage._discard(temporary)
            deleted += 1
            log.warning("deleted %s: written by a transaction that did not commit", temporary)
    return {"published": published, "deleted": deleted}


@functools.cache
def _s3_class():
    # django-storages is needed only by deployments that keep files in S3.
    from storages.backends.s3 import S3Storage

    class TransactionalS3Storage(TransactionalStorageMixin, S3Storage):
        """S3-compatible storage with the same publish-on-commit (a copy, then a delete: S3
        has no rename)."""

    return TransactionalS3Storage


def __getattr__(name: str):
    # Built on first use, so that boto3 is imported only where S3 is configured.
    if name == "TransactionalS3Storage":
        return _s3_class()
    raise AttributeError(name)
