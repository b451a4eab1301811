from django.core.management.base import BaseCommand

from federation.services import instance_card


class Command(BaseCommand):
    help = "Print this instance's exchange address, public key and its thumbprint (for peers)."

    def handle(self, *args, **options):
        card = instance_card()
        self.stdout.write(f"instance:   {card['instance']}")
        self.stdout.write(f"key:        {card['key']}")
        self.stdout.write(f"thumbprint: {card['thumbprint']}")
