"""The embedded default's demo, prepared in one process (`make run`).

Each `manage.py` process spends seconds importing Django and the apps before it does
anything; the five steps of a demo start ran as five processes. Here they share one: migrate,
the tenant files, their signing authorities with the demo certificates, the demo
authenticators; the logins are written to a file the start script prints once the server
answers. The steps are the commands themselves, called by name.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate, load demo tenant files, create their signing authorities and demo "
        "certificates and demo authenticators, and write the demo logins to --logins."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--logins", type=Path, required=True)

    def handle(self, *args, files, port, logins, **options):
        out = self.stdout
        call_command("migrate", interactive=False, stdout=out)
        call_command("load_tenant", *files, stdout=out)
        call_command("init_signing_ca", "--demo", *files, stdout=out)
        call_command("demo_totp", "--enrol", *files, stdout=out)
        with logins.open("w", encoding="utf-8") as text:
            call_command("demo_logins", *files, "--port", port, stdout=text)
