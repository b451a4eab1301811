"""Create a tenant's signing authority and issue certificates to its signers."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from correspondence.permissions import signer_positions
from correspondence.signing import authority_ensure, certificate_issue
from organizations.models import Assignment, Tenant, User


class Command(BaseCommand):
    help = (
        "Create the tenant's own certificate authority (built-in signing adapter) and issue a "
        "certificate to every user who holds a signing post and has none that is still valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenants", nargs="*", help="tenant slugs (default: all)")
        parser.add_argument("--renew", action="store_true", help="issue new ones for everybody")

    def handle(self, *args, **options):
        tenants = Tenant.objects.all()
        if options["tenants"]:
            tenants = tenants.filter(slug__in=options["tenants"])
            missing = set(options["tenants"]) - set(tenants.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"Unknown tenant(s): {', '.join(sorted(missing))}")
        for tenant in tenants:
            authority = authority_ensure(tenant)
            # Whoever holds a post that the signing rule accepts (definitive or acting).
            holders = Assignment.objects.current(timezone.localdate()).filter(
                position__in=signer_positions(tenant.pk)
            )
            signers = User.objects.filter(
                tenant=tenant, is_active=True, pk__in=holders.values("user_id")
            )
            issued = 0
            for user in signers:
                has_valid = user.signing_certificates.filter(
                    revoked_at__isnull=True, not_after__gt=timezone.now()
                ).exists()
                if options["renew"] or not has_valid:
                    certificate_issue(user)
                    issued += 1
            self.stdout.write(f"{tenant.slug}: {authority.name}; {issued} certificate(s) issued")
