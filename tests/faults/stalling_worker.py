"""A task worker (`manage.py worker`) whose letter sealing stalls after the signed PDF is
written and before the transaction commits, so a test can kill it at that moment.

Run as a script by tests/faults; NASKAH_FAULT_MARK names a file written when the stall
begins, NASKAH_FAULT_STALL how long it lasts (seconds)."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings_test")

import django

django.setup()

from django.core.management import call_command

from correspondence.services import signatures  # letter_sign reads `_seal` there

_seal = signatures._seal


def stalling_seal(letter):
    _seal(letter)
    Path(os.environ["NASKAH_FAULT_MARK"]).write_text(f"{letter.pk} {letter.number}")
    time.sleep(float(os.environ.get("NASKAH_FAULT_STALL", "120")))


signatures._seal = stalling_seal
call_command("worker", "--queue-name", "default", "--interval", "0.2", "--no-startup-delay")
