"""The one transition helper: state, conditions and policy are checked through django-fsm's
public API; a fired transition is saved, logged on the document's chain and its effects run
only after the commit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_fsm import TransitionNotAllowed

from correspondence.choices import LetterState
from correspondence.models import Letter
from tests.correspondence.helpers import draft
from workflows.models import TransitionLog
from workflows.selectors import audit_verify, transition_log_for
from workflows.transitions import transition_check, transition_fire, transition_run

pytestmark = pytest.mark.django_db(transaction=False)


def test_run_locks_fires_saves_and_logs_on_the_chain(world):
    # GIVEN a draft with its creation row WHEN the drafter cancels it through the helper
    letter = draft(world)
    created = transition_log_for(letter).last()
    letter = transition_run(letter, "cancel", by=world.drafter, action="letter.cancelled")
    # THEN the row is saved in its new state and a chained audit row records from → to and who
    assert Letter.objects.get(pk=letter.pk).state == LetterState.CANCELLED
    row = transition_log_for(letter).last()
    assert (row.action, row.source, row.target, row.actor) == (
        "letter.cancelled",
        LetterState.DRAFT,
        LetterState.CANCELLED,
        world.drafter,
    )
    assert row.prev_hash == created.hash
    assert audit_verify() == []


def test_policy_refusal_is_permission_denied_and_changes_nothing(world):
    letter = draft(world)
    rows = TransitionLog.objects.count()
    with pytest.raises(PermissionDenied):
        transition_run(letter, "cancel", by=world.outsider, action="letter.cancelled")
    assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT
    assert TransitionLog.objects.count() == rows


def test_wrong_state_is_transition_not_allowed(world):
    letter = transition_run(draft(world), "cancel", by=world.drafter, action="letter.cancelled")
    with pytest.raises(TransitionNotAllowed, match="not allowed from cancelled"):
        transition_check(letter, "submit", by=world.drafter)


def test_unmet_condition_is_transition_not_allowed(world):
    # GIVEN a draft whose recipients are gone WHEN submitted THEN the condition refuses it
    letter = draft(world)
    letter.recipients.all().delete()
    with pytest.raises(TransitionNotAllowed, match="conditions not met"):
        transition_fire(letter, "submit", by=world.drafter, has_reviewers=True)
    assert letter.state == LetterState.DRAFT


def test_system_moves_skip_the_policy_but_not_the_state(world):
    letter = draft(world)
    fired = transition_fire(letter, "cancel", by=None)
    assert (fired.source, letter.state) == (LetterState.DRAFT, LetterState.CANCELLED)
    with pytest.raises(TransitionNotAllowed):
        transition_fire(letter, "cancel", by=None)


def test_effects_run_only_after_commit(world, django_capture_on_commit_callbacks):
    letter = draft(world)
    told = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        transition_run(
            letter,
            "cancel",
            by=world.drafter,
            action="letter.cancelled",
            on_commit=[lambda: told.append("after")],
        )
        assert told == []
    assert told == ["after"] and len(callbacks) >= 1


def test_a_plain_method_is_not_a_transition(world):
    with pytest.raises(TypeError):
        transition_check(draft(world), "clean", by=world.drafter)


def test_row_lock_for_asks_the_policy_of_the_fresh_row(world):
    # GIVEN a draft whose drafter may change it and a head of another unit who may not
    from correspondence import permissions as policy
    from workflows.transitions import row_lock_for

    letter = draft(world)
    # WHEN each asks for the locked row THEN the drafter gets it read afresh; the other is refused
    with transaction.atomic():
        locked = row_lock_for(letter, world.drafter, policy.can_edit_letter)
        assert locked is not letter and locked.pk == letter.pk
    with pytest.raises(PermissionDenied), transaction.atomic():
        row_lock_for(letter, world.foreigner, policy.can_edit_letter)


def test_one_row_and_many_rows_continue_the_same_chains(world):
    # GIVEN two drafts with their creation rows
    from workflows.services import transition_log, transition_log_many

    a, b = draft(world), draft(world)
    heads = {d.pk: transition_log_for(d).last().hash for d in (a, b)}
    # WHEN one row is appended to a, then one row to each of a and b at once
    one = transition_log(a, tenant_id=a.tenant_id, action="x.one", note="n")
    many = transition_log_many([a, b], tenant_id=a.tenant_id, action="x.many")
    # THEN each row follows its own document's newest row and every chain still verifies
    assert one.prev_hash == heads[a.pk] and one.note == "n"
    assert [r.prev_hash for r in many] == [one.hash, heads[b.pk]]
    assert audit_verify() == []
