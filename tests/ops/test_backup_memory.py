"""Backup and restore stream: their memory stays flat whatever the size of the stored files.

300 MiB of generated files (one of 96 MiB) are backed up and restored by child processes
that report their own peak resident memory (VmHWM): the old code, which read each file (and,
when restoring, the whole archive) into memory, grew by at least the largest file."""

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from organizations.models import Tenant

ROOT = Path(django_settings.BASE_DIR)
MIB = 1 << 20
SIZES = [96 * MIB] + [(1 + i % 7) * MIB + i * 4099 for i in range(51)]  # about 300 MiB
LIMIT = 64 * MIB  # the most either child may grow by

# Runs in a child process: Django set up, the database connected, then the peak is reset (or
# noted) and one backup or restore runs; prints what it measured.
CHILD = r"""
import json, sys, time
from pathlib import Path


def status(key):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024


import django

django.setup()
from django.db import connection

from ops.backup import backup_create, backup_restore

connection.ensure_connection()
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # the peak starts again from here
except OSError:
    pass
before = status("VmRSS")
start = time.perf_counter()
if sys.argv[1] == "backup":
    result = str(backup_create(Path(sys.argv[2])))
else:
    result = backup_restore(Path(sys.argv[2]))["restored_counts"]
print(json.dumps({"before": before, "peak": status("VmHWM"), "result": result,
                  "seconds": time.perf_counter() - start}))
"""


def _child(action: str, target: Path, *, database_url: str, media: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "naskah.settings",
        "NASKAH_SECRET_KEY": django_settings.SECRET_KEY,
        "DATABASE_URL": database_url,
        "NASKAH_MEDIA_ROOT": str(media),
        "NASKAH_LOG_FORMAT": "text",
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, action, str(target)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _generate(media: Path) -> dict[str, str]:
    """Write the files in 1 MiB chunks of random bytes; return their sha256 by name."""
    rng = random.Random(20)
    digests = {}
    for i, size in enumerate(SIZES):
        name = f"tenants/logos/memory-{i:02}.bin"
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with path.open("wb") as fh:
            left = size
            while left:
                chunk = rng.randbytes(min(MIB, left))
                digest.update(chunk)
                fh.write(chunk)
                left -= len(chunk)
        digests[name] = digest.hexdigest()
    return digests


def _sha_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _admin(sql: str) -> None:
    import psycopg

    db = connection.settings_dict
    conn_args = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']}"
    with psycopg.connect(f"{conn_args} dbname=postgres", autocommit=True) as admin:
        admin.execute(sql)


@pytest.fixture
def media(tmp_path, settings):
    """A MEDIA_ROOT under tmp_path; the 900 MiB of files, archive and restored files are
    deleted afterwards (pytest keeps the last runs' temporary folders)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yield settings.MEDIA_ROOT
    for folder in ("media", "backups", "restored-media"):
        shutil.rmtree(tmp_path / folder, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_of_300_mib_of_files_stay_in_bounded_memory(tmp_path, media):
    digests = _generate(media)
    Tenant.objects.bulk_create(
        Tenant(
            slug=f"memory-{i}",
            name=f"Pemkot {i}",
            app_name="Naskah",
            city="Medan",
            letterhead_government=f"Pemkot {i}",
            logo=name,
        )
        for i, name in enumerate(digests)
    )
    if connection.vendor == "postgresql":
        source, target = (
            _url(connection.settings_dict["NAME"]),
            _url(f"{connection.settings_dict['NAME']}_memory"),
        )
        target_name = target.rsplit("/", 1)[1]
        _admin(f'DROP DATABASE IF EXISTS "{target_name}"')
        _admin(f'CREATE DATABASE "{target_name}"')
    else:  # the test database lives in memory: the child backs up a copy of it
        copy = sqlite3.connect(tmp_path / "source.sqlite3")
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.close()
        source, target = (
            f"sqlite:///{tmp_path / 'source.sqlite3'}",
            f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        )
    try:
        backup = _child("backup", tmp_path / "backups", database_url=source, media=media)
        archive = Path(backup["result"])
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        assert manifest["files"] == digests
        restored_media = tmp_path / "restored-media"
        restore = _child("restore", archive, database_url=target, media=restored_media)
    finally:
        if connection.vendor == "postgresql":
            _admin(f'DROP DATABASE IF EXISTS "{target_name}"')
    assert restore["result"] == manifest["counts"]
    assert restore["result"]["organizations.Tenant"] == len(SIZES)
    for name, digest in digests.items():
        assert _sha_file(restored_media / name) == digest
    growth = {
        step: r["peak"] - r["before"] for step, r in [("backup", backup), ("restore", restore)]
    }
    assert max(SIZES) > LIMIT  # reading the largest file whole would break the limit
    assert growth["backup"] < LIMIT, growth
    assert growth["restore"] < LIMIT, growth
