"""A signing request (what the web process runs for "Tanda tangani") whose signature stalls
after the signed PDF is written and before the transaction commits, so a test can kill the
process at that moment.

Run as a script by tests/faults: `stalling_signer.py LETTER_ID USER_ID` with the passphrase in
NASKAH_FAULT_PASSPHRASE; NASKAH_FAULT_MARK names a file written when the stall begins,
NASKAH_FAULT_STALL how long it lasts (seconds)."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings_test")

import django

django.setup()

from correspondence.models import Letter
from correspondence.services import letter_sign_request, signatures
from organizations.models import User

_keep = signatures._pdf_keep


def stalling_keep(letter, pdf):
    _keep(letter, pdf)
    Path(os.environ["NASKAH_FAULT_MARK"]).write_text(f"{letter.pk} {letter.number}")
    time.sleep(float(os.environ.get("NASKAH_FAULT_STALL", "120")))


signatures._pdf_keep = stalling_keep
letter_sign_request(
    letter=Letter.objects.get(pk=int(sys.argv[1])),
    by=User.objects.get(pk=int(sys.argv[2])),
    passphrase=os.environ["NASKAH_FAULT_PASSPHRASE"],
    second_factor=True,
)
