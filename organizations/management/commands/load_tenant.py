from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from organizations.services import tenant_load_file
from organizations.tenantfile import TenantFileError


class Command(BaseCommand):
    help = "Create or update tenants from tenant files (YAML or TOML), each in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="validate and roll back")

    def handle(self, *args, files, dry_run, **options):
        for path in files:
            try:
                counts = tenant_load_file(path, dry_run=dry_run)
            except TenantFileError as exc:
                raise CommandError(f"Nothing was loaded from {path}.\n{exc}") from exc
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no changes"
            verb = "would load" if dry_run else "loaded"
            self.stdout.write(self.style.SUCCESS(f"{path}: {verb} ({summary})"))
