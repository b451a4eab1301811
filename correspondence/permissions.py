"""The one place that decides who may do what with letters, deliveries and dispositions.

Every view, API view, consumer, download and search calls these; `visible_to` querysets are
the SQL form of the `can_view_*` answers, so lists and detail pages can never disagree.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from core.memo import request_memo
from organizations.choices import RoleKind, UnitKind
from organizations.models import Assignment, Position, User
from workflows.reach import reach_of

from .choices import (
    DeliveryState,
    DispositionState,
    LetterState,
    SignerRule,
    StepKind,
    StepState,
)
from .models import Delivery, Disposition, Letter, LetterType, ReviewStep
from .querysets import effective_id_list, held_id_list


def _member(user) -> bool:
    return bool(user and user.is_authenticated and user.tenant_id and user.is_active)


def _holds(user, position_id: int | None, *, delegated: bool = False) -> bool:
    if not _member(user) or position_id is None:
        return False
    return position_id in (effective_id_list(user) if delegated else held_id_list(user))


def current_step(letter: Letter) -> ReviewStep | None:
    """The step of the current round that waits for action, if any."""
    return (
        ReviewStep.objects.filter(letter=letter, round=letter.review_round, state=StepState.PENDING)
        .select_related("position")
        .first()
    )


# --- who may sign ---
OPD_KINDS = UnitKind.opd_kinds()


def signer_positions_q(letter_type: LetterType) -> Q:
    """The posts that may sign letters of a type, as a filter on Position: the one signing
    rule, which decides both who may be a letter's signer and who must use a second factor."""
    if letter_type.signer_position_codes:
        return Q(code__in=letter_type.signer_position_codes)
    match letter_type.signer_rule:
        case SignerRule.ANY_SIGNER:
            return Q(can_sign=True) | Q(is_head=True)
        case SignerRule.UNIT_HEAD:
            return Q(is_head=True)
        case SignerRule.OPD_HEAD:
            return Q(is_head=True) & (Q(unit__depth=1) | Q(unit__kind__in=OPD_KINDS))
        case SignerRule.REGIONAL:
            return Q(is_head=True) & (
                Q(unit__depth=1) | Q(unit__depth=2, unit__kind=UnitKind.SECRETARIAT)
            )
    return Q(pk__in=[])


def signer_positions(tenant_id: int):
    """Every active post of a tenant that may sign at least one of its active letter types."""
    rule = Q(pk__in=[])
    for letter_type in LetterType.objects.filter(tenant_id=tenant_id, is_active=True):
        rule |= signer_positions_q(letter_type)
    return Position.objects.filter(rule, tenant_id=tenant_id, is_active=True)


def signer_allowed(letter_type: LetterType, position: Position) -> bool:
    """Whether a position may sign letters of a type, by the type's rule."""
    if not position.is_active or position.tenant_id != letter_type.tenant_id:
        return False
    return Position.objects.filter(pk=position.pk).filter(signer_positions_q(letter_type)).exists()


def holds_signing_post(user) -> bool:
    """Whether the user holds today (definitively or acting) a post that may sign some letter
    of their tenant: such a session must be verified with a second factor."""
    if not _member(user):
        return False
    return (
        Assignment.objects.current(timezone.localdate())
        .filter(user_id=user.pk, position__in=signer_positions(user.tenant_id))
        .exists()
    )


# --- letters ---
def can_view_letter(user, letter: Letter) -> bool:
    """Whether the user may open the letter (its page, PDF, attachments)."""
    return _member(user) and request_memo(
        view_letter_key(user, letter),
        lambda: Letter.objects.visible_to(user).filter(pk=letter.pk).exists(),
    )


def view_letter_key(user, letter: Letter) -> tuple:
    """The request memo's key for "may this user open this letter (in this state)"."""
    return ("can_view_letter", user.pk, letter.pk, letter.state)


def can_edit_letter(user, letter: Letter) -> bool:
    """Only the drafter edits, and only a draft."""
    return (
        _member(user)
        and letter.state == LetterState.DRAFT
        and letter.drafter_id == user.pk
        and user.has_perm("correspondence.change_letter", letter)
    )


def can_submit_letter(user, letter: Letter) -> bool:
    return can_edit_letter(user, letter)


def can_withdraw_letter(user, letter: Letter) -> bool:
    """The drafter may pull a letter back before it is signed."""
    return (
        _member(user)
        and letter.drafter_id == user.pk
        and letter.state in (LetterState.IN_REVIEW, LetterState.APPROVED)
    )


def _step_holder(user, letter: Letter, kind: StepKind | None) -> bool:
    step = current_step(letter)
    if step is None or (kind is not None and step.kind != kind):
        return False
    return _holds(user, step.position_id)


def can_review_letter(user, letter: Letter) -> bool:
    """The holder of the current review step may approve (paraf), never the drafter."""
    return (
        letter.state == LetterState.IN_REVIEW
        and letter.drafter_id != getattr(user, "pk", None)
        and _step_holder(user, letter, StepKind.REVIEW)
    )


def can_sign_letter(user, letter: Letter) -> bool:
    """The holder of the current signature step may sign; a letter that skipped review is
    never signed by its drafter."""
    if letter.state != LetterState.APPROVED or not _step_holder(user, letter, StepKind.SIGN):
        return False
    return letter.drafter_id != user.pk or (
        ReviewStep.objects.filter(
            letter=letter, round=letter.review_round, kind=StepKind.REVIEW
        ).exists()
    )


def can_return_letter(user, letter: Letter) -> bool:
    """A reviewer or signer whose turn it is may send the letter back to the drafter."""
    return letter.state in (LetterState.IN_REVIEW, LetterState.APPROVED) and _step_holder(
        user, letter, None
    )


def can_send_letter(user, letter: Letter) -> bool:
    """Signer, drafter, or the originating unit's clerk or TU may send a signed letter."""
    if not _member(user) or letter.state != LetterState.SIGNED:
        return False
    if letter.drafter_id == user.pk or _holds(user, letter.signed_as_id):
        return True
    return user.roles.filter(
        kind__in=[RoleKind.REGISTRY_CLERK, RoleKind.SECRETARY],
        unit_id__in=[letter.unit_id, letter.number_unit_id],
    ).exists()


def can_upload_scan(user, letter: Letter) -> bool:
    """For a letter signed on paper: the signer, drafter or clerk uploads the scan."""
    return letter.signing_mode == "paper" and can_send_letter(user, letter)


def can_retract_letter(user, letter: Letter) -> bool:
    """Only the signer (the person, or the current holder of the signing post) retracts."""
    return (
        _member(user)
        and letter.state == LetterState.SENT
        and (letter.signed_by_id == user.pk or _holds(user, letter.signed_as_id))
    )


def can_reschedule_letter(user, letter: Letter) -> bool:
    """A sent invitation's time and place: its signer (or the signing post) or its drafter."""
    return (
        _member(user)
        and letter.state == LetterState.SENT
        and letter.letter_type.creates_event
        and letter.event_start is not None
        and (
            letter.drafter_id == user.pk
            or letter.signed_by_id == user.pk
            or _holds(user, letter.signed_as_id)
        )
    )


def can_close_letter(user, letter: Letter) -> bool:
    """The drafter or the signer closes a sent (or registered) letter, which files it."""
    return (
        _member(user)
        and user.tenant_id == letter.tenant_id
        and letter.state in (LetterState.SENT, LetterState.REGISTERED)
        and letter.closed_at is None
        and (
            letter.drafter_id == user.pk
            or letter.signed_by_id == user.pk
            or _holds(user, letter.signed_as_id)
        )
    )


def can_comment_letter(user, letter: Letter) -> bool:
    """Whoever may open a letter may comment on it, except on someone else's draft."""
    if letter.state == LetterState.DRAFT:
        return letter.drafter_id == getattr(user, "pk", None)
    return can_view_letter(user, letter)


def can_view_access_log(user, letter: Letter) -> bool:
    """The signer (and drafter) see who opened a confidential letter."""
    return _member(user) and (
        letter.signed_by_id == user.pk
        or letter.drafter_id == user.pk
        or _holds(user, letter.signed_as_id)
    )


def can_register_incoming(user, unit) -> bool:
    """The unit's agenda clerk or TU registers letters that came in on paper."""
    return (
        _member(user)
        and unit.tenant_id == user.tenant_id
        and user.roles.filter(
            kind__in=[RoleKind.REGISTRY_CLERK, RoleKind.SECRETARY], unit=unit
        ).exists()
    )


def can_reserve_numbers(user, unit) -> bool:
    return can_register_incoming(user, unit)


def can_dispatch_external(user, letter: Letter) -> bool:
    """The originating unit's clerk hands the signed PDF to addressees off the platform."""
    return (
        _member(user)
        and letter.tenant_id == user.tenant_id
        and letter.state == LetterState.SENT
        and user.roles.filter(
            kind=RoleKind.REGISTRY_CLERK, unit_id__in=[letter.unit_id, letter.number_unit_id]
        ).exists()
    )


# --- deliveries ---
def can_view_delivery(user, delivery: Delivery) -> bool:
    return _member(user) and Delivery.objects.visible_to(user).filter(pk=delivery.pk).exists()


def _handles_delivery(user, delivery: Delivery) -> bool:
    return _member(user) and Delivery.objects.handled_by(user).filter(pk=delivery.pk).exists()


def can_disposition_delivery(user, delivery: Delivery) -> bool:
    """The head (or addressee, or their delegate) dispositions a `to` delivery still open."""
    open_states = (DeliveryState.DELIVERED, DeliveryState.READ, DeliveryState.IN_PROGRESS)
    return (
        delivery.kind == "to"
        and delivery.state in open_states
        and _handles_delivery(user, delivery)
    )


def can_prepare_disposition(user, delivery: Delivery) -> bool:
    """The unit's TU/secretary drafts a disposition for the head, at the levels the tenant's
    reach lets the TU read (not Rahasia and above by default)."""
    return (
        _member(user)
        and delivery.kind == "to"
        and delivery.state != DeliveryState.DONE
        and RoleKind.SECRETARY in reach_of(user)[delivery.security].roles
        and user.roles.filter(kind=RoleKind.SECRETARY, unit_id=delivery.unit_id).exists()
    )


def can_finish_delivery(user, delivery: Delivery) -> bool:
    return _handles_delivery(user, delivery)


# --- dispositions ---
def can_view_disposition(user, disposition: Disposition) -> bool:
    return _member(user) and Disposition.objects.visible_to(user).filter(pk=disposition.pk).exists()


def can_act_on_disposition(user, disposition: Disposition) -> bool:
    """The assignee (holder of the position, or their delegate) reads and reports."""
    return _holds(user, disposition.to_position_id, delegated=True)


def can_disposition_further(user, disposition: Disposition) -> bool:
    """An assignee may pass an open disposition further down."""
    return disposition.state in (
        DispositionState.ISSUED,
        DispositionState.READ,
    ) and can_act_on_disposition(user, disposition)


def can_confirm_disposition(user, disposition: Disposition) -> bool:
    """The head confirms what the TU prepared in their name."""
    return disposition.state == DispositionState.PREPARED and _holds(
        user, disposition.issued_as_id, delegated=True
    )


def can_cancel_disposition(user, disposition: Disposition) -> bool:
    """The issuer may cancel while it is unread (or still only prepared)."""
    if disposition.state not in (DispositionState.ISSUED, DispositionState.PREPARED):
        return False
    return (
        disposition.issued_by_id == getattr(user, "pk", None)
        or disposition.prepared_by_id == getattr(user, "pk", None)
        or _holds(user, disposition.issued_as_id, delegated=True)
    )


def positions_below(position: Position) -> list[Position]:
    """Positions a holder may disposition to: everyone in their unit's subtree but themselves."""
    unit = position.unit
    return list(
        Position.objects.filter(
            tenant_id=position.tenant_id,
            is_active=True,
            unit__path__startswith=unit.path,
        )
        .exclude(pk=position.pk)
        .exclude(Q(is_head=True) & Q(unit_id=unit.pk))
        .select_related("unit")
        .order_by("unit__path", "sort_order")
    )


# --- guardian grants for named people ---
def grant_drafter(letter: Letter, user: User) -> None:
    """Drafter: view and change while the letter is a draft."""
    assign_perm("correspondence.view_letter", user, letter)
    assign_perm("correspondence.change_letter", user, letter)


def revoke_drafter_change(letter: Letter) -> None:
    """Once submitted the drafter keeps view but loses change."""
    remove_perm("correspondence.change_letter", letter.drafter, letter)


def restore_drafter_change(letter: Letter) -> None:
    assign_perm("correspondence.change_letter", letter.drafter, letter)
