from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from federation.services import peer_set
from organizations.models import Tenant


class Command(BaseCommand):
    help = (
        "Add or update a tenant's peer on another instance (as the tenant file's `peers` "
        "section does). Compare the key's thumbprint with the peer's administrator first."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="this instance's tenant (slug)")
        parser.add_argument("--code", required=True, help="a short name for the peer")
        parser.add_argument("--name", required=True, help="the peer government's name")
        parser.add_argument("--instance", required=True, help="the peer instance's address")
        parser.add_argument("--peer-tenant", required=True, help="its tenant's slug there")
        parser.add_argument("--key", required=True, help="its instance key (federation_instance)")
        parser.add_argument("--disable", action="store_true", help="stop exchanging with it")

    def handle(self, *args, **o):
        tenant = Tenant.objects.filter(slug=o["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant {o['tenant']!r}.")
        try:
            peer = peer_set(
                tenant=tenant,
                code=o["code"],
                name=o["name"],
                instance_url=o["instance"],
                remote_tenant=o["peer_tenant"],
                key=o["key"],
                enabled=not o["disable"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{tenant.slug}: peer {peer.code} at {peer.instance_url} set")
