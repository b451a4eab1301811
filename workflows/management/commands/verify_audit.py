from django.core.management.base import BaseCommand, CommandError

from workflows.selectors import audit_verify


class Command(BaseCommand):
    help = "Verify every hash chain of the transition log and the security log."

    def handle(self, *args, **options):
        breaks = audit_verify()
        for b in breaks:
            self.stderr.write(f"chain {b.chain}: row {b.row_id}: {b.reason}")
        if breaks:
            raise CommandError(f"{len(breaks)} break(s) in the audit chains")
        self.stdout.write(self.style.SUCCESS("audit chains intact"))
