"""The one place that decides who may do what with letters, deliveries and dispositions.

Three kinds of answer, all here: "may X do Y to Z" (`can_*`), "which Z may X see" (the
`visible_to` querysets are the SQL form of the `can_view_*` answers, so lists and detail pages
can never disagree; `letter_visible_get`), and "who may do Y to Z" (who signs, who handles a
delivery and is told of it, who issues its disposition). Every service, selector, view, API
view, consumer, download and search asks these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from core.memo import request_memo, request_memo_put
from organizations.choices import RoleKind, UnitKind
from organizations.models import Assignment, Position, Unit, UnitRole, User
from workflows.reach import Reach, reach_for, reach_of

from .choices import (
    DeliveryState,
    DispositionState,
    LetterState,
    SignerRule,
    StepKind,
    StepState,
)
from .models import (
    Delegation,
    Delivery,
    Disposition,
    Letter,
    LetterType,
    ReviewStep,
    SigningMandate,
)
from .querysets import effective_id_list, held_id_list, inbox_unit_id_list


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
    """Every active post of a tenant that may sign at least one of its active letter types,
    by the types' rules or by a mandate (a.n.)."""
    rule = Q(
        pk__in=SigningMandate.objects.filter(tenant_id=tenant_id, is_active=True).values("holder")
    )
    for letter_type in LetterType.objects.filter(tenant_id=tenant_id, is_active=True):
        rule |= signer_positions_q(letter_type)
    return Position.objects.filter(rule, tenant_id=tenant_id, is_active=True)


def mandate_for(letter_type: LetterType, holder: Position, grantor: Position):
    """The active mandate under which `holder` signs a letter of the type a.n. `grantor`
    (for u.b., the mandate names the post in between), or None."""
    mandate = (
        SigningMandate.objects.filter(
            tenant_id=letter_type.tenant_id, grantor=grantor, holder=holder, is_active=True
        )
        .select_related("via")
        .first()
    )
    if mandate is None or not mandate.covers(letter_type.code):
        return None
    if mandate.via_id is not None:
        upper = SigningMandate.objects.filter(
            tenant_id=letter_type.tenant_id, grantor=grantor, holder=mandate.via, is_active=True
        ).first()
        if upper is None or not upper.covers(letter_type.code):
            return None
    return mandate


def letter_signer_allowed(letter: Letter, position: Position) -> bool:
    """Whether a post may sign this letter: by its type's rule, or, for the letter's signer
    signing a.n. another post, by a mandate from a post the rule allows."""
    if letter.on_behalf_of_id and position.pk == letter.signer_position_id:
        grantor = letter.on_behalf_of
        return (
            position.is_active
            and signer_allowed(letter.letter_type, grantor)
            and mandate_for(letter.letter_type, position, grantor) is not None
        )
    return signer_allowed(letter.letter_type, position)


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


def letter_visible_get(user, pk: int, *, related: tuple[str, ...] = ()) -> Letter | None:
    """The letter `pk` if the user may open it, else None (missing, hidden and foreign alike).
    The drafter of an outgoing letter keeps the view grant made at creation (only the change
    grant is ever taken back), so their own letters are answered without the full test;
    incoming letters are registered by a clerk without a grant and go through it."""
    letter = None
    if _member(user):
        own = Letter.objects.filter(drafter_id=user.pk, tenant_id=user.tenant_id, is_incoming=False)
        letter = own.select_related(*related).filter(pk=pk).first()
    if letter is None:
        letter = Letter.objects.visible_to(user).select_related(*related).filter(pk=pk).first()
    if letter is not None:
        # The page asks again (may this user comment?): the answer is known for this request.
        request_memo_put(view_letter_key(user, letter), value=True)
    return letter


def can_view_sender_side(user, letter: Letter) -> bool:
    """Whether the user sees the letter as its sending side (every delivery's status): as the
    sender's archive record has it (drafter, route, signer, the outbox as far as the letter's
    level reaches), and whoever signed it."""
    return letter.tenant_id == user.tenant_id and (
        letter.drafter_id == user.pk
        or letter.signed_by_id == user.pk
        or Letter.objects.sender_side_visible_to(user).filter(pk=letter.pk).exists()
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


# The states in which a letter is still a draft of what will be signed: its preview (KONSEP)
# can be rendered; from signing on, the signed PDF is the letter.
PREVIEW_STATES = frozenset({LetterState.DRAFT, LetterState.IN_REVIEW, LetterState.APPROVED})


def can_preview_letter(user, letter: Letter) -> bool:
    """Whether the user may open the letter's draft preview: whoever may view it, while it is
    an outgoing letter not yet signed."""
    return (
        not letter.is_incoming and letter.state in PREVIEW_STATES and can_view_letter(user, letter)
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


def letter_actions(user, letter: Letter) -> dict[str, bool]:
    """What the user may do with the letter now, by the names its page uses."""
    return {
        "edit": can_edit_letter(user, letter),
        "preview": can_preview_letter(user, letter),
        "submit": can_submit_letter(user, letter),
        "review": can_review_letter(user, letter),
        "sign": can_sign_letter(user, letter),
        "return": can_return_letter(user, letter),
        "withdraw": can_withdraw_letter(user, letter),
        "send": can_send_letter(user, letter),
        "scan": can_upload_scan(user, letter),
        "retract": can_retract_letter(user, letter),
        "reschedule": can_reschedule_letter(user, letter),
        "close": can_close_letter(user, letter),
        "comment": can_comment_letter(user, letter),
        "access_log": can_view_access_log(user, letter) and letter.is_confidential,
        "dispatch": can_dispatch_external(user, letter),
    }


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
    """The same clerk or TU reserves numbers for letters made by hand."""
    return can_register_incoming(user, unit)


def register_units(user):
    """Units whose incoming register and reserved numbers the user keeps: inbox units where
    they are the agenda clerk or the TU (the units `can_register_incoming` says yes to)."""
    return (
        Unit.objects.filter(pk__any=inbox_unit_id_list(user))
        .order_by("path")
        .filter(roles__user=user, roles__kind__in=[RoleKind.REGISTRY_CLERK, RoleKind.SECRETARY])
    )


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


# --- who handles a delivery, who is told ---
def position_users(
    position_ids: Iterable[int], *, level: str | None = None, tenant_id: int | None = None
) -> list[User]:
    """Current holders of positions and those the positions' inboxes are delegated to (at a
    security `level` of `tenant_id` whose reach leaves delegates out: the holders only)."""
    ids = list(position_ids)
    if not ids:
        return []
    today = timezone.localdate()
    holders = Assignment.objects.current(today).filter(position_id__in=ids).values("user_id")
    people = Q(pk__in=holders)
    if level is None or reach_for(tenant_id)[level].delegates:
        delegates = Delegation.objects.filter(
            position_id__in=ids, start_date__lte=today, end_date__gte=today
        ).values("delegate_id")
        people |= Q(pk__in=delegates)
    return list(User.objects.filter(people, is_active=True))


def delivery_handlers(delivery: Delivery) -> list[User]:
    """Who is told of one delivery (see `delivery_handlers_many`)."""
    return delivery_handlers_many([delivery])[delivery.pk]


def delivery_handlers_many(deliveries: list[Delivery]) -> dict[int, list[User]]:
    """Who is told of each delivery: the addressed post's holders (and delegates), or else the
    unit head's and the unit's registry clerks, as far as the delivery's level reaches
    (`workflows.reach`); four queries however many deliveries."""
    today = timezone.localdate()
    reach = {tenant_id: reach_for(tenant_id) for tenant_id in {d.tenant_id for d in deliveries}}
    open_units = {d.unit_id for d in deliveries if not d.position_id}
    heads: dict[int, list[int]] = defaultdict(list)
    for unit_id, pk in Position.objects.filter(
        unit_id__in=open_units, is_head=True, is_active=True
    ).values_list("unit_id", "pk"):
        heads[unit_id].append(pk)

    def reaches(d: Delivery) -> Reach:
        return reach[d.tenant_id][d.security]

    positions = {
        d.pk: [d.position_id]
        if d.position_id
        else (heads.get(d.unit_id, []) if reaches(d).unit_head else [])
        for d in deliveries
    }
    wanted = {p for ids in positions.values() for p in ids}
    holders: dict[int, set[int]] = defaultdict(set)
    for position_id, user_id in (
        Assignment.objects.current(today)
        .filter(position_id__in=wanted)
        .values_list("position_id", "user_id")
    ):
        holders[position_id].add(user_id)
    delegates: dict[int, set[int]] = defaultdict(set)
    for position_id, user_id in Delegation.objects.filter(
        position_id__in=wanted, start_date__lte=today, end_date__gte=today
    ).values_list("position_id", "delegate_id"):
        delegates[position_id].add(user_id)
    clerks: dict[int, set[int]] = defaultdict(set)
    for unit_id, user_id in UnitRole.objects.filter(
        unit_id__in=open_units, kind=RoleKind.REGISTRY_CLERK
    ).values_list("unit_id", "user_id"):
        clerks[unit_id].add(user_id)
    ids: dict[int, set[int]] = {}
    for d in deliveries:
        r = reaches(d)
        people = set().union(*(holders[p] for p in positions[d.pk]))
        if r.delegates:
            people |= set().union(*(delegates[p] for p in positions[d.pk]))
        if not d.position_id and RoleKind.REGISTRY_CLERK in r.roles:
            people |= clerks[d.unit_id]
        ids[d.pk] = people
    users = User.objects.filter(is_active=True).in_bulk({u for v in ids.values() for u in v})
    return {pk: [users[u] for u in sorted(v) if u in users] for pk, v in ids.items()}


def unit_heads(unit_ids: Iterable[int]) -> dict[int, Position]:
    """The head's post of each unit that has one: its first active head post in the default
    order. A confidential letter to a unit goes to this post, never to the unit's inbox; a
    disposition of the unit's own mail is issued as it."""
    heads: dict[int, Position] = {}
    for p in Position.objects.filter(unit_id__in=set(unit_ids), is_head=True, is_active=True):
        heads.setdefault(p.unit_id, p)
    return heads


def disposition_issuer(delivery: Delivery, *, parent: Disposition | None = None) -> Position:
    """The post a disposition of this delivery is issued as: the assignee's post when passing
    a disposition further down, else the addressed post, else the receiving unit's active
    head. Raises ValidationError when the unit has no head to issue it."""
    if parent is not None:
        return parent.to_position
    if delivery.position is not None:
        return delivery.position
    head = unit_heads([delivery.unit_id]).get(delivery.unit_id)
    if head is None:
        raise ValidationError(
            {"to_positions": _("This unit has no head to issue the disposition.")}
        )
    return head


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
