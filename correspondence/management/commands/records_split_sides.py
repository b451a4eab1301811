"""Keep records per side: correct letters' records filed before (see
`correspondence.archiving.records_split_sides`). Safe to run again: it changes only what is
not yet in shape. After `migrate`, the records migration 0010 found are split by itself."""

from django.core.management.base import BaseCommand

from correspondence.archiving import records_split_sides


class Command(BaseCommand):
    help = "Split letters' archive records into the sender's and each receiving unit's."

    def handle(self, *args, **options):
        counts = records_split_sides()
        left = counts.pop("left")
        for key, n in counts.items():
            self.stdout.write(f"{key}: {n}")
        if left:
            self.stdout.write(f"records left (disposed of or on hold): {left}")
