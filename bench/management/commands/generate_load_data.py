from django.core.management.base import BaseCommand, CommandError

from bench.generators.letters import LoadGenerator, Plan


class Command(BaseCommand):
    help = (
        "Fill an empty database with city-scale benchmark data: the demo tenants' units and "
        "positions, N users per tenant, letters with deliveries, dispositions two levels deep, "
        "review steps, grants, small real PDF attachments and audit chains (bulk COPY)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--letters", type=int, default=1_000_000)
        parser.add_argument("--tenants", type=int, default=3)
        parser.add_argument("--users", type=int, default=2000, help="users per tenant")
        parser.add_argument(
            "--busy-deliveries",
            type=int,
            default=100_000,
            help="deliveries into the first tenant's busiest OPD (Diskominfo)",
        )
        parser.add_argument("--years", type=int, default=2, help="spread letters over N years")
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=20261122)

    def handle(self, *args, **o):
        if o["letters"] < 1 or o["tenants"] < 1 or o["users"] < 1:
            raise CommandError("--letters, --tenants and --users must be positive")
        plan = Plan(
            letters=o["letters"],
            tenants=o["tenants"],
            users_per_tenant=o["users"],
            busy_deliveries=o["busy_deliveries"],
            years=o["years"],
            batch=o["batch"],
            seed=o["seed"],
        )
        try:
            stats = LoadGenerator(plan, log=self.stdout.write).run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(
            f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in stats.items()
        )
        self.stdout.write(self.style.SUCCESS(f"generated: {summary}"))
