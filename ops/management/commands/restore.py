"""Restore a backup archive into an empty instance, checking every checksum first."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup_restore
from organizations.access import access_forget_all


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (refuses a non-empty instance)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="restore over existing data")

    def handle(self, *args, **options):
        path = Path(options["archive"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            manifest = backup_restore(path, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        access_forget_all()  # the restored rows sent no signals
        wrong = {
            label: (n, manifest["restored_counts"].get(label))
            for label, n in manifest["counts"].items()
            if manifest["restored_counts"].get(label) != n
        }
        if wrong:
            raise CommandError(f"Row counts differ after restoring: {wrong}")
        self.stdout.write(
            f"Restored {sum(manifest['counts'].values())} rows and {len(manifest['files'])} files "
            f"from {manifest['created_at']}."
        )
