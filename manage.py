#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings")
    # A checkout with no configuration at all is a developer's: run its commands in
    # development mode. Anything configured (a secret key, or NASKAH_DEBUG itself, as every
    # deployment has) is left as it is, and the settings still fail fast on a missing key.
    if "NASKAH_DEBUG" not in os.environ and "NASKAH_SECRET_KEY" not in os.environ:
        os.environ["NASKAH_DEBUG"] = "true"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
