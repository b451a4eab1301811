"""Create each tenant's signing authority; with --demo, give the demo signers their keys."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from correspondence.permissions import signer_positions
from correspondence.signing import authority_ensure, certificate_issue
from organizations.models import Assignment, Tenant, User
from organizations.tenantfile import parse


class Command(BaseCommand):
    help = (
        "Create the tenant's own certificate authority (built-in signing adapter) and list the "
        "signers without a usable certificate (each creates one with their own signing "
        "passphrase). With --demo TENANT_FILE..., the demo users of those files who hold a "
        "signing post get a certificate whose passphrase is their demo password."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenants", nargs="*", help="tenant slugs (default: all)")
        parser.add_argument("--demo", nargs="+", default=[], metavar="TENANT_FILE")

    def handle(self, *args, **options):
        tenants = Tenant.objects.all()
        if options["tenants"]:
            tenants = tenants.filter(slug__in=options["tenants"])
            missing = set(options["tenants"]) - set(tenants.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"Unknown tenant(s): {', '.join(sorted(missing))}")
        demo = {}
        for path in options["demo"]:
            parsed = parse(Path(path))
            demo[parsed.core.tenant.slug] = {u.username: u.password for u in parsed.core.users}
        for tenant in tenants:
            authority = authority_ensure(tenant)
            holders = Assignment.objects.current(timezone.localdate()).filter(
                position__in=signer_positions(tenant.pk)
            )
            signers = User.objects.filter(
                tenant=tenant, is_active=True, pk__in=holders.values("user_id")
            )
            issued, without = 0, 0
            passwords = demo.get(tenant.slug, {})
            for user in signers:
                has_valid = user.signing_certificates.filter(
                    revoked_at__isnull=True,
                    not_after__gt=timezone.now(),
                    key_protection="passphrase",
                ).exists()
                if has_valid:
                    continue
                if passwords.get(user.username):
                    certificate_issue(user, passphrase=passwords[user.username])
                    issued += 1
                else:
                    without += 1
            self.stdout.write(
                f"{tenant.slug}: {authority.name}; {issued} demo certificate(s) issued; "
                f"{without} signer(s) still to create theirs"
            )
