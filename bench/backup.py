"""Backup and restore of a large media folder: wall time, throughput and peak memory.

    .venv/bin/python bench/backup.py [--gigabytes 10] [--database-url postgres://…/naskah_bench_backup]
                                     [--work DIR] [--module PATH] [--label NAME] [--keep]

Drops and migrates the database, generates a media folder of the given size made of files of
random bytes (sizes spread evenly on a log scale from 100 KB to 20 MB, so many small files
and a few large ones), each the logo of one tenant row, then runs `backup_create` and
`backup_restore` (into a second, empty database `<name>_restore` and an empty media folder),
each in a child process that reports its wall time and peak resident memory (VmHWM: the
whole process, and its growth over the memory it had once Django was set up). Checks the
restored rows and every restored file's sha256, deletes the generated data (unless --keep)
and writes bench/results/backup[-LABEL].json.

`--module` runs another copy of ops/backup.py instead, for comparison, e.g. the code
before streaming: `git show <commit>:ops/backup.py > /tmp/backup_old.py`.
The folder for the data (--work, default a temporary one) needs about three times
--gigabytes: the files, the archive and the restored files.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import _setup
from _setup import BENCH_ENV, ROOT, database_fresh, write_result

MIB = 1 << 20
SMALLEST, LARGEST = 100_000, 20_000_000


def _status(key: str) -> int:
    """A line of /proc/self/status in bytes (VmRSS, VmHWM)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def _child_env(database_url: str, media: Path) -> dict[str, str]:
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
    env["NASKAH_MEDIA_ROOT"] = str(media)
    env.pop("REDIS_URL", None)
    return env


def child(action: str, target: str, *, module: str) -> None:
    """In the child process: one backup or restore, then what it measured as JSON."""
    import django

    django.setup()
    from django.db import connection

    if module:
        spec = importlib.util.spec_from_file_location("bench_backup_module", module)
        backup = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(backup)
    else:
        from ops import backup
    connection.ensure_connection()
    startup_peak = _status("VmHWM")
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # VmHWM starts again from the current VmRSS
    except OSError:
        pass
    before = _status("VmRSS")
    start = time.perf_counter()
    if action == "backup":
        result = str(backup.backup_create(Path(target)))
    else:
        result = backup.backup_restore(Path(target))["restored_counts"]
    seconds = time.perf_counter() - start
    report = {"seconds": seconds, "rss_before": before, "peak": _status("VmHWM")}
    print(json.dumps({**report, "startup_peak": startup_peak, "result": result}))


def _run_child(action: str, target: Path, *, database_url: str, media: Path, module: str):
    """Run one step in a child process; return its report plus its wall time."""
    command = [sys.executable, __file__, "--child", action, str(target)]
    if module:
        command += ["--module", module]
    start = time.perf_counter()
    proc = subprocess.run(
        command,
        cwd=ROOT,
        env=_child_env(database_url, media),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"{action} failed:\n{proc.stderr[-4000:]}")
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "wall_seconds": wall}


def generate(media: Path, total: int, *, seed: int = 1) -> dict[str, int]:
    """Files of random bytes, written in 1 MiB chunks, until `total` bytes; their sizes."""
    rng = random.Random(seed)
    sizes: dict[str, int] = {}
    written = 0
    low, high = math.log(SMALLEST), math.log(LARGEST)
    while written < total:
        size = min(int(math.exp(rng.uniform(low, high))), total - written)
        name = f"bench/{len(sizes) // 500:03}/{len(sizes):05}.bin"
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            left = size
            while left:
                n = min(MIB, left)
                fh.write(rng.randbytes(n))
                left -= n
        sizes[name] = size
        written += size
    return sizes


def _sha_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _mib(n: float) -> float:
    return round(n / MIB, 1)


def _machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().split()
    pg = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=False)
    return {
        "memory_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 2**20, 1),
        "pg_dump": pg.stdout.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gigabytes", type=float, default=10.0, help="size of the media (GB)")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/naskah_bench_backup"
    )
    parser.add_argument("--work", help="folder for the files and the archive (default: a temp)")
    parser.add_argument("--module", default="", help="another ops/backup.py to measure")
    parser.add_argument("--label", default="", help="suffix of the result's name")
    parser.add_argument("--results", help="folder for the JSON result (default bench/results)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--child", nargs=2, metavar=("ACTION", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, module=args.module)
        return
    module = str(Path(args.module).resolve()) if args.module else ""
    total = int(args.gigabytes * 10**9)
    work = Path(args.work or tempfile.mkdtemp(prefix="naskah-bench-backup-"))
    work.mkdir(parents=True, exist_ok=True)
    media, restored, archives = work / "media", work / "restored", work / "backups"
    restore_url = f"{args.database_url}_restore"
    try:
        print(f"migrating {args.database_url} …")
        database_fresh(args.database_url)
        os.environ.update(_child_env(args.database_url, media))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        print(f"generating {total / 10**9:.1f} GB of files in {media} …")
        start = time.perf_counter()
        sizes = generate(media, total)
        generated = time.perf_counter() - start
        from organizations.models import Tenant

        Tenant.objects.bulk_create(
            (
                Tenant(
                    slug=f"bench-{i}",
                    name=f"Pemerintah Kota Bench {i}",
                    app_name="Bench",
                    city="Medan",
                    letterhead_government=f"Pemerintah Kota Bench {i}",
                    logo=name,
                )
                for i, name in enumerate(sizes)
            ),
            batch_size=1000,
        )
        connections.close_all()
        print(f"{len(sizes):,} files in {generated:.0f} s; backing up …")
        backup = _run_child(
            "backup", archives, database_url=args.database_url, media=media, module=module
        )
        archive = Path(backup["result"])
        archive_bytes = archive.stat().st_size
        print(f"backup: {backup['seconds']:.1f} s, peak {_mib(backup['peak'])} MiB; restoring …")
        database_fresh(restore_url)
        restore = _run_child(
            "restore", archive, database_url=restore_url, media=restored, module=module
        )
        assert restore["result"]["organizations.Tenant"] == len(sizes), restore["result"]
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        assert manifest["counts"] == restore["result"]
        wrong = [n for n, digest in manifest["files"].items() if _sha_file(restored / n) != digest]
        assert not wrong and len(manifest["files"]) == len(sizes), wrong[:5]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    media_bytes = sum(sizes.values())
    steps = {}
    for step, r in [("backup", backup), ("restore", restore)]:
        steps[step] = {
            "seconds": round(r["seconds"], 1),
            "wall_seconds": round(r["wall_seconds"], 1),
            "mb_per_second": round(media_bytes / 10**6 / r["seconds"], 1),
            "peak_rss_mib": _mib(max(r["peak"], r["startup_peak"])),
            "rss_before_mib": _mib(r["rss_before"]),
            "peak_growth_mib": _mib(r["peak"] - r["rss_before"]),
        }
    result = {
        "code": module or "ops/backup.py",
        "media": {
            "bytes": media_bytes,
            "files": len(sizes),
            "smallest": min(sizes.values()),
            "largest": max(sizes.values()),
            "generated_seconds": round(generated, 1),
        },
        "archive_bytes": archive_bytes,
        **steps,
        "host": _machine(),
        "note": "the files were just written: mostly read from the page cache",
    }
    if args.results:
        _setup.RESULTS = Path(args.results)
    path = write_result(f"backup-{args.label}" if args.label else "backup", result)
    print(
        f"{len(sizes):,} files, {media_bytes / 10**9:.2f} GB, archive {archive_bytes / 10**9:.2f} GB"
    )
    print(f"{'step':<9}{'seconds':>9}{'MB/s':>8}{'peak RSS MiB':>14}{'growth MiB':>12}")
    for step, s in steps.items():
        print(
            f"{step:<9}{s['seconds']:>9}{s['mb_per_second']:>8}{s['peak_rss_mib']:>14}"
            f"{s['peak_growth_mib']:>12}"
        )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
