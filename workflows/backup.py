"""Consistent backups: one archive with the database, every stored file and a manifest.

On PostgreSQL the file list, the row counts and `pg_dump` all read one exported snapshot, so
the archive is consistent without stopping the service. On SQLite (embedded default) the
database is copied with SQLite's online backup API.
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
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, models, transaction
from django.utils import timezone

FORMAT = 1


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


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup_create(directory: Path) -> Path:
    """Write naskah-backup-<UTC time>.tar into `directory`; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S.%fZ")
    path = directory / f"naskah-backup-{stamp}.tar"
    manifest: dict = {"format": FORMAT, "created_at": timezone.now().isoformat(),
                      "engine": connection.vendor, "files": {}, "missing_files": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(path, "w") as tar:
        dump = Path(tmp) / "database"
        if connection.vendor == "postgresql":
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
                args, env = _pg_env(connection.settings_dict)
                result = subprocess.run(
                    ["pg_dump", "-Fc", "--no-owner", "--snapshot", snapshot, *args,
                     "-f", str(dump), connection.settings_dict["NAME"]],
                    env=env, capture_output=True, text=True, check=False,
                )  # fmt: skip
                if result.returncode:
                    raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
                names, manifest["counts"] = _file_names(), _counts()
            member = "database.dump"
        elif connection.vendor == "sqlite":
            names, manifest["counts"] = _file_names(), _counts()
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            connection.connection.backup(target)
            target.close()
            member = "database.sqlite3"
        else:
            raise BackupError(f"Backups of {connection.vendor} are not supported.")
        data = dump.read_bytes()
        manifest["database"] = {"member": member, "sha256": _sha(data)}
        _add(tar, member, data)
        for name in names:
            try:
                with default_storage.open(name, "rb") as fh:
                    content = fh.read()
            except (FileNotFoundError, OSError):
                manifest["missing_files"].append(name)
                continue
            manifest["files"][name] = _sha(content)
            _add(tar, f"media/{name}", content)
        _add(tar, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
    return path


def _members(path: Path) -> tuple[dict, dict[str, bytes]]:
    try:
        with tarfile.open(path, "r") as tar:
            contents = {}
            for info in tar.getmembers():
                if not info.isfile() or info.name.startswith("/") or ".." in Path(info.name).parts:
                    raise BackupError(f"Unexpected member in the archive: {info.name}")
                contents[info.name] = tar.extractfile(info).read()
    except tarfile.TarError as exc:
        raise BackupError(f"Not a Naskah backup archive: {exc}") from None
    if "manifest.json" not in contents:
        raise BackupError("The archive has no manifest.json.")
    manifest = json.loads(contents.pop("manifest.json"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    db = manifest["database"]
    if _sha(contents.get(db["member"], b"")) != db["sha256"]:
        raise BackupError("The database dump does not match its checksum.")
    for name, digest in manifest["files"].items():
        if _sha(contents.get(f"media/{name}", b"")) != digest:
            raise BackupError(f"The file {name} does not match its checksum.")
    return manifest, contents


def _is_empty() -> bool:
    tables = set(connection.introspection.table_names())
    from organizations.models import Tenant

    return Tenant._meta.db_table not in tables or not Tenant.objects.exists()


def backup_restore(path: Path, *, force: bool = False) -> dict:
    """Restore an archive into this instance's database and storage; return the manifest
    with the counts found after restoring. Raises BackupError."""
    manifest, contents = _members(path)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"The backup is of {manifest['engine']}, this instance runs {connection.vendor}."
        )
    if not force and not _is_empty():
        raise BackupError(
            "This instance already has data. Restore into an empty one, or pass --force."
        )
    data = contents[manifest["database"]["member"]]
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "database"
        dump.write_bytes(data)
        if connection.vendor == "postgresql":
            connections.close_all()
            args, env = _pg_env(connection.settings_dict)
            result = subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 *args, "-d", connection.settings_dict["NAME"], str(dump)],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if result.returncode:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
        else:
            connections.close_all()
            source = sqlite3.connect(dump)
            target = sqlite3.connect(connection.settings_dict["NAME"])
            source.backup(target)
            source.close()
            target.close()
    for name in manifest["files"]:
        if default_storage.exists(name):
            default_storage.delete(name)
        saved = default_storage.save(name, ContentFile(contents[f"media/{name}"]))
        if saved != name:
            raise BackupError(f"Storage renamed {name} to {saved}.")
    manifest["restored_counts"] = _counts()
    return manifest


def backup_prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in a directory."""
    archives = sorted(directory.glob("naskah-backup-*.tar"))
    doomed = archives[:-keep] if keep > 0 else []
    for p in doomed:
        p.unlink()
    return doomed
