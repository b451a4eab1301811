from django.core.management.base import BaseCommand, CommandError

from federation.models import Peer
from federation.protocol import Refusal
from federation.services import directory_pin


class Command(BaseCommand):
    help = "Fetch and pin the signed directory of a tenant's peers (all of them by default)."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the tenant's slug")
        parser.add_argument("peer", nargs="?", help="one peer's code")

    def handle(self, *args, tenant, peer=None, **options):
        peers = Peer.objects.filter(tenant__slug=tenant, enabled=True)
        if peer:
            peers = peers.filter(code=peer)
        if not peers:
            raise CommandError(f"{tenant} has no such enabled peer.")
        failed = 0
        for p in peers:
            try:
                n = directory_pin(p)
            except Refusal as exc:
                failed += 1
                self.stderr.write(f"{p.code}: {exc}")
            else:
                self.stdout.write(f"{p.code}: {n} addresses")
        if failed:
            raise CommandError(f"{failed} directories could not be pinned.")
