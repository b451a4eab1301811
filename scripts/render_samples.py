"""Render page one of a letter of every type, made from the demo data, to
docs/samples/<type>.png (needs pdftoppm).

    .venv/bin/python scripts/render_samples.py

A throwaway SQLite database is loaded with tenants/medan.yaml; the demo drafter of Seksi Aptika
writes one draft of each type through the services (with the structured parts of
`correspondence.pdf.samples`), addressed to Bappeda with tembusan, signed by the demo's Kepala
Diskominfo (a.n. mandates and kop come from the tenant file). Each page is rendered through the
same `letter_doc` path as a signed letter, with a sample number and without the KONSEP mark.
"""

import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp()
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/samples.sqlite3"
os.environ["REDIS_URL"] = ""
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings")
os.environ.setdefault("NASKAH_DEBUG", "true")

import django

django.setup()

from django.core.management import call_command
from django.utils import timezone

from core.dates import date_long
from correspondence import services as svc
from correspondence.layouts import layout_of
from correspondence.models import LetterType
from correspondence.pdf import build, render, samples
from correspondence.services import RecipientInput
from organizations.models import Position, Tenant, Unit, User


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("load_tenant", str(ROOT / "tenants" / "medan.yaml"), verbosity=0)
    tenant = Tenant.objects.get(slug="medan")
    drafter = User.objects.get(username="medan.drafter")
    head = Position.objects.get(tenant=tenant, unit__code="DISKOMINFO", code="KEPALA")
    units = {u.code: u for u in Unit.objects.filter(tenant=tenant)}
    to = [RecipientInput(kind="to", unit=units["BAPPEDA"])]
    cc = [RecipientInput(kind="cc", unit=units[c]) for c in ("SETDA", "INSPEKTORAT")]
    start = timezone.make_aware(dt.datetime(2026, 11, 26, 9, 0))
    out = ROOT / "docs" / "samples"
    out.mkdir(parents=True, exist_ok=True)
    for seq, (code, name) in enumerate(samples.TYPES, start=1):
        letter_type = LetterType.objects.get(tenant=tenant, code=code)
        layout = layout_of(letter_type)
        letter = svc.letter_create(
            by=drafter,
            letter_type=letter_type,
            subject=f"{name}: Inventarisasi Aplikasi Perangkat Daerah",
            body=samples.BODY if layout.has_body else "",
            parts=samples.PARTS.get(code, {}),
            recipients=to + cc,
            signer_position=head,
            classification_code="000.1.2",
            event_start=start if letter_type.creates_event else None,
            event_end=start + dt.timedelta(hours=3) if letter_type.creates_event else None,
            event_location="Ruang Rapat Diskominfo" if letter_type.creates_event else "",
        )
        doc = build.letter_doc(
            letter, signer_blocks=build.planned_signature_blocks(letter), signed=False
        )
        doc.number = build.number_placeholder(letter).replace("…", str(seq))
        doc.date = date_long(dt.date(2026, 11, 23))  # the samples do not change with the day
        pdf = Path(TMP) / f"{code}.pdf"
        pdf.write_bytes(render.render_letter(doc))
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", pdf, out / code], check=True)
        sys.stdout.write(f"docs/samples/{code}.png\n")


if __name__ == "__main__":
    main()
