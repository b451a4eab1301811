"""Outage numbers that become letters: every unit holds a block of numbers per type taken from
its real register, printed on its outage sheet; a tenant administrator records the outage; a
letter made by hand under such a number is registered afterwards and flows like any other
(inbox deliveries with agenda numbers, notifications, the archive); the register stays
gapless, across the turn of the year too."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from archive.selectors.records import record_for_source
from correspondence import numbering
from correspondence import selectors_outage as sel
from correspondence import services as svc
from correspondence.choices import LetterState, ReservationState
from correspondence.models import (
    AddressBookEntry,
    Delivery,
    Letter,
    NumberCounter,
    NumberReservation,
    Outage,
)
from notifications.models import Notification
from tests.conftest import client_for
from workflows.models import TransitionLog

from .helpers import PDF, letter_type, signed

WIB = ZoneInfo("Asia/Jakarta")
YEAR = timezone.now().year  # a day of this year: the world's certificates sign on it
MARCH_10 = dt.datetime(YEAR, 3, 10, 9, 0, tzinfo=WIB)


def held(w, unit="kominfo", code="surat_dinas", year=YEAR):
    return list(
        NumberReservation.objects.filter(
            unit=w.units[unit],
            letter_type=letter_type(w, code),
            for_outage=True,
            state=ReservationState.RESERVED,
            year=year,
        ).order_by("seq")
    )


def register_kinds(w, year=YEAR, unit="kominfo", code="surat_dinas"):
    """What each number of the unit's register for the year became, in order."""
    t, u = letter_type(w, code), w.units[unit]
    last = sel.register_last(w.tenant, u, t, year)
    return [e.kind for e in sel.register_entries(w.tenant, u, t, year, range(1, last + 1))]


def hand_made(w, reservation, **over) -> svc.HandMadeLetter:
    fields = {
        "letter_type": reservation.letter_type,
        "letter_date": MARCH_10.date() - dt.timedelta(days=1),
        "subject": "Undangan rapat darurat",
        "signer_position": w.positions["kadis_kominfo"],
        "to_units": [w.units["bappeda"], w.units["dinkes"]],
        "cc_units": [w.units["kec_baru"]],
    }
    return svc.HandMadeLetter(**fields | over)


def scan(content=PDF, name="pindaian.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def blocks(world):
    # The blocks are issued ahead of need (a letter is never dated before its number exists).
    with time_machine.travel(MARCH_10 - dt.timedelta(days=5), tick=False):
        svc.outage_blocks_ensure(tenant=world.tenant)
    with time_machine.travel(MARCH_10, tick=False):
        yield world


# --- blocks -----------------------------------------------------------------------------------


def test_blocks_are_taken_from_the_register_and_topped_up(world):
    w = world
    with time_machine.travel(MARCH_10, tick=False):
        # GIVEN no outage numbers WHEN the periodic job runs
        first = svc.outage_blocks_ensure(tenant=w.tenant)
        # THEN each unit that may number a type holds its block, from the one register the
        # default pattern ({seq}/{classification}/{unit}/{year}) keeps per unit and year
        assert first["issued"] > 0
        sizes = {c: len(held(w, code=c)) for c in ["surat_dinas", "nota_dinas", "undangan"]}
        assert sizes == {"surat_dinas": 5, "nota_dinas": 5, "undangan": 3}
        assert held(w, code="memo") == []  # a rare type holds none by default
        assert len(held(w, unit="bappeda")) == 5
        assert not NumberReservation.objects.filter(tenant=w.other_tenant).exists()
        assert held(w)[0].number == f"1/…/KOMINFO/{YEAR}"
        # AND a second run issues nothing
        assert svc.outage_blocks_ensure(tenant=w.tenant) == {"issued": 0, "voided": 0}
        # WHEN a letter is signed THEN it follows the held numbers in the same register
        letter = signed(w)
        kominfo_held = NumberReservation.objects.filter(unit=w.units["kominfo"], year=YEAR)
        assert letter.number_seq == kominfo_held.count() + 1
        # WHEN a held number is voided THEN the next run tops the block up
        svc.reservation_release(reservation=held(w)[0], by=w.clerk, reason="rusak")
        assert svc.outage_blocks_ensure(tenant=w.tenant)["issued"] == 1
        assert len(held(w)) == 5
    # AND the register accounts for every number: held, void, the letter, the top-up
    kinds = register_kinds(w)
    assert "missing" not in kinds
    assert Counter(kinds) == {"reserved": len(kinds) - 2, "released": 1, "letter": 1}


def test_the_turn_of_the_year_closes_last_years_numbers(world):
    w = world
    last_year = YEAR - 1
    # GIVEN blocks held at the end of last year
    with time_machine.travel(dt.datetime(last_year, 12, 30, 9, tzinfo=WIB), tick=False):
        svc.outage_blocks_ensure(tenant=w.tenant)
    old = held(w, year=last_year)
    assert len(old) == 5
    # WHEN the job runs on 2 January THEN the new year's blocks are issued and last year's
    # stay usable a few days (a letter made by hand on 31 December keeps its year)
    with time_machine.travel(dt.datetime(YEAR, 1, 2, 9, tzinfo=WIB), tick=False):
        assert svc.outage_blocks_ensure(tenant=w.tenant)["voided"] == 0
    assert len(held(w, year=YEAR)) == 5 and len(held(w, year=last_year)) == 5
    assert held(w, year=YEAR)[0].seq == 1  # the new year's register starts again
    # WHEN it runs after the grace days THEN last year's unused numbers are void, with reason
    with time_machine.travel(dt.datetime(YEAR, 1, 9, 9, tzinfo=WIB), tick=False):
        result = svc.outage_blocks_ensure(tenant=w.tenant)
    assert result["voided"] > 0 and result["issued"] == 0
    assert held(w, year=last_year) == []
    voided = NumberReservation.objects.get(pk=old[0].pk)
    assert voided.state == ReservationState.RELEASED and voided.reason and voided.closed_at
    # AND last year's register is closed and gapless: every number void, none missing
    kinds = register_kinds(w, year=last_year)
    assert kinds and set(kinds) == {"released"}
    key = numbering.register_key(letter_type(w), w.tenant, w.units["kominfo"], last_year)
    assert NumberCounter.objects.get(key=key).last == len(kinds)


# --- the sheet ----------------------------------------------------------------------------------


def test_the_sheet_prints_the_units_numbers_and_the_json_keeps_them(blocks):
    w = blocks
    numbers = [r.number for r in held(w)]
    c = client_for(w.clerk)
    page = c.get(reverse("correspondence:outage-sheet"))
    assert page.status_code == 200 and b'data-testid="outage-instructions"' in page.content
    assert all(n.encode() in page.content for n in numbers)
    pdf = c.get(reverse("correspondence:outage-sheet-pdf"), {"unit": w.units["kominfo"].pk})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert all(n.split("/")[0] + "/" in text for n in numbers)
    assert f"/KOMINFO/{YEAR}" in text and "/BAPPEDA/" not in text
    data = c.get(reverse("correspondence:outage-numbers")).json()
    kominfo = next(u for u in data["units"] if u["id"] == w.units["kominfo"].pk)
    surat = next(t for t in kominfo["types"] if t["code"] == "surat_dinas")
    assert [n["number"] for n in surat["numbers"]] == numbers
    assert {u["code"] for u in data["units"]} == {"KOMINFO"}  # only the clerk's unit
    assert data["instructions"]
    # the drafter (in a seksi of Kominfo) sees the sheets of its units up to Kominfo
    mine = client_for(w.drafter).get(reverse("correspondence:outage-numbers")).json()
    assert {u["code"] for u in mine["units"]} == {"KOMINFO", "BID_TIK", "SEKSI_APTIKA"}
    # someone of another unit, or another tenant, does not see Kominfo's
    other = client_for(w.outsider).get(reverse("correspondence:outage-numbers")).json()
    assert "KOMINFO" not in {u["code"] for u in other["units"]}
    foreign = client_for(w.foreigner).get(reverse("correspondence:outage-numbers"))
    assert foreign.json()["units"] == []
    refused = c.get(reverse("correspondence:outage-sheet-pdf"), {"unit": w.units["bappeda"].pk})
    assert refused.status_code == 404


# --- outages ------------------------------------------------------------------------------------


def test_an_outage_is_recorded_after_the_fact_and_shows_a_banner(
    world, django_capture_on_commit_callbacks
):
    w = world
    c = client_for(w.tenant_admin)
    with time_machine.travel(MARCH_10, tick=False):
        start = (MARCH_10 - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        with django_capture_on_commit_callbacks(execute=True):
            r = c.post(
                reverse("correspondence:outages"), {"reason": "Server mati", "started_at": start}
            )
        assert r.status_code == 302
        outage = Outage.objects.get()
        assert outage.started_at == MARCH_10 - dt.timedelta(days=2) and outage.ended_at is None
        assert b'data-testid="outage-banner"' in client_for(w.drafter).get("/").content
        # a second open outage is refused with a message, nothing added
        again = c.post(reverse("correspondence:outages"), {"reason": "Lagi"})
        assert again.status_code == 400 and Outage.objects.count() == 1
        future = (MARCH_10 + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        with django_capture_on_commit_callbacks(execute=True):
            bad = c.post(
                reverse("correspondence:outage-end", args=[outage.pk]), {"ended_at": future}
            )
            assert bad.status_code == 302 and Outage.objects.get().ended_at is None
            c.post(reverse("correspondence:outage-end", args=[outage.pk]), {})
        assert Outage.objects.get().ended_at == MARCH_10
        assert b'data-testid="outage-banner"' not in client_for(w.drafter).get("/").content


# --- registering a letter made by hand ----------------------------------------------------------


def _form(w, reservation, **over):
    data = {
        "letter_type": reservation.letter_type_id,
        "letter_date": (MARCH_10.date() - dt.timedelta(days=1)).isoformat(),
        "subject": "Undangan rapat darurat",
        "security": "biasa",
        "urgency": "segera",
        "signer_position": w.positions["kadis_kominfo"].pk,
        "to_units": [w.units["bappeda"].pk, w.units["dinkes"].pk],
        "cc_units": [w.units["kec_baru"].pk],
        "scan": scan(),
    }
    return data | over


def test_a_letter_made_by_hand_becomes_a_sent_letter(blocks, django_capture_on_commit_callbacks):
    w = blocks
    address = AddressBookEntry.objects.create(tenant=w.tenant, name="PT Kereta Api")
    number = held(w)[0]
    with time_machine.travel(MARCH_10, tick=False):
        svc.outage_record(
            tenant=w.tenant,
            by=w.tenant_admin,
            reason="Pusat data padam",
            started_at=MARCH_10 - dt.timedelta(days=1, hours=2),
            ended_at=MARCH_10 - dt.timedelta(hours=12),
        )
        # WHEN the clerk registers the letter made by hand under its number
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            r = client_for(w.clerk).post(
                reverse("correspondence:outage-letter-new", args=[number.pk]),
                _form(w, number, addresses=[address.pk], classification_code="000.1"),
            )
        assert r.status_code == 302, r.content.decode()[:2000]
    # THEN it is a sent letter carrying the number (with the code and month written by hand)
    letter = Letter.objects.get()
    assert r["Location"] == reverse("correspondence:letter", args=[letter.pk])
    assert letter.state == LetterState.SENT and letter.signing_mode == "paper"
    assert letter.number == f"{number.seq}/000.1/KOMINFO/{YEAR}"
    assert (letter.number_seq, letter.number_unit, letter.number_year) == (
        number.seq,
        w.units["kominfo"],
        YEAR,
    )
    assert letter.attachments.get().kind == "scan"
    number.refresh_from_db()
    assert number.state == ReservationState.USED and number.letter == letter
    assert len(number.bound_sha256) == 64
    # AND it reached the recipients' inboxes with agenda numbers, and they were told
    deliveries = Delivery.objects.filter(letter=letter).order_by("unit__path")
    assert {d.unit.code for d in deliveries} == {"BAPPEDA", "DINKES", "KEC_BARU"}
    assert all(d.agenda_number.startswith("1/") for d in deliveries)
    assert Delivery.objects.visible_to(w.bappeda_head).filter(letter=letter).exists()
    assert Notification.objects.filter(recipient=w.bappeda_head, kind="delivery.received").exists()
    assert callbacks  # pushes and the archive task ran after the commit
    # AND its trail is logged, the sender's record is filed, the block is topped up
    actions = set(TransitionLog.objects.values_list("action", flat=True))
    assert {"letter.sent", "delivery.delivered"} <= actions
    assert record_for_source(letter) is not None
    assert len(held(w)) == 5
    assert letter.recipients.get(address=address).dispatched_at is not None
    # AND the register shows it in its place, with no gap
    kinds = register_kinds(w)
    assert kinds[number.seq - 1] == "outage-letter" and "missing" not in kinds
    book = client_for(w.clerk).get(
        reverse("correspondence:number-register"),
        {"unit": w.units["kominfo"].pk, "type": letter_type(w).pk, "year": YEAR},
    )
    assert book.status_code == 200 and b'data-kind="outage-letter"' in book.content
    assert b'data-kind="missing"' not in book.content
    for user in (w.clerk, w.bappeda_head):  # its page opens on both sides
        page = client_for(user).get(reverse("correspondence:letter", args=[letter.pk]))
        assert page.status_code == 200 and letter.number.encode() in page.content
    outages = client_for(w.tenant_admin).get(reverse("correspondence:outages"))
    assert f'data-letter="{letter.pk}"'.encode() in outages.content
    # WHEN the same form is sent again (a double submit) THEN a clear 409, nothing more
    with time_machine.travel(MARCH_10, tick=False):
        again = client_for(w.clerk).post(
            reverse("correspondence:outage-letter-new", args=[number.pk]), _form(w, number)
        )
    assert again.status_code == 409 and Letter.objects.count() == 1
    assert Delivery.objects.count() == 3


def test_a_date_outside_any_outage_is_registered_with_a_warning(blocks):
    w = blocks
    with time_machine.travel(MARCH_10, tick=False):
        letter, warning = svc.outage_letter_register(
            reservation=held(w)[0], by=w.secretary, scan=scan(), data=hand_made(w, held(w)[0])
        )
    assert letter.state == LetterState.SENT and warning
    assert "missing" not in register_kinds(w)


REFUSED = {
    "another type": lambda w, r: {
        "data": hand_made(w, r, letter_type=letter_type(w, "nota_dinas"))
    },
    "another year": lambda w, r: {"data": hand_made(w, r, letter_date=dt.date(YEAR - 1, 12, 30))},
    "a date to come": lambda w, r: {
        "data": hand_made(w, r, letter_date=MARCH_10.date() + dt.timedelta(days=1))
    },
    "a signer of another unit": lambda w, r: {
        "data": hand_made(w, r, signer_position=w.positions["kaban_bappeda"])
    },
    "a unit of another tenant": lambda w, r: {
        "data": hand_made(w, r, to_units=[w.units["t_bappeda"]])
    },
    "no addressee": lambda w, r: {"data": hand_made(w, r, to_units=[], cc_units=[])},
    "a date before the number was issued": lambda w, r: {
        "data": hand_made(w, r, letter_date=MARCH_10.date() - dt.timedelta(days=40))
    },
    "a post the type's signing rule does not name": lambda w, r: {
        "data": hand_made(w, r, signer_position=w.positions["pengadm_kominfo"])
    },
    "a bad scan": lambda w, r: {"scan": scan(b"not a pdf")},
    "a script as scan": lambda w, r: {"scan": scan(b"#!/bin/sh", name="x.sh")},
}


@pytest.mark.parametrize("case", REFUSED)
def test_what_does_not_fit_the_number_is_refused_and_nothing_kept(blocks, case):
    w = blocks
    number = held(w)[0]
    kwargs = {"data": hand_made(w, number), "scan": scan()} | REFUSED[case](w, number)
    with time_machine.travel(MARCH_10, tick=False), pytest.raises(ValidationError):
        svc.outage_letter_register(reservation=number, by=w.clerk, **kwargs)
    assert not Letter.objects.exists() and not Delivery.objects.exists()
    number.refresh_from_db()
    assert number.state == ReservationState.RESERVED and number.letter is None


def test_a_used_or_void_number_is_refused(blocks):
    w = blocks
    used, void = held(w)[:2]
    svc.reservation_release(reservation=void, by=w.clerk, reason="salah tulis")
    with time_machine.travel(MARCH_10, tick=False):
        svc.outage_letter_register(
            reservation=used, by=w.clerk, scan=scan(), data=hand_made(w, used)
        )
        for row in (used, void):
            with pytest.raises(svc.OutageNumberTaken):
                svc.outage_letter_register(
                    reservation=row, by=w.clerk, scan=scan(), data=hand_made(w, row)
                )
    assert Letter.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_registering_at_once_both_succeed_with_their_own_numbers():
    """The backlog after an outage: the clerks of two OPDs register at the same moment, each
    inserting rows that point at the tenant while the registrations take turns on it: both
    letters are made, each with its own number, and neither register has a gap."""
    from django.db import connection

    from tests.world import build_world

    w = build_world()
    svc.outage_blocks_ensure(tenant=w.tenant)
    numbers = [held(w)[0], held(w, unit="bappeda")[0]]
    today = svc.tenant_today(w.tenant)
    letters = [
        hand_made(w, numbers[0], letter_date=today),
        hand_made(
            w,
            numbers[1],
            letter_date=today,
            signer_position=w.positions["kaban_bappeda"],
            to_units=[w.units["kominfo"]],
            cc_units=[],
        ),
    ]
    barrier = threading.Barrier(2)
    errors = []

    def register(user, number, letter):
        try:
            barrier.wait()
            svc.outage_letter_register(reservation=number, by=user, scan=scan(), data=letter)
        except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=register, args=args)
        for args in zip((w.clerk, w.bappeda_clerk), numbers, letters, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Letter.objects.count() == 2
    for number in numbers:
        number.refresh_from_db()
        assert number.state == ReservationState.USED and number.letter is not None
    for unit in ("kominfo", "bappeda"):
        assert "missing" not in register_kinds(w, year=today.year, unit=unit)


def test_an_outage_number_is_not_bound_to_a_bare_scan(blocks):
    """The old way of a number made by hand (bound to a scan, no letter) is closed to outage
    numbers: they become letters, or void with a reason."""
    w = blocks
    number = held(w)[0]
    with pytest.raises(PermissionDenied):
        svc.reservation_bind(reservation=number, by=w.clerk, subject="Surat", scan=scan())
    number.refresh_from_db()
    assert number.state == ReservationState.RESERVED and not number.bound_file


def test_a_rahasia_letter_leaves_no_subject_on_the_register(blocks):
    w = blocks
    number = held(w)[0]
    data = hand_made(w, number, security="rahasia", subject="Rencana mutasi pejabat")
    with time_machine.travel(MARCH_10, tick=False):
        letter, _warning = svc.outage_letter_register(
            reservation=number, by=w.clerk, scan=scan(), data=data
        )
    number.refresh_from_db()
    assert letter.subject == "Rencana mutasi pejabat"
    assert "mutasi" not in number.bound_subject and number.bound_subject


# --- who may do what ----------------------------------------------------------------------------

PERSONAS = [
    "clerk",
    "secretary",
    "head",
    "drafter",
    "outsider",
    "bappeda_clerk",
    "tenant_admin",
    "foreign_admin",
    "foreigner",
]
# action: the personas allowed (everyone else gets the answer of an unknown id, a 404)
ALLOWED = {
    "sheet": {"clerk", "secretary", "head", "drafter", "tenant_admin"},
    "sheet-pdf": {"clerk", "secretary", "head", "drafter", "tenant_admin"},
    "record-outage": {"tenant_admin", "foreign_admin"},  # each for their own tenant
    "end-outage": {"tenant_admin"},
    "register-form": {"clerk", "secretary"},
    "register": {"clerk", "secretary"},
    "number-register": {"clerk", "secretary", "tenant_admin"},
}


def _ask(w, action, c, number, outage):
    unit = {"unit": w.units["kominfo"].pk}
    match action:
        case "sheet":
            return c.get(reverse("correspondence:outage-sheet"), unit)
        case "sheet-pdf":
            return c.get(reverse("correspondence:outage-sheet-pdf"), unit)
        case "record-outage":  # after the fact, while another is still open
            day = MARCH_10.date() - dt.timedelta(days=1)
            return c.post(
                reverse("correspondence:outages"),
                {
                    "reason": "Listrik padam",
                    "started_at": f"{day}T08:00",
                    "ended_at": f"{day}T09:00",
                },
            )
        case "end-outage":
            return c.post(reverse("correspondence:outage-end", args=[outage.pk]), {})
        case "register-form":
            return c.get(reverse("correspondence:outage-letter-new", args=[number.pk]))
        case "register":
            return c.post(
                reverse("correspondence:outage-letter-new", args=[number.pk]), _form(w, number)
            )
        case "number-register":
            return c.get(reverse("correspondence:number-register"), unit)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_see_sheets_run_outages_and_register(blocks, persona):
    # GIVEN Kominfo's outage numbers and an outage going on; WHEN each persona tries each
    # action (on its own tenant's host) THEN those allowed succeed and everyone else gets the
    # answer of an unknown id, with nothing changed
    w = blocks
    user = getattr(w, persona)
    c = client_for(user)
    outage = Outage.objects.create(
        tenant=w.tenant, started_at=MARCH_10, reason="Padam", started_by=w.tenant_admin
    )
    number = held(w)[0]
    answers = {}
    with time_machine.travel(MARCH_10 + dt.timedelta(hours=1), tick=False):
        for action in ALLOWED:
            r = _ask(w, action, c, number, outage)
            answers[action] = r.status_code
            if action == "number-register" and r.status_code == 200:
                # a clerk only ever sees their own unit's register
                assert f'value="{w.units["kominfo"].pk}" selected'.encode() in r.content
    expected = {a: (200, 302) if persona in ok else (404,) for a, ok in ALLOWED.items()}
    assert {a: s in expected[a] for a, s in answers.items()} == dict.fromkeys(ALLOWED, True), (
        answers
    )
    registered = Letter.objects.filter(number_seq=number.seq)
    assert registered.exists() == (persona in ALLOWED["register"])
    assert Outage.objects.filter(pk=outage.pk, ended_at__isnull=False).exists() == (
        persona in ALLOWED["end-outage"]
    )
    recorded = Outage.objects.filter(reason="Listrik padam")
    assert list(recorded.values_list("tenant_id", flat=True)) == (
        [user.tenant_id] if persona in ALLOWED["record-outage"] else []
    )
