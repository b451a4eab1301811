"""The streaming backup keeps the archive's layout, checks every member before restoring
anything, refuses members that would land outside the storage, and leaves no partial
archive behind when a file cannot be read."""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from ops import backup
from ops.backup import BackupError, backup_create, backup_restore
from organizations.models import Tenant


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, members: list) -> Path:
    """A tar of (name, bytes) members and of bare headers (TarInfo: links, folders)."""
    with tarfile.open(path, "w") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
                continue
            info = tarfile.TarInfo(member[0])
            info.size = len(member[1])
            tar.addfile(info, io.BytesIO(member[1]))
    return path


def _archive(path: Path, files: dict[str, bytes], *, extra=(), damage: str = "") -> Path:
    """An archive in the layout of the first backups (no sizes in the manifest)."""
    dump = b"SQLite format 3\0 not really"
    manifest = {
        "format": 1,
        "created_at": "2001-02-03T04:05:06+00:00",
        "engine": connection.vendor,
        "counts": {},
        "missing_files": [],
        "database": {"member": "database.sqlite3", "sha256": _sha(dump)},
        "files": {name: _sha(data) for name, data in files.items()},
    }
    members = [("database.sqlite3", dump)]
    for name, data in files.items():
        members.append((f"media/{name}", data[:-1] + b"X" if name == damage else data))
    return _write(path, [*members, *extra, ("manifest.json", json.dumps(manifest).encode())])


def _stored(name: str, data: bytes) -> str:
    saved = default_storage.save(name, ContentFile(data))
    Tenant.objects.create(
        slug="backup",
        name="Pemkot",
        app_name="Naskah",
        city="Medan",
        letterhead_government="Pemkot",
        logo=saved,
    )
    return saved


@pytest.mark.django_db(transaction=True)
def test_the_manifest_gives_each_file_its_size_and_checksum(tmp_path):
    data = bytes(range(256)) * 5000  # more than one chunk of tarfile's default copy
    name = _stored("tenants/logos/besar.bin", data)
    archive = backup_create(tmp_path)
    assert list(tmp_path.iterdir()) == [archive]  # no dump nor partial archive left
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        member = tar.getmember(f"media/{name}")
        assert tar.extractfile(member).read() == data
        db = manifest["database"]
        dump = tar.extractfile(db["member"]).read()
    assert manifest["format"] == 1
    assert manifest["files"] == {name: _sha(data)}
    assert manifest["sizes"] == {name: len(data)} == {name: member.size}
    assert (db["size"], db["sha256"]) == (len(dump), _sha(dump))
    assert manifest["counts"]["organizations.Tenant"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_file_that_cannot_be_read_whole_fails_the_backup_and_leaves_nothing(
    tmp_path, monkeypatch
):
    _stored("tenants/logos/susut.bin", b"x" * 1000)
    monkeypatch.setattr(backup, "_open_size", lambda fh, name: 5000)  # the file shrank
    with pytest.raises(BackupError, match="Could not copy"):
        backup_create(tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_an_archive_in_the_first_layout_is_checked_and_read(tmp_path):
    _stored("tenants/logos/ada.bin", b"data")  # the instance is not empty
    archive = _archive(tmp_path / "old.tar", {"a/b.pdf": b"%PDF-1.7 one", "c.pdf": b""})
    # every checksum matched: only the emptiness check stops it
    with pytest.raises(BackupError, match="already has data"):
        backup_restore(archive)


def test_a_flipped_byte_in_the_last_file_stops_the_restore_before_the_first(tmp_path):
    files = {"first.pdf": b"%PDF first" * 1000, "last.pdf": b"%PDF last" * 1000}
    archive = _archive(tmp_path / "damaged.tar", files, damage="last.pdf")
    with pytest.raises(BackupError, match="The file last.pdf does not match its checksum"):
        backup_restore(archive, force=True)
    assert not default_storage.exists("first.pdf")


def test_a_missing_member_is_refused(tmp_path):
    archive = _archive(tmp_path / "short.tar", {"kept.pdf": b"kept"})
    with tarfile.open(archive) as tar:
        members = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]
    _write(archive, [(n, d) for n, d in members if n != "media/kept.pdf"])
    with pytest.raises(BackupError, match="kept.pdf does not match its checksum"):
        backup_restore(archive, force=True)


def test_a_truncated_archive_is_refused(tmp_path):
    archive = _archive(tmp_path / "cut.tar", {"big.pdf": bytes(200_000)})
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(BackupError):
        backup_restore(archive, force=True)


def _header(name: str, kind: bytes, target: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize(
    "member",
    [
        ("/etc/naskah.pdf", b"evil"),
        ("../naskah.pdf", b"evil"),
        ("media/../../naskah.pdf", b"evil"),
        ("media/a/../b.pdf", b"evil"),
        _header("media/link.pdf", tarfile.SYMTYPE, "/etc/passwd"),
        _header("media/hard.pdf", tarfile.LNKTYPE, "database.sqlite3"),
        _header("media/folder", tarfile.DIRTYPE),
        _header("media/fifo", tarfile.FIFOTYPE),
    ],
    ids=lambda m: m[0] if isinstance(m, tuple) else m.name,
)
def test_members_that_are_not_plain_files_inside_the_archive_are_refused(tmp_path, member):
    archive = _archive(tmp_path / "evil.tar", {"ok.pdf": b"ok"}, extra=[member])
    with pytest.raises(BackupError, match="Unexpected member in the archive"):
        backup_restore(archive, force=True)
    assert not default_storage.exists("ok.pdf")
