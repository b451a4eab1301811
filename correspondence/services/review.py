"""The paraf chain: who signs and reviews by default, submit, approve, return, withdraw."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from notifications.kinds import Kind
from notifications.services import notify
from organizations.models import Position, Unit, User
from organizations.selectors import unit_ancestor_heads
from workflows.transitions import row_lock, transition_fire

from .. import permissions as policy
from ..checker import letter_findings
from ..choices import (
    StepKind,
    StepState,
)
from ..models import (
    Letter,
    LetterType,
    ReviewStep,
)
from ..querysets import held_position_ids
from .common import (
    letter_notify,
    letter_url,
    notice_subject,
    transition_record,
)


def signer_propose(
    *, letter_type: LetterType, unit: Unit, drafter: User | None = None
) -> Position | None:
    """The nearest head up the tree from the drafter's unit who may sign this type, climbing
    past heads of units inside an OPD (seksi, bidang) until one leaves a head between to
    review (paraf); never past an OPD's head (the drafter then chooses a reviewer)."""
    mine = (
        set(held_position_ids(drafter).values_list("position_id", flat=True)) if drafter else set()
    )
    below: list[Position] = []
    first = None
    for head in unit_ancestor_heads(unit):
        if policy.signer_allowed(letter_type, head):
            first = first or head
            reviewed = bool(below) or (letter_type.direct_to_signer and head.pk not in mine)
            opd = head.unit.depth == 1 or head.unit.kind in policy.OPD_KINDS
            if reviewed or opd:
                return head
        if head.pk not in mine:
            below.append(head)
    return first


def route_propose(letter: Letter) -> list[Position]:
    """Default paraf chain: the heads from the drafter's unit up to (not including) the signer,
    nearest first, without the drafter's own posts, at most the tenant's maximum."""
    if letter.signer_position_id is None:
        return []
    signer_unit = letter.signer_position.unit
    mine = set(held_position_ids(letter.drafter).values_list("position_id", flat=True))
    route = []
    for head in unit_ancestor_heads(letter.unit):
        if head.pk == letter.signer_position_id or not head.unit.path.startswith(signer_unit.path):
            break
        if head.pk not in mine:
            route.append(head)
    return route[: letter.tenant.max_reviewers]


@transaction.atomic
def letter_submit(
    *,
    letter: Letter,
    by: User,
    route: list[Position] | None = None,
    signers: list[Position] | None = None,
) -> Letter:
    """Send a draft along its paraf chain to its signer(s). Raises ValidationError (a bad
    route), TransitionNotAllowed, PermissionDenied."""
    letter = row_lock(letter)
    if signers and letter.signer_position_id is None:  # the last of the signers given signs it
        letter.signer_position = signers[-1]
        letter.save(update_fields=["signer_position", "updated_at"])
    route = route_propose(letter) if route is None else route
    signers = signers or ([letter.signer_position] if letter.signer_position_id else [])
    _submit_check(letter, route, signers)
    fired = transition_fire(letter, "submit", by=by, has_reviewers=bool(route))
    first = _steps_create(letter, route, signers)
    transition_record(letter, fired, action="letter.submitted", by=by)
    policy.revoke_drafter_change(letter)
    step_notify(letter, first)
    return letter


def _submit_check(letter: Letter, route: list[Position], signers: list[Position]) -> None:
    """The route and signers a draft is submitted with, and the details its type needs."""
    if len(route) > letter.tenant.max_reviewers:
        raise ValidationError(
            {"route": _("At most %(n)s reviewers.") % {"n": letter.tenant.max_reviewers}}
        )
    if len(signers) > 1 and not letter.letter_type.multiple_signers:
        raise ValidationError({"signers": _("This letter type has one signer.")})
    for pos in [*route, *signers]:
        if pos.tenant_id != letter.tenant_id or not pos.is_active:
            raise ValidationError({"route": _("Unknown position.")})
    for pos in signers:
        if not policy.letter_signer_allowed(letter, pos):
            raise ValidationError({"signers": _("%s may not sign this letter.") % pos})
    if len({p.pk for p in [*route, *signers]}) != len(route) + len(signers):
        raise ValidationError({"route": _("A position appears twice in the route.")})
    _route_check(letter, route, signers)
    findings_check(letter)


def findings_check(letter: Letter) -> None:
    """The rules checker's errors on a draft, as one ValidationError by field (its warnings
    do not block). Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    for finding in letter_findings(letter):
        if finding.is_error:
            errors.setdefault(finding.field or NON_FIELD_ERRORS, []).append(finding.message)
    if errors:
        raise ValidationError(errors)


def _steps_create(letter: Letter, route: list[Position], signers: list[Position]) -> ReviewStep:
    """The steps of the new review round, reviewers first, then signers; returns the first,
    which waits for action now."""
    now = timezone.now()
    steps = [
        ReviewStep(letter=letter, round=letter.review_round, order=i, kind=kind, position=pos)
        for i, (kind, pos) in enumerate(
            [(StepKind.REVIEW, p) for p in route] + [(StepKind.SIGN, p) for p in signers]
        )
    ]
    steps[0].state, steps[0].reached_at = StepState.PENDING, now
    ReviewStep.objects.bulk_create(steps)
    return steps[0]


def review_needed(letter: Letter) -> bool:
    """Whether the letter needs a reviewer before its signer: always, unless its type goes
    straight to its signer and that signer is not a post of the drafter."""
    if not letter.letter_type.direct_to_signer:
        return True
    mine = set(held_position_ids(letter.drafter).values_list("position_id", flat=True))
    return letter.signer_position_id in mine


def _route_check(letter: Letter, route: list[Position], signers: list[Position]) -> None:
    """Nobody reviews their own letter: the paraf chain never holds a post of the drafter, and
    a letter goes straight to its signer only where its type allows it, to a signer who is
    not the drafter. Raises ValidationError."""
    if not signers:
        raise ValidationError({"signers": _("Choose who signs this letter.")})
    mine = set(held_position_ids(letter.drafter).values_list("position_id", flat=True))
    if any(p.pk in mine for p in route):
        raise ValidationError(
            {"route": _("You cannot review (paraf) your own letter: choose another reviewer.")}
        )
    if route:
        return
    if not letter.letter_type.direct_to_signer:
        message = _("%(type)s needs at least one reviewer (paraf) before it is signed.")
        raise ValidationError({"route": message % {"type": letter.letter_type.name}})
    if any(p.pk in mine for p in signers):
        raise ValidationError(
            {"signers": _("A letter without a reviewer cannot be signed by its own drafter.")}
        )


def step_notify(letter: Letter, step: ReviewStep) -> None:
    """Tell the holders of a step's post that the letter waits for their paraf or signature."""
    kind = Kind.LETTER_REVIEW if step.kind == StepKind.REVIEW else Kind.LETTER_TO_SIGN
    text = (_("To review: %(s)s") if step.kind == StepKind.REVIEW else _("To sign: %(s)s")) % {
        "s": notice_subject(letter)
    }
    notify(
        policy.position_users([step.position_id]), kind, letter, text=text, url=letter_url(letter)
    )


def step_advance(letter: Letter, step: ReviewStep, by: User, note: str) -> ReviewStep | None:
    """Mark a step approved and make the next one (returned, if any) wait for action."""
    now = timezone.now()
    step.state, step.acted_at, step.acted_by = StepState.APPROVED, now, by
    step.note, step.seen_version = note, letter.version
    step.save()
    nxt = (
        ReviewStep.objects.filter(letter=letter, round=letter.review_round, order__gt=step.order)
        .order_by("order")
        .first()
    )
    if nxt is not None:
        nxt.state, nxt.reached_at = StepState.PENDING, now
        nxt.save(update_fields=["state", "reached_at"])
    return nxt


@transaction.atomic
def letter_approve(*, letter: Letter, by: User, note: str = "") -> Letter:
    """The current reviewer's paraf; the last one hands the letter to the signer."""
    letter = row_lock(letter)
    step = policy.current_step(letter)
    if step is None or step.kind != StepKind.REVIEW:
        raise TransitionNotAllowed("no review step is waiting")
    nxt_kind = (
        ReviewStep.objects.filter(letter=letter, round=letter.review_round, order=step.order + 1)
        .values_list("kind", flat=True)
        .first()
    )
    fired = transition_fire(letter, "approve", by=by, last=nxt_kind == StepKind.SIGN)
    nxt = step_advance(letter, step, by, note)
    transition_record(
        letter, fired, action="letter.approved", by=by, position=step.position, note=note
    )
    if nxt is not None:
        step_notify(letter, nxt)
    return letter


def _close_round(letter: Letter, acting: ReviewStep, by: User, note: str, state: str) -> None:
    now = timezone.now()
    if acting is not None:
        acting.state, acting.acted_at, acting.acted_by = state, now, by
        acting.note, acting.seen_version = note, letter.version
        acting.save()
    ReviewStep.objects.filter(
        letter=letter, round=letter.review_round, state__in=[StepState.WAITING, StepState.PENDING]
    ).update(state=StepState.WITHDRAWN)


@transaction.atomic
def letter_return(*, letter: Letter, by: User, note: str) -> Letter:
    """A reviewer or signer sends the letter back to the drafter with a note."""
    letter = row_lock(letter)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what needs to change.")})
    step = policy.current_step(letter)
    fired = transition_fire(letter, "return_to_drafter", by=by)
    _close_round(letter, step, by, note, StepState.RETURNED)
    position = step.position if step else None
    transition_record(letter, fired, action="letter.returned", by=by, position=position, note=note)
    policy.restore_drafter_change(letter)
    letter_notify([letter.drafter], Kind.LETTER_RETURNED, letter, _("Returned: %(s)s"))
    return letter


@transaction.atomic
def letter_withdraw(*, letter: Letter, by: User) -> Letter:
    """The drafter pulls a letter back from review or signature to edit it."""
    letter = row_lock(letter)
    fired = transition_fire(letter, "withdraw", by=by)
    _close_round(letter, None, by, "", StepState.WITHDRAWN)
    transition_record(letter, fired, action="letter.withdrawn", by=by)
    policy.restore_drafter_change(letter)
    return letter
