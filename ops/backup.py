"""Consistent backups: one archive with the database, every stored file and a manifest.

On PostgreSQL the file list, the row counts and `pg_dump` all read one exported snapshot, so
the archive is consistent without stopping the service. On SQLite (embedded default) the
database is copied with SQLite's online backup API.

Nothing is held in memory whole: the database dump goes through a temporary file, every file
is copied into (and out of) the archive in chunks and hashed on the way, so a backup of many
gigabytes of files runs in the memory of a small one.

The archive is a plain tar: `database.dump` (pg_dump's custom format) or `database.sqlite3`,
`media/<storage name>` for each file, and `manifest.json` last (format 1: `files` maps each
storage name to its sha256, `database` names the dump's member and its sha256). `sizes` and
the dump's `size` were added later for people reading the manifest: restoring needs only the
checksums, so archives written before them restore as they did.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import IO

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection, connections, models, transaction
from django.utils import timezone

from organizations.models import Tenant

FORMAT = 1
CHUNK = 1 << 20  # bytes read, hashed and written at a time
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _pg_env(settings_dict) -> tuple[list[str], dict]:
    args = [
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
    ]
    if settings_dict.get("USER"):
        args += ["-U", settings_dict["USER"]]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _file_names() -> list[str]:
    """Every file name stored in a FileField of any model."""
    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names.update(
                    n
                    for n in model._default_manager.exclude(**{f.name: ""}).values_list(
                        f.name, flat=True
                    )
                    if n
                )
    return sorted(names)


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


class _HashingReader:
    """Hands out a file's bytes to tarfile (which asks for exact amounts) and hashes them on
    the way, so each file is read once, a chunk at a time."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            raise ValueError("the archive copies files by size")
        parts, wanted = [], size
        while wanted:
            part = self.raw.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        data = parts[0] if len(parts) == 1 else b"".join(parts)
        self.sha256.update(data)
        return data


def _open_size(fh, name: str) -> int:
    """The size of an open stored file: of its descriptor when it has one (a file replaced
    since it was opened is still copied whole and consistently), else the storage's."""
    try:
        return os.fstat(fh.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return default_storage.size(name)


def _add_file(tar: tarfile.TarFile, name: str, fh, *, size: int, mtime: int) -> str:
    """Copy `size` bytes of an open file into the archive; return their sha256."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = mtime
    reader = _HashingReader(fh)
    try:
        tar.addfile(info, reader)
    except OSError as exc:  # the file shrank or could not be read while being copied
        raise BackupError(f"Could not copy {name} into the archive: {exc}") from None
    return reader.sha256.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, *, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = mtime
    tar.addfile(info, io.BytesIO(data))


def _dump_database(dump: Path) -> tuple[str, list[str], dict[str, int]]:
    """Write the database to `dump`; return its member name, the stored file names and the
    row counts, all as of the same moment."""
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            args, env = _pg_env(connection.settings_dict)
            command = ["pg_dump", "-Fc", "--no-owner", "--snapshot", snapshot, *args]
            command += ["-f", str(dump), connection.settings_dict["NAME"]]
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if result.returncode:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
            return "database.dump", _file_names(), _counts()
    if connection.vendor == "sqlite":
        names, counts = _file_names(), _counts()
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        connection.connection.backup(target)
        target.close()
        return "database.sqlite3", names, counts
    raise BackupError(f"Backups of {connection.vendor} are not supported.")


def backup_create(directory: Path) -> Path:
    """Write naskah-backup-<UTC time>.tar into `directory`; return its path.

    The dump and the archive are written in a temporary folder inside `directory` (so it
    needs room for the archive plus the dump) and the archive is renamed into place once
    complete: a failed backup leaves no partial archive behind."""
    directory.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    mtime = int(now.timestamp())
    path = directory / f"naskah-backup-{now.strftime('%Y%m%dT%H%M%S.%fZ')}.tar"
    manifest: dict = {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "engine": connection.vendor,
        "files": {},
        "sizes": {},
        "missing_files": [],
    }
    with tempfile.TemporaryDirectory(dir=directory, prefix=".naskah-backup-") as tmp:
        dump, partial = Path(tmp) / "database", Path(tmp) / path.name
        member, names, manifest["counts"] = _dump_database(dump)
        with tarfile.open(partial, "w", copybufsize=CHUNK) as tar:
            with dump.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                digest = _add_file(tar, member, fh, size=size, mtime=mtime)
            manifest["database"] = {"member": member, "sha256": digest, "size": size}
            dump.unlink()  # its room is needed for the files
            for name in names:
                try:
                    fh = default_storage.open(name, "rb")
                except (FileNotFoundError, OSError):
                    manifest["missing_files"].append(name)
                    continue
                with fh:
                    try:
                        size = _open_size(fh, name)
                    except (FileNotFoundError, OSError):
                        manifest["missing_files"].append(name)
                        continue
                    digest = _add_file(tar, f"media/{name}", fh, size=size, mtime=mtime)
                manifest["files"][name] = digest
                manifest["sizes"][name] = size
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            _add_bytes(tar, MANIFEST, data, mtime=mtime)
        partial.replace(path)
    return path


def _check_member(info: tarfile.TarInfo, root: str) -> None:
    """Refuse anything but a regular file with a relative name that stays inside the
    archive's root (tarfile's `data` filter, plus no `..` at all)."""
    name = info.name
    unsafe = not info.isfile() or name.startswith("/") or ".." in PurePosixPath(name).parts
    if not unsafe:
        try:
            unsafe = tarfile.data_filter(info, root).name != name
        except tarfile.FilterError:
            unsafe = True
    if unsafe:
        raise BackupError(f"Unexpected member in the archive: {name}")


def _sha_member(tar: tarfile.TarFile, info: tarfile.TarInfo, out: IO[bytes] | None = None) -> str:
    """The sha256 of a member, read in chunks (and copied to `out` when given)."""
    digest = hashlib.sha256()
    with tar.extractfile(info) as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            if out is not None:
                out.write(chunk)
    return digest.hexdigest()


def _expected(manifest) -> dict[str, tuple[str, str]]:
    """What the manifest promises: member name -> (sha256, the error if it differs)."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        fmt = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"Unknown backup format {fmt!r}.")
    try:
        db = manifest["database"]
        expected = {db["member"]: (db["sha256"], "The database dump does not match its checksum.")}
        for name, digest in manifest["files"].items():
            expected[f"media/{name}"] = (digest, f"The file {name} does not match its checksum.")
    except (KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"Not a Naskah backup archive: {exc!r}") from None
    return expected


def _verify(tar: tarfile.TarFile) -> tuple[dict, dict[str, tarfile.TarInfo]]:
    """First pass over an archive, before anything is restored: check every member's name,
    read the manifest and check the checksum of the dump and of every file, in chunks.
    Return the manifest and the members by name."""
    infos = tar.getmembers()  # headers only: tarfile seeks over the contents
    with tempfile.TemporaryDirectory() as root:
        for info in infos:
            _check_member(info, root)
    members = {info.name: info for info in infos}  # as extracting would: the last one wins
    if MANIFEST not in members:
        raise BackupError("The archive has no manifest.json.")
    with tar.extractfile(members[MANIFEST]) as fh:
        try:
            manifest = json.loads(fh.read())  # the one member read whole: small
        except ValueError as exc:
            raise BackupError(f"Not a Naskah backup archive: {exc}") from None
    expected = _expected(manifest)
    for member, (_digest, message) in expected.items():
        if member not in members:
            raise BackupError(message)
    # In the archive's order: one sequential read.
    for member in sorted(expected, key=lambda m: members[m].offset):
        digest, message = expected[member]
        if _sha_member(tar, members[member]) != digest:
            raise BackupError(message)
    return manifest, members


def _is_empty() -> bool:
    tables = set(connection.introspection.table_names())
    return Tenant._meta.db_table not in tables or not Tenant.objects.exists()


class _MemberFile(File):
    """A member of the archive as a Django file: storages copy it in chunks."""

    DEFAULT_CHUNK_SIZE = CHUNK


def _load_database(dump: Path) -> None:
    connections.close_all()
    if connection.vendor == "postgresql":
        args, env = _pg_env(connection.settings_dict)
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        command += [*args, "-d", connection.settings_dict["NAME"], str(dump)]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    else:
        source = sqlite3.connect(dump)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        source.backup(target)
        source.close()
        target.close()


def backup_restore(path: Path, *, force: bool = False) -> dict:
    """Restore an archive into this instance's database and storage; return the manifest
    with the counts found after restoring. Raises BackupError.

    Two passes over the archive: every checksum is checked first (a damaged archive is refused
    before anything is touched), then the dump goes to a temporary file (in TMPDIR, which
    needs room for it) and is loaded, and each file is copied into storage in chunks."""
    try:
        with tarfile.open(path, "r", copybufsize=CHUNK) as tar:
            manifest = _restore(tar, force=force)
    except tarfile.TarError as exc:
        raise BackupError(f"Not a Naskah backup archive: {exc}") from None
    manifest["restored_counts"] = _counts()
    return manifest


def _restore(tar: tarfile.TarFile, *, force: bool) -> dict:
    manifest, members = _verify(tar)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"The backup is of {manifest['engine']}, this instance runs {connection.vendor}."
        )
    if not force and not _is_empty():
        raise BackupError(
            "This instance already has data. Restore into an empty one, or pass --force."
        )
    db = manifest["database"]
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        with dump.open("wb") as out:
            digest = _sha_member(tar, members[db["member"]], out)
        if digest != db["sha256"]:  # the archive changed since it was checked
            raise BackupError("The database dump does not match its checksum.")
        _load_database(dump)
    for name in manifest["files"]:
        if default_storage.exists(name):
            default_storage.delete(name)
        info = members[f"media/{name}"]
        with tar.extractfile(info) as src:
            content = _MemberFile(src, name=name)
            content.size = info.size
            saved = default_storage.save(name, content)
        if saved != name:
            raise BackupError(f"Storage renamed {name} to {saved}.")
    return manifest


def backup_prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in a directory."""
    archives = sorted(directory.glob("naskah-backup-*.tar"))
    doomed = archives[:-keep] if keep > 0 else []
    for p in doomed:
        p.unlink()
    return doomed
