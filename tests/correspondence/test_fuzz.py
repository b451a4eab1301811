"""Hypothesis drives random sequences of transitions by random personas; after every step the
invariants hold: no state outside the machine, no delivery without a sent letter, no number
used twice, and no one sees more than the policy allows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.choices import DeliveryState, DispositionState, LetterState
from correspondence.models import Delivery, Disposition, Letter

from ..factories import PASSWORD
from .helpers import draft, through_review

PERSONAS = [
    "drafter",
    "reviewer",
    "reviewer2",
    "head",
    "bappeda_head",
    "bappeda_staff",
    "clerk",
    "outsider",
    "foreigner",
    "colleague",
]


def _delivery(letter):
    return Delivery.objects.filter(letter=letter).order_by("pk").first()


def _dispose(letter, user, world):
    delivery = _delivery(letter)
    if delivery is None:
        raise TransitionNotAllowed("nothing delivered")
    svc.disposition_create(
        delivery=delivery,
        by=user,
        instructions=["tindak_lanjuti"],
        to_positions=[world.positions["perencana"]],
    )


def _finish(letter, user, world):
    delivery = _delivery(letter)
    if delivery is None:
        raise TransitionNotAllowed("nothing delivered")
    svc.delivery_finish(delivery=delivery, by=user)


ACTIONS = {
    "submit": lambda letter, user, world: svc.letter_submit(letter=letter, by=user),
    "approve": lambda letter, user, world: svc.letter_approve(letter=letter, by=user),
    "return": lambda letter, user, world: svc.letter_return(letter=letter, by=user, note="cek"),
    "withdraw": lambda letter, user, world: svc.letter_withdraw(letter=letter, by=user),
    "cancel": lambda letter, user, world: svc.letter_cancel(letter=letter, by=user),
    "sign": lambda letter, user, world: svc.letter_sign(
        passphrase=PASSWORD, letter=letter, by=user
    ),
    "send": lambda letter, user, world: svc.letter_send(letter=letter, by=user),
    "retract": lambda letter, user, world: svc.letter_retract(
        letter=letter, by=user, reason="salah"
    ),
    "open": lambda letter, user, world: svc.letter_opened(letter=letter, by=user),
    "dispose": _dispose,
    "finish": _finish,
}
REFUSALS = (PermissionDenied, TransitionNotAllowed, ConcurrentTransition, ValidationError, Http404)

steps = st.lists(
    st.tuples(st.sampled_from(sorted(ACTIONS)), st.sampled_from(PERSONAS)), min_size=1, max_size=12
)


def _check_access(world, letter):
    for name in PERSONAS:
        user = world.users[name]
        listed = Letter.objects.visible_to(user).filter(pk=letter.pk).exists()
        assert listed == policy.can_view_letter(user, letter), (name, letter.state)


def _check_invariants(world, letter):
    letter.refresh_from_db()
    assert letter.state in LetterState.values
    deliveries = Delivery.objects.filter(letter=letter)
    if letter.state not in (LetterState.SENT, LetterState.RETRACTED):
        assert not deliveries.exists(), f"deliveries of a {letter.state} letter"
    assert set(deliveries.values_list("state", flat=True)) <= set(DeliveryState.values)
    dispositions = Disposition.objects.filter(letter=letter).values_list("state", flat=True)
    assert set(dispositions) <= set(DispositionState.values)
    if letter.state in (LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED):
        assert letter.number and letter.number_seq
    reused = (
        Letter.objects.exclude(number_seq=None)
        .values("tenant", "number_unit", "letter_type", "number_year", "number_seq")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not reused.exists(), "a number was given twice"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.sampled_from(["draft", "in_review", "approved", "sent"]),
    sequence=steps,
    security=st.sampled_from(["biasa", "terbatas", "rahasia", "sangat_rahasia"]),
)
def test_random_transitions_keep_the_invariants(world, start, sequence, security):
    # Random walks from every reachable state, not only from a draft.
    letter = draft(world, security=security, to_positions=["kaban_bappeda"], to=())
    if start == "in_review":
        letter = svc.letter_submit(letter=letter, by=world.drafter)
    elif start in ("approved", "sent"):
        letter = through_review(world, letter)
    if start == "sent":
        letter = svc.letter_send(
            letter=svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.head), by=world.head
        )
    for action, persona in sequence:
        try:
            ACTIONS[action](letter, world.users[persona], world)
        except REFUSALS:
            _check_invariants(world, letter)  # a refusal changes nothing
            continue
        _check_invariants(world, letter)
        _check_access(world, letter)  # something happened: who may see it now?
    _check_access(world, letter)
