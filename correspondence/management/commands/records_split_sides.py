"""Keep records per side: correct letters' records filed before (see
`correspondence.archiving.records_split_sides`). Safe to run again: it changes only what is
not yet in shape. The migration that introduced per-side records runs it once."""

from django.core.management.base import BaseCommand

from correspondence.archiving import records_split_sides


class Command(BaseCommand):
    help = "Split letters' archive records into the sender's and each receiving unit's."

    def handle(self, *args, **options):
        counts = records_split_sides()
        for key, n in counts.items():
            self.stdout.write(f"{key}: {n}")
