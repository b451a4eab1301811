"""Write, as PEM files, every root a verifier needs for one tenant's letters."""

from pathlib import Path

from asn1crypto import pem
from django.core.management.base import BaseCommand, CommandError

from correspondence.signing import trust_roots
from organizations.models import Tenant


class Command(BaseCommand):
    help = (
        "Write every root certificate a verifier needs for TENANT's signed letters (its own "
        "signing authority, the timestamp authority's root, a certified provider's root) as "
        "PEM files in DIR, so anyone can check a letter with their own tools (pyHanko, "
        "pdfsig, Adobe Reader)."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant")
        parser.add_argument("directory", type=Path)

    def handle(self, *args, tenant, directory, **options):
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"Unknown tenant {tenant!r}.")
        roots = trust_roots(found)
        if not roots:
            raise CommandError(
                f"{tenant} has no signing authority yet (manage.py init_signing_ca {tenant})."
            )
        directory.mkdir(parents=True, exist_ok=True)
        for cert in roots:
            name = cert.subject.native.get("common_name", "root")
            slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
            path = directory / f"{slug}-{cert.sha256.hex()[:8]}.pem"
            path.write_bytes(pem.armor("CERTIFICATE", cert.dump()))
            self.stdout.write(f"{path}  {name}")
