"""Revoke a signer's certificate (leaving a post, a lost phone, a passphrase told)."""

from django.core.management.base import BaseCommand, CommandError

from correspondence.models import SignerCertificate
from correspondence.signing import certificate_revoke
from correspondence.signing.authority import REVOCATION_REASONS
from organizations.models import User


class Command(BaseCommand):
    help = (
        "Revoke every usable signing certificate of a user from now on, with an audit row. "
        "Letters they signed before stay valid; they can no longer sign until they make a new "
        "key on the page Sertifikat tanda tangan."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", choices=sorted(REVOCATION_REASONS), required=True)

    def handle(self, *args, username, reason, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Unknown user {username!r}.")
        records = SignerCertificate.objects.filter(user=user, revoked_at__isnull=True)
        if not records.exists():
            raise CommandError(f"{username} holds no usable certificate.")
        for record in records:
            certificate_revoke(record, by=None, reason=reason)
            self.stdout.write(f"revoked {record.serial} of {username} ({reason})")
