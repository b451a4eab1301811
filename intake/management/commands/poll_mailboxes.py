"""Take the new messages of the mailboxes now (the periodic job does it every minute)."""

from django.core.management.base import BaseCommand, CommandError

from intake.mail import mailbox_poll
from intake.models import Mailbox


class Command(BaseCommand):
    help = (
        "Poll the enabled e-mail intake mailboxes once: each new message becomes a pending "
        "incoming letter of the mailbox's unit, or is quarantined with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="only this tenant's mailboxes (its slug)")
        parser.add_argument("--mailbox", help="only the mailbox with this code")

    def handle(self, *args, **options):
        boxes = Mailbox.objects.filter(enabled=True).select_related("tenant", "unit")
        if options["tenant"]:
            boxes = boxes.filter(tenant__slug=options["tenant"])
        if options["mailbox"]:
            boxes = boxes.filter(code=options["mailbox"])
        if not boxes:
            raise CommandError("No enabled mailbox matches.")
        failed = False
        for box in boxes:
            r = mailbox_poll(box)
            if r.skipped:
                self.stdout.write(
                    f"{box.tenant.slug}/{box.code} ({box}): another poll is taking it"
                )
                continue
            self.stdout.write(
                f"{box.tenant.slug}/{box.code} ({box}): {r.registered} registered, "
                f"{r.duplicate} duplicate, {r.quarantined} quarantined, {r.report} bounces, "
                f"{r.taken} moved again, "
                f"{r.failed} failed" + (f" — {r.error}" if r.error else "")
            )
            failed = failed or bool(r.error)
        if failed:
            raise CommandError("Some mailboxes could not be polled (see above).")
