from django.core.management.base import BaseCommand, CommandError

from bench.generators.archive import ArchiveGenerator


class Command(BaseCommand):
    help = (
        "Fill the archive of a benchmark database with city-scale records (bulk COPY; "
        "PostgreSQL, after generate_load_data or a tenant file)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=1_000_000)
        parser.add_argument("--batch", type=int, default=20_000)
        parser.add_argument("--years", type=int, default=10, help="spread records over N years")
        parser.add_argument("--seed", type=int, default=20261123)

    def handle(self, *args, **o):
        if o["records"] < 1 or o["batch"] < 1 or o["years"] < 1:
            raise CommandError("--records, --batch and --years must be positive")
        generator = ArchiveGenerator(
            records=o["records"],
            batch=o["batch"],
            years=o["years"],
            seed=o["seed"],
            log=self.stdout.write,
        )
        try:
            done = generator.run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"generated {done:,} records"))
