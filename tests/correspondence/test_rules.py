"""Every (state, transition, role); access that follows assignments and delegations; lists
that agree with the detail check; gapless numbers under concurrency (PostgreSQL)."""

import datetime as dt
import random
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django_fsm import TransitionNotAllowed

from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.models import Delivery, Letter
from organizations.models import Assignment
from organizations.services import assignment_create, assignment_end

from ..factories import PASSWORD
from ..pki import real_time
from .helpers import delivery_to, draft, sent, signed, through_review

ROLES = ["drafter", "reviewer", "reviewer2", "head", "bappeda_head", "outsider"]
STATES = ["draft", "in_review", "approved", "signed", "sent"]
# who may fire each transition, by the state the letter is in (everyone else is refused)
ALLOWED = {
    ("draft", "submit"): {"drafter"},
    ("draft", "cancel"): {"drafter"},
    ("in_review", "approve"): {"reviewer"},
    ("in_review", "return"): {"reviewer"},
    ("in_review", "withdraw"): {"drafter"},
    ("approved", "sign"): {"head"},
    ("approved", "return"): {"head"},
    ("approved", "withdraw"): {"drafter"},
    ("signed", "send"): {"drafter", "head"},
    ("sent", "retract"): {"head"},
}
CALLS = {
    "submit": lambda l, u: svc.letter_submit(letter=l, by=u),
    "cancel": lambda l, u: svc.letter_cancel(letter=l, by=u),
    "approve": lambda l, u: svc.letter_approve(letter=l, by=u),
    "return": lambda l, u: svc.letter_return(letter=l, by=u, note="x"),
    "withdraw": lambda l, u: svc.letter_withdraw(letter=l, by=u),
    "sign": lambda l, u: svc.letter_sign(passphrase=PASSWORD, letter=l, by=u),
    "send": lambda l, u: svc.letter_send(letter=l, by=u),
    "retract": lambda l, u: svc.letter_retract(letter=l, by=u, reason="x"),
}


def _in_state(world, state):
    letter = draft(world)
    if state == "in_review":
        letter = svc.letter_submit(letter=letter, by=world.drafter)
    elif state == "approved":
        letter = through_review(world, letter)
    elif state in ("signed", "sent"):
        letter = svc.letter_sign(
            passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
        )
        if state == "sent":
            letter = svc.letter_send(letter=letter, by=world.head)
    return letter


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", list(CALLS))
@pytest.mark.parametrize("role", ROLES)
def test_state_transition_role(world, state, transition, role):
    letter = _in_state(world, state)
    user = world.users[role]
    if role in ALLOWED.get((state, transition), set()):
        result = CALLS[transition](letter, user)
        assert result.state != state or transition == "approve"
    else:
        with pytest.raises((PermissionDenied, TransitionNotAllowed)):
            CALLS[transition](letter, user)
        assert Letter.objects.get(pk=letter.pk).state == state


def test_access_moves_with_the_assignment(world):
    letter = sent(world, security="rahasia")
    head_assignment = Assignment.objects.get(user=world.bappeda_head)
    assert policy.can_view_letter(world.bappeda_head, letter)
    # the head is transferred out yesterday; a Plt takes the post today
    assignment_end(assignment=head_assignment, end_date=dt.date.today() - dt.timedelta(days=2))
    plt = world.bappeda_staff
    a = assignment_create(
        user=plt,
        position=world.positions["kaban_bappeda"],
        start_date=dt.date.today() - dt.timedelta(days=1),
        kind="plt",
    )
    assert not policy.can_view_letter(world.bappeda_head, letter)
    assert policy.can_view_letter(plt, letter)
    assert policy.can_disposition_delivery(plt, delivery_to(letter, world, "bappeda"))
    assignment_end(assignment=a, end_date=dt.date.today() - dt.timedelta(days=1))
    assert not policy.can_view_letter(plt, letter)


# At an hour when the server's date and the tenant's are the same day (the permission check
# reads the server's date; noted as an open bug).
@time_machine.travel(dt.datetime(2026, 11, 23, 5, tzinfo=dt.UTC), tick=False)
def test_delegation_grants_until_it_ends(world):
    with real_time():  # signed at the wall clock, as the timestamp authority lives
        letter = sent(world, security="rahasia")
        top_secret = sent(world, security="sangat_rahasia")
    delegate = world.bappeda_clerk
    assert not policy.can_view_letter(delegate, letter)
    today = svc.tenant_today(world.tenant)
    d = svc.delegation_create(
        by=world.bappeda_head,
        delegate=delegate,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=5),
        reason="cuti",
    )
    # Sangat Rahasia stays with the addressed post's holder (the default reach).
    assert not policy.can_view_letter(delegate, top_secret)
    delivery = delivery_to(letter, world, "bappeda")
    assert policy.can_view_letter(delegate, letter)
    (disp,) = svc.disposition_create(
        delivery=delivery,
        by=delegate,
        to_positions=[world.positions["perencana"]],
        instructions=["diketahui"],
    )
    from workflows.selectors import transition_log_for

    assert transition_log_for(disp).get().on_behalf_of == world.bappeda_head
    svc.delegation_end(delegation=d, by=world.bappeda_head)
    assert not policy.can_view_letter(delegate, letter)


@pytest.mark.slow
def test_lists_return_exactly_what_detail_allows(world):
    rng = random.Random(7)
    levels = ["biasa", "terbatas", "rahasia", "sangat_rahasia"]
    units = ["bappeda", "dinkes", "kec_baru", "dispusip", "t_bappeda"]
    for i in range(60):
        letter = sent(
            world, subject=f"S{i}", security=rng.choice(levels), to=tuple(rng.sample(units, 2))
        )
        if i % 3 == 0:
            d = Delivery.objects.filter(letter=letter, unit=world.units["bappeda"]).first()
            if d:
                svc.disposition_create(
                    delivery=d,
                    by=world.bappeda_head,
                    instructions=["diketahui"],
                    to_positions=[world.positions["perencana"]],
                )
    for i in range(5):
        draft(world, subject=f"D{i}")
    everyone = list(world.users.values())
    all_letters = list(Letter.objects.all())
    for user in everyone:
        listed = set(Letter.objects.visible_to(user).values_list("pk", flat=True))
        allowed = {l.pk for l in all_letters if policy.can_view_letter(user, l)}
        assert listed == allowed
        for d in Delivery.objects.visible_to(user):
            assert d.letter_id in listed
    assert set(Letter.objects.visible_to(world.tenant_admin)) == set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_signatures_get_gapless_numbers():
    from tests.world import build_world

    world = build_world()
    letters = [through_review(world, draft(world, subject=f"P{i}")) for i in range(50)]
    errors = []
    barrier = threading.Barrier(10)

    def sign(batch):
        try:
            barrier.wait()
            for letter in batch:
                svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head)
        except Exception as exc:  # noqa: BLE001 - any failure is reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(letters[i::10],)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(Letter.objects.values_list("number_seq", flat=True))
    assert seqs == list(range(1, 51))
    assert len(set(Letter.objects.values_list("number", flat=True))) == 50


def test_sangat_rahasia_never_in_notification_text(world):
    from notifications.models import Notification

    sent(world, security="sangat_rahasia", subject="Rencana mutasi pejabat")
    texts = list(Notification.objects.values_list("text", flat=True))
    assert texts and not any("mutasi" in t for t in texts)
    signed(world, subject="biasa")
