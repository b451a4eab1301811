"""Every file reachable from an archive record, checked against what its reader may see of
the source: letters of each security level to two OPDs, each OPD dispositioning with its own
note and report, filed side by side (the sender's record and each receiving unit's), and a
letter registered from paper. For every persona and every record, each file the persona can
download is read (PDF text, CSV) and every disposition note, report and review note found in it
must be one the persona may see on the letter itself, unless the persona is an archivist of
the record's classification (the archive's keepers read what they keep); a record the persona
may not open answers 404 for each file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from archive.models import Record
from archive.permissions import is_archivist
from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.archiving import letter_files_all
from correspondence.models import Delivery, Disposition, Letter
from tests.archive.helpers import archive_setup, pdf_with_text
from tests.conftest import client_for
from tests.correspondence.helpers import draft

from ..factories import PASSWORD
from .world import access_settle

# clock_free: file contents against access, no date decides them (not rerun with the clock ahead).
pytestmark = [pytest.mark.django_db, pytest.mark.clock_free]

LEVELS = ["biasa", "terbatas", "rahasia", "sangat_rahasia"]


_read: dict[str, str] = {}


def _text(data: bytes) -> str:
    """A file's text (each distinct file read once: many personas download the same one)."""
    import hashlib

    key = hashlib.sha256(data).hexdigest()
    if key not in _read:
        _read[key] = _read_text(data)
    return _read[key]


def _read_text(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        data_text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    else:
        data_text = data.decode("utf-8", errors="replace")
    return " ".join(data_text.split())


def _story(w, level: str) -> tuple[Letter, dict[str, object]]:
    """A letter of `level` from Kominfo to Bappeda and Dinkes; both dispositioned with notes
    and reports; a review note on the way. Returns the letter and marker -> what shows it."""
    markers: dict[str, object] = {}
    letter = draft(w, to=("bappeda", "dinkes"), security=level, subject=f"Surat {level} zamrud")
    letter = svc.letter_submit(letter=letter, by=w.drafter)
    review_note = f"PARAF{level.upper()}KASI"
    svc.letter_approve(letter=letter, by=w.reviewer, note=review_note)
    letter = svc.letter_approve(letter=Letter.objects.get(pk=letter.pk), by=w.reviewer2)
    letter = svc.letter_send(
        letter=svc.letter_sign(passphrase=PASSWORD, letter=letter, by=w.head), by=w.head
    )
    markers[review_note] = letter
    for unit, head, post, assignee in (
        ("bappeda", w.bappeda_head, "perencana", w.bappeda_staff),
        ("dinkes", w.dinkes_head, "staf_dinkes", w.outsider),
    ):
        delivery = Delivery.objects.get(letter=letter, unit=w.units[unit])
        svc.letter_opened(letter=letter, by=head)
        note = f"NOTE{unit.upper()}{level.upper()}"
        (d,) = svc.disposition_create(
            delivery=delivery,
            by=head,
            to_positions=[w.positions[post]],
            instructions=["tindak_lanjuti"],
            note=note,
        )
        svc.disposition_open(disposition=d, by=assignee)
        report = f"REPORT{unit.upper()}{level.upper()}"
        svc.disposition_report(
            disposition=d,
            by=assignee,
            text=report,
            upload=SimpleUploadedFile(
                "lap.pdf", pdf_with_text(f"FILE{report}"), content_type="application/pdf"
            ),
        )
        markers[note] = d
        markers[report] = d
        markers[f"FILE{report}"] = d
        svc.delivery_finish(delivery=delivery, by=head)
    letter_files_all(letter)
    return letter, markers


def _incoming(w) -> tuple[Letter, dict[str, object]]:
    scan = SimpleUploadedFile("scan.pdf", pdf_with_text("Surat masuk kertas"), "application/pdf")
    delivery = svc.incoming_register(
        unit=w.units["kominfo"],
        by=w.clerk,
        sender_name="PT Pos Indonesia",
        subject="Surat masuk zamrud",
        received_date=svc.tenant_today(w.tenant) - dt.timedelta(days=1),
        scan=scan,
        security="terbatas",
    )
    note = "NOTEINCOMINGKOMINFO"
    (d,) = svc.disposition_create(
        delivery=delivery,
        by=w.head,
        to_positions=[w.positions["prakom_madya"]],
        instructions=["pelajari"],
        note=note,
    )
    letter = delivery.letter
    svc.letter_close(letter=Letter.objects.get(pk=letter.pk), by=w.clerk)
    letter_files_all(letter)
    return letter, {note: d}


def _may_see(user, source) -> bool:
    if isinstance(source, Disposition):
        return Disposition.objects.visible_to(user).filter(pk=source.pk).exists()
    return policy.can_view_letter(user, source)


@pytest.mark.slow
@pytest.mark.parametrize("reach", ["default", "tenant's own"])
def test_every_record_file_shows_only_what_its_reader_may_see(world, reach):
    archive_setup(world)
    if reach != "default":
        # Terbatas for echelon III (the Kepala Bidang TIK) and the agenda clerks; Sangat
        # Rahasia for inbox delegates too, with a delegation in Bappeda.
        from organizations.models import Position
        from workflows.tenantfile import SecurityLevelEntry, _load

        Position.objects.filter(pk=world.positions["kabid_tik"].pk).update(echelon="III.b")
        entries = [
            {"level": "terbatas", "echelons": ["III"], "roles": ["secretary", "registry_clerk"]},
            {"level": "sangat_rahasia", "delegates": True},
        ]
        _load(world.tenant, [SecurityLevelEntry(**e) for e in entries], base_dir=None)
        today = svc.tenant_today(world.tenant)
        svc.delegation_create(
            by=world.bappeda_head,
            delegate=world.bappeda_clerk,
            start_date=today - dt.timedelta(days=1),
            end_date=today + dt.timedelta(days=5),
            reason="cuti",
        )
    markers: dict[str, object] = {}
    letters = []
    for level in LEVELS:
        letter, found = _story(world, level)
        letters.append(letter)
        markers |= found
    letter, found = _incoming(world)
    letters.append(letter)
    markers |= found
    records = list(Record.objects.all().prefetch_related("files"))
    # one sender's record per outgoing letter, one per receiving unit, one for the paper letter
    assert len(records) == len(LEVELS) * 3 + 1
    access_settle()  # the world as good as committed: pages read access facts as in production
    checked = shown = 0
    for name, user in world.users.items():
        client = client_for(user)
        for record in records:
            opens = Record.objects.visible_to(user).filter(pk=record.pk).exists()
            for f in record.files.all():
                url = reverse("archive:record-file", args=[record.pk, f.pk])
                response = client.get(url)
                if not opens:
                    assert response.status_code == 404, (name, record, f.name)
                    continue
                assert response.status_code == 200, (name, record, f.name)
                text = _text(b"".join(response.streaming_content))
                checked += 1
                keeper = is_archivist(user, record.classification)
                for marker, source in markers.items():
                    if marker in text:
                        shown += 1
                        assert keeper or _may_see(user, source), (
                            f"{name} reads {marker} in {f.name}"
                        )
    assert checked > 100 and shown > 20
