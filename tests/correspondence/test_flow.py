"""GIVEN the persona world WHEN a letter goes its whole way through the services THEN every
state, number, delivery and audit row is as the rules say."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed

from correspondence import services as svc
from correspondence.choices import DeliveryState, DispositionState, LetterState
from correspondence.models import Delivery, Disposition, Letter
from notifications.models import Notification
from workflows.selectors import audit_verify, transition_log_for

from ..factories import PASSWORD
from .helpers import delivery_to, draft, sent, signed


def test_route_is_proposed_up_the_tree(world):
    letter = draft(world)
    assert [p.pk for p in svc.route_propose(letter)] == [
        world.positions["kasi_aptika"].pk,
        world.positions["kabid_tik"].pk,
    ]


def test_whole_story(world, django_capture_on_commit_callbacks):
    letter = draft(world, to=("bappeda", "dinkes", "kec_baru"), cc=("dispusip",))
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    assert letter.state == LetterState.IN_REVIEW
    # the first reviewer returns once
    letter = svc.letter_return(letter=letter, by=world.reviewer, note="Perbaiki paragraf dua")
    assert letter.state == LetterState.DRAFT
    letter = svc.letter_update(
        letter=letter, by=world.drafter, expected_version=1, body="<p>Versi dua</p>"
    )
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    assert "Versi dua" in svc.changes_since_last_look(letter, world.reviewer)
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    letter = svc.letter_approve(letter=letter, by=world.reviewer2)
    assert letter.state == LetterState.APPROVED
    letter = svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head)
    year = letter.signed_at.year
    assert letter.number == f"1/-/KOMINFO/{year}"
    letter = svc.letter_send(letter=letter, by=world.head)
    assert letter.state == LetterState.SENT
    deliveries = Delivery.objects.filter(letter=letter)
    assert sorted((d.unit.code, d.kind) for d in deliveries) == [
        ("BAPPEDA", "to"),
        ("DINKES", "to"),
        ("DISPUSIP", "cc"),
        ("KEC_BARU", "to"),
    ]
    # head of Bappeda reads, dispositions to staff, who dispositions nothing further and reports
    d = delivery_to(letter, world, "bappeda")
    svc.letter_opened(letter=letter, by=world.bappeda_head)
    d.refresh_from_db()
    assert (d.state, d.first_read_by) == (DeliveryState.READ, world.bappeda_head)
    (disp,) = svc.disposition_create(
        delivery=d,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=["tindak_lanjuti"],
        due_date=dt.date.today() + dt.timedelta(days=5),
    )
    svc.disposition_open(disposition=disp, by=world.bappeda_staff)
    svc.disposition_report(disposition=disp, by=world.bappeda_staff, text="Sudah dikirim")
    svc.delivery_finish(delivery=d, by=world.bappeda_head)
    d.refresh_from_db()
    assert d.state == DeliveryState.DONE
    assert Notification.objects.filter(recipient=world.bappeda_head, kind="disposition.reported")
    assert [r.action for r in transition_log_for(letter)] == [
        "letter.created",
        "letter.submitted",
        "letter.returned",
        "letter.submitted",
        "letter.approved",
        "letter.approved",
        "letter.signed",
        "letter.sent",
    ]
    assert audit_verify() == []


def test_numbers_are_gapless_in_the_patterns_register(world):
    first = signed(world)
    second = signed(world, subject="Kedua")
    assert (first.number_seq, second.number_seq) == (1, 2)
    # the pattern has no {type}: a Nota Dinas continues the same register
    nota = signed(world, code="nota_dinas", subject="Nota")
    assert nota.number_seq == 3


def test_reserved_block_shares_the_sequence(world):
    from .helpers import letter_type

    signed(world)
    rows = svc.numbers_reserve(
        unit=world.units["kominfo"], letter_type=letter_type(world), count=3, by=world.clerk
    )
    assert [r.seq for r in rows] == [2, 3, 4]
    assert signed(world, subject="next").number_seq == 5
    svc.reservation_release(reservation=rows[0], by=world.clerk, reason="rusak")
    with pytest.raises(TransitionNotAllowed):
        svc.reservation_release(reservation=rows[0], by=world.clerk, reason="lagi")


def test_wrong_state_and_wrong_user_change_nothing(world):
    letter = draft(world)
    with pytest.raises(TransitionNotAllowed):
        svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head)
    with pytest.raises(PermissionDenied):
        svc.letter_submit(letter=letter, by=world.reviewer)
    letter.refresh_from_db()
    assert letter.state == LetterState.DRAFT


def test_body_is_sanitised(world):
    letter = draft(world, body='<p onclick="x()">Hi<script>alert(1)</script></p><b>ok</b>')
    assert letter.body == "<p>Hi</p><strong>ok</strong>"


def test_retract_notifies_recipients_and_keeps_number(world):
    letter = sent(world)
    letter = svc.letter_retract(letter=letter, by=world.head, reason="Salah alamat")
    assert letter.state == LetterState.RETRACTED and letter.number
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.RETRACTED}
    assert Notification.objects.filter(recipient=world.bappeda_head, kind="letter.retracted")


def test_cannot_disposition_upwards(world):
    letter = sent(world)
    d = delivery_to(letter, world, "bappeda")
    with pytest.raises(ValidationError):
        svc.disposition_create(
            delivery=d,
            by=world.bappeda_head,
            to_positions=[world.positions["sekda"]],
            instructions=["tindak_lanjuti"],
        )
    assert not Disposition.objects.exists()


def test_cancel_only_while_unread(world):
    letter = sent(world)
    d = delivery_to(letter, world, "bappeda")
    (a, b) = svc.disposition_create(
        delivery=d,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"], world.positions["pengadm_bappeda"]],
        instructions=["diketahui"],
    )
    svc.disposition_cancel(disposition=a, by=world.bappeda_head)
    svc.disposition_open(disposition=b, by=world.bappeda_clerk)
    with pytest.raises(TransitionNotAllowed):
        svc.disposition_cancel(disposition=b, by=world.bappeda_head)
    assert Disposition.objects.get(pk=a.pk).state == DispositionState.CANCELLED


def test_letter_counts(world):
    sent(world)
    assert Letter.objects.count() == 1


def test_opening_a_read_letter_again_locks_and_writes_nothing(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    letter = sent(world)
    with CaptureQueriesContext(connection) as first:
        svc.letter_opened(letter=letter, by=world.bappeda_head)
    with CaptureQueriesContext(connection) as again:
        svc.letter_opened(letter=letter, by=world.bappeda_head)
    writes = [q["sql"] for q in first.captured_queries if q["sql"].startswith("UPDATE")]
    assert writes  # the first open records the receipt
    if connection.features.has_select_for_update:  # under a row lock
        assert any("FOR UPDATE" in q["sql"] for q in first.captured_queries)
    assert not any(
        "FOR UPDATE" in q["sql"] or q["sql"].startswith(("UPDATE", "INSERT"))
        for q in again.captured_queries
    )
    assert delivery_to(letter, world, "bappeda").state == DeliveryState.READ
