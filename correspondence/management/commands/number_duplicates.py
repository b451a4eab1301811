"""List letters that share a number within a tenant; with --repair, give each later one a fresh
number from its register (see `correspondence.renumbering`). Migration 0012 repaired what it
found; a database restored from before it, or filled by hand, may hold more."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from correspondence.renumbering import number_duplicates, number_duplicates_repair
from organizations.models import Tenant


class Command(BaseCommand):
    help = "List letters sharing a number within a tenant; --repair renumbers the later ones."

    def add_arguments(self, parser):
        parser.add_argument("tenant", nargs="?", help="the tenant's slug (default: all tenants)")
        parser.add_argument(
            "--repair",
            action="store_true",
            help="give every letter but the first signed of each shared number a fresh number",
        )

    def handle(self, *args, tenant=None, repair=False, **options):
        tenant_id = None
        if tenant:
            tenant_id = Tenant.objects.filter(slug=tenant).values_list("pk", flat=True).first()
            if tenant_id is None:
                raise CommandError(f"No tenant {tenant}.")
        groups = number_duplicates(apps, tenant_id=tenant_id)
        if not groups:
            self.stdout.write("No number is shared by two letters.")
            return
        for letters in groups.values():
            first = letters[0]
            self.stdout.write(f"{first.tenant.slug}: {first.number} is held by {len(letters)}:")
            for letter in letters:
                signed = f"signed {letter.signed_at:%Y-%m-%d %H:%M}" if letter.signed_at else ""
                pdf = ", signed PDF" if letter.pdf else ""
                self.stdout.write(
                    f"  letter {letter.pk} ({letter.letter_type.code}, {signed}{pdf}) "
                    f"{letter.subject[:60]}"
                )
        if not repair:
            self.stdout.write("Run again with --repair to renumber all but the first of each.")
            return
        with transaction.atomic():
            done = number_duplicates_repair(apps, tenant_id=tenant_id)
        for r in done:
            self.stdout.write(
                f"letter {r.letter_id}: {r.old} -> {r.new} (the old number kept as previous)"
            )
            if r.signed_pdf:
                self.stdout.write(
                    f"  its electronically signed PDF was not changed and still carries {r.old}; "
                    "the audit row says so. Re-issue it if the new number must be on the PDF."
                )
        self.stdout.write(f"Renumbered {len(done)} letter(s).")
