"""Backups restore into a fresh instance with the same rows and the same files."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from ops.backup import BackupError, backup_create, backup_restore
from tests.correspondence.helpers import sent

ROOT = Path(settings.BASE_DIR)


def _restore_in_subprocess(archive: Path, database_url: str, media: Path) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "naskah.settings",
        "NASKAH_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url,
        "NASKAH_MEDIA_ROOT": str(media),
        "NASKAH_LOG_FORMAT": "text",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def _world_with_files(world):
    letter = sent(world, subject="Arsip untuk dicadangkan")
    assert letter.pdf
    return letter


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_into_a_fresh_database(world, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path")
    letter = _world_with_files(world)
    archive = backup_create(tmp_path / "backups")
    manifest = _manifest(archive)
    assert manifest["counts"]["correspondence.Letter"] == 1
    assert letter.pdf.name in manifest["files"]
    target = tmp_path / "restored.sqlite3"
    media = tmp_path / "media"
    out = _restore_in_subprocess(archive, f"sqlite:///{target}", media)
    assert "Restored" in out
    db = sqlite3.connect(target)
    assert db.execute("SELECT count(*) FROM correspondence_letter").fetchone()[0] == 1
    assert (
        db.execute("SELECT count(*) FROM organizations_user").fetchone()[0]
        == manifest["counts"]["organizations.User"]
    )
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((media / name).read_bytes()).hexdigest() == digest


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_backup_restores_into_a_fresh_database(world, tmp_path):
    import psycopg

    _world_with_files(world)
    archive = backup_create(tmp_path / "backups")
    manifest = _manifest(archive)
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    conn_args = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']}"
    with psycopg.connect(f"{conn_args} dbname=postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
        media = tmp_path / "media"
        _restore_in_subprocess(archive, url, media)
        with psycopg.connect(f"{conn_args} dbname={name}") as restored:
            for label, table in [
                ("correspondence.Letter", "correspondence_letter"),
                ("organizations.User", "organizations_user"),
                ("workflows.TransitionLog", "workflows_transitionlog"),
            ]:
                n = restored.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                assert n == manifest["counts"][label] > 0
        for file_name, digest in manifest["files"].items():
            assert hashlib.sha256((media / file_name).read_bytes()).hexdigest() == digest
    finally:
        with psycopg.connect(f"{conn_args} dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_is_touched(world, tmp_path):
    _world_with_files(world)
    archive = backup_create(tmp_path)
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    pdf = next(n for n in members if n.startswith("media/"))
    members[pdf] = members[pdf][:-1] + b"X"
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(damaged, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="checksum"):
        backup_restore(damaged, force=True)
    with pytest.raises(BackupError, match="already has data"):
        backup_restore(archive)
    assert default_storage.exists(pdf.removeprefix("media/"))


@pytest.mark.django_db(transaction=True)
def test_backup_command_keeps_the_newest(world, tmp_path, capsys):
    for _ in range(3):
        call_command("backup", "--output", str(tmp_path), "--keep", "2")
    assert len(list(tmp_path.glob("naskah-backup-*.tar"))) == 2
