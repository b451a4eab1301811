"""Validate the electronic signatures of a PDF against a tenant's authority."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from correspondence.signing import pdf_validate, sha256
from organizations.models import Tenant


class Command(BaseCommand):
    help = "Check a signed PDF: every signature intact and trusted. Exit 1 when it is not valid."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--tenant", help="tenant slug (default: the only tenant)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        tenants = Tenant.objects.all()
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
        if tenants.count() != 1:
            raise CommandError("Name the tenant whose authority signed it: --tenant <slug>.")
        data = path.read_bytes()
        check = pdf_validate(data, tenant=tenants.get())
        self.stdout.write(f"sha256 {sha256(data)}")
        if not check.readable:
            raise CommandError("Not a readable PDF.")
        for s in check.signatures:
            self.stdout.write(
                f"{'VALID' if s.valid else 'INVALID'}  {s.signer}  intact={s.intact} "
                f"trusted={s.trusted} changes_allowed={s.changes_allowed}"
            )
        if not check.valid:
            self.stderr.write("The document's signatures are NOT valid.")
            raise SystemExit(1)
        self.stdout.write("All signatures are valid.")
