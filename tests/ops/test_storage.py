"""Files written inside a transaction appear under their names only when it commits."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from ops.models import PendingFile
from ops.storage import PENDING_DIR, TransactionalFileSystemStorage, pending_files_sweep

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def storage(tmp_path):
    return TransactionalFileSystemStorage(location=tmp_path)


def _real(storage, name):
    return (storage.base_location / name).exists()


def test_a_file_is_published_when_its_transaction_commits(storage):
    with transaction.atomic():
        name = storage.save("letters/a.pdf", ContentFile(b"%PDF-signed"))
        assert not _real(storage, name)  # other transactions do not see it yet
        assert storage.exists(name)  # the writing transaction reads its own file
        with storage.open(name) as fh:
            assert fh.read() == b"%PDF-signed"
        assert storage.size(name) == len(b"%PDF-signed")
    assert _real(storage, name)
    assert not PendingFile.objects.exists()
    assert storage.listdir(PENDING_DIR) == ([], [])


def test_a_rolled_back_file_never_appears_and_is_swept(storage):
    with pytest.raises(RuntimeError), transaction.atomic():
        name = storage.save("letters/b.pdf", ContentFile(b"%PDF-rolled-back"))
        raise RuntimeError("the number is rolled back")
    assert not _real(storage, name) and not storage.exists(name)
    assert len(storage.listdir(PENDING_DIR)[1]) == 1
    assert pending_files_sweep(storage) == {"published": 0, "deleted": 0}  # within the grace
    assert pending_files_sweep(storage, grace=timedelta(0)) == {"published": 0, "deleted": 1}
    assert storage.listdir(PENDING_DIR) == ([], [])


def test_a_commit_whose_publishing_was_cut_short_is_finished_by_the_sweep(storage, monkeypatch):
    monkeypatch.setattr(TransactionalFileSystemStorage, "_publish", lambda *a: None)
    with transaction.atomic():
        name = storage.save("letters/c.pdf", ContentFile(b"%PDF-committed"))
    monkeypatch.undo()
    assert not _real(storage, name) and PendingFile.objects.count() == 1
    PendingFile.objects.update(created_at=PendingFile.objects.get().created_at - timedelta(1))
    assert storage.exists(name)  # readable meanwhile
    assert pending_files_sweep(storage, grace=timedelta(0)) == {"published": 1, "deleted": 0}
    assert _real(storage, name) and not PendingFile.objects.exists()


def test_outside_a_transaction_a_file_is_written_directly(storage):
    name = storage.save("health/x.txt", ContentFile(b"ok"))
    assert _real(storage, name) and not PendingFile.objects.exists()


def test_deleting_a_pending_file_removes_it_and_its_row(storage):
    with transaction.atomic():
        name = storage.save("letters/d.pdf", ContentFile(b"x"))
        storage.delete(name)
        assert not storage.exists(name) and not PendingFile.objects.exists()
    assert not _real(storage, name)


def test_a_file_saved_meanwhile_under_the_same_name_is_never_overwritten(storage):
    with transaction.atomic():
        name = storage.save("letters/e.pdf", ContentFile(b"ours"))
        # Another transaction publishes a file of the same name first (invisible to ours).
        (storage.base_location / "letters").mkdir(parents=True, exist_ok=True)
        (storage.base_location / name).write_bytes(b"theirs")
    assert (storage.base_location / name).read_bytes() == b"theirs"
    row = PendingFile.objects.get(name=name)  # kept, and logged, until someone sorts it out
    assert (storage.base_location / row.pending).read_bytes() == b"ours"
