"""Print a new VAPID key pair for Web Push, as environment lines."""

from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand

from notifications.webpush import public_of, raw_private


class Command(BaseCommand):
    help = "Print a new VAPID key pair (NASKAH_VAPID_PRIVATE_KEY, NASKAH_VAPID_PUBLIC_KEY)."

    def handle(self, *args, **options):
        key = ec.generate_private_key(ec.SECP256R1())
        self.stdout.write(f"NASKAH_VAPID_PRIVATE_KEY={raw_private(key)}")
        self.stdout.write(f"NASKAH_VAPID_PUBLIC_KEY={public_of(key)}")
