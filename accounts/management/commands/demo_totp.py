"""The demo's second factor: known authenticator keys for the demo users of tenant files.

Signers and tenant administrators confirm each login with a code. On the embedded default
the demo users get an authenticator whose key is derived from their username, so a newcomer
needs no phone: `manage.py demo_totp medan.head` prints the code of the moment (and the key,
to add it to an authenticator app instead).
"""

import base64
import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from accounts import services
from accounts.permissions import needs_second_factor
from organizations.models import User
from organizations.tenantfile import parse


def demo_key(username: str) -> bytes:
    """The demo user's 20-byte TOTP key: public by design, for demo accounts only."""
    return hashlib.sha1(f"naskah-demo-totp:{username}".encode()).digest()


class Command(BaseCommand):
    help = (
        "Print a demo user's current two-step code (`demo_totp medan.head`), or give the demo "
        "users of tenant files their known authenticator (`demo_totp --enrol FILE...`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--enrol", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args, username=None, enrol=None, **options):
        if enrol:
            self._enrol(enrol)
        elif username:
            self._code(username)
        else:
            raise CommandError("Give a username, or --enrol with tenant files.")

    def _enrol(self, files: list[Path]) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo authenticators are for the embedded default (NASKAH_DEBUG).")
        names = [u.username for f in files for u in parse(f).core.users if u.password]
        enrolled = 0
        for user in User.objects.filter(username__in=names):
            if needs_second_factor(user):
                services.totp_demo_enrol(user=user, key_hex=demo_key(user.username).hex())
                enrolled += 1
        self.stdout.write(f"Demo authenticators for {enrolled} signers and administrators.")

    def _code(self, username: str) -> None:
        key = demo_key(username)
        if not User.objects.filter(username=username, totpdevice__key=key.hex()).exists():
            raise CommandError(f"{username} has no demo authenticator.")
        now = int(time.time())
        left = 30 - now % 30
        self.stdout.write(f"{totp(key, t0=0, step=30, digits=6):06d}")
        self.stderr.write(
            f"valid {left} s more; key for an authenticator app: {base64.b32encode(key).decode()}"
        )
