"""Write a consistent backup archive (database dump + files + manifest with checksums)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup_create, backup_prune


class Command(BaseCommand):
    help = "Back up the database and every stored file into one .tar archive with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="var/backups", help="directory for the archive")
        parser.add_argument("--keep", type=int, default=0, help="keep only the newest N archives")

    def handle(self, *args, **options):
        directory = Path(options["output"])
        try:
            path = backup_create(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
        if options["keep"]:
            for old in backup_prune(directory, keep=options["keep"]):
                self.stdout.write(f"removed {old}")
