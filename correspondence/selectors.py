"""Reads of correspondence: lists and pages, always through the `visible_to` filters."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core.query import filter_given, id_or_404
from notifications.kinds import Kind
from organizations.access import access_remembered
from organizations.models import Assignment, Position, Unit, User
from workflows.models import SecurityEvent
from workflows.selectors import SOON_DAYS, due_status, transition_log_for

from . import layouts
from .checker import draft_findings
from .choices import DeliveryState, DispositionState, LetterState, StepKind, StepState
from .history import history_lines
from .inboxcount import inbox_counts_kept
from .models import (
    Attachment,
    Delegation,
    Delivery,
    Disposition,
    DispositionInstruction,
    Letter,
    LetterType,
    NumberReservation,
    Recipient,
    ReviewStep,
)
from .permissions import (
    can_reserve_numbers,
    can_view_sender_side,
    letter_visible_get,
    signer_positions,
)
from .querysets import (
    held_id_list,
    held_position_ids,
    inbox_unit_id_list,
    reach_q,
    reading,
)

OPEN_DELIVERY = [DeliveryState.DELIVERED, DeliveryState.READ, DeliveryState.IN_PROGRESS]
OPEN_DISPOSITION = [DispositionState.ISSUED, DispositionState.READ]


def _get_or_404(qs: QuerySet, pk):
    try:
        return qs.get(pk=id_or_404(pk))
    except qs.model.DoesNotExist:
        raise Http404 from None


def letter_get_for_user(user: User, pk) -> Letter:
    """A letter the user may see, or 404 (the same for missing, hidden and foreign)."""
    related = (
        "letter_type",
        "unit",
        "drafter",
        "signer_position",
        "signed_by",
        "signed_as",
        "tenant",
        "reply_to",
    )
    letter = letter_visible_get(user, id_or_404(pk), related=related)
    if letter is None:
        raise Http404
    return letter


def letter_for_output(letter: Letter) -> Letter:
    """The letter again with what its API detail shows, in four queries instead of one per
    recipient (a letter to 20 units would otherwise cost 40)."""
    return (
        Letter.objects.select_related("letter_type", "unit")
        .prefetch_related(
            Prefetch(
                "recipients",
                queryset=Recipient.objects.select_related("unit", "position", "address"),
            ),
            "steps",
            "attachments",
        )
        .get(pk=letter.pk)
    )


def letter_by_token(tenant, token: str) -> Letter | None:
    """The signed letter a QR token names, only on its own tenant's host."""
    if tenant is None or not token or len(token) > 64:
        return None
    return (
        Letter.objects.filter(tenant=tenant, verify_token=token)
        .select_related("signed_by", "signed_as", "tenant", "letter_type")
        .first()
    )


def delivery_get_for_user(user: User, pk) -> Delivery:
    return _get_or_404(
        Delivery.objects.visible_to(user).select_related("letter", "unit", "position"), pk
    )


def disposition_get_for_user(user: User, pk) -> Disposition:
    return _get_or_404(
        Disposition.objects.visible_to(user).select_related(
            "letter", "delivery", "to_position", "issued_as"
        ),
        pk,
    )


def attachment_get_for_user(user: User, pk) -> Attachment:
    """An attachment of a letter the user may see, or 404."""
    return _get_or_404(
        Attachment.objects.filter(letter__in=Letter.objects.visible_to(user)).select_related(
            "letter"
        ),
        pk,
    )


# --- lists ---
@dataclass
class InboxFilter:
    state: str = ""
    urgency: str = ""
    security: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sender: str = ""
    q: str = ""
    kind: str = ""


def _apply_filter(qs: QuerySet, f: InboxFilter, prefix: str = "letter__") -> QuerySet:
    qs = filter_given(
        qs,
        {
            "state": f.state,
            "urgency": f.urgency,
            "security": f.security,
            "kind": f.kind,
            "delivered_at__date__gte": f.date_from,
            "delivered_at__date__lte": f.date_to,
        },
    )
    if f.sender:
        qs = qs.filter(
            Q(**{f"{prefix}unit__name__icontains": f.sender})
            | Q(**{f"{prefix}sender_name__icontains": f.sender})
        )
    if f.q:
        qs = qs.filter(
            Q(**{f"{prefix}subject__icontains": f.q})
            | Q(**{f"{prefix}number__icontains": f.q})
            | Q(agenda_number__icontains=f.q)
            | Q(**{f"{prefix}sender_number__icontains": f.q})
        )
    return qs


def inbox_list(
    user: User,
    *,
    unit: Unit | None = None,
    personal: bool = False,
    f: InboxFilter | None = None,
    on: dt.date | None = None,
) -> QuerySet[Delivery]:
    """A unit's inbox (for its head, delegate, clerk, TU) or the user's personal inbox, by
    who handles what `on` a day (default today)."""
    if personal:
        qs = Delivery.objects.visible_to(user, on=on).filter(
            pk__in=Delivery.objects.handled_by(user, on=on).filter(position__isnull=False)
        )
    else:
        qs = Delivery.objects.visible_to(user, on=on, unit_id=unit.pk if unit is not None else None)
    qs = _apply_filter(qs, f or InboxFilter())
    # What a row shows (page and API): the letter with its unit and type, not its body; the
    # recipient unit and position are shown as ids only.
    return (
        qs.select_related(
            "letter__unit__tenant", "letter__letter_type", "letter__signed_by", "letter__signed_as"
        )
        .defer("letter__body", "letter__retract_reason")
        .order_by("-delivered_at", "-id")
    )


def inbox_counts(
    qs: QuerySet[Delivery],
    *,
    user: User | None = None,
    unit: Unit | None = None,
    f: InboxFilter | None = None,
    on: dt.date | None = None,
) -> tuple[int, int]:
    """All and unread rows of an inbox list, in one pass over it. For a unit's inbox (`user`,
    `unit`, `f` and `on` as given to `inbox_list`) the figures are kept across requests until
    its rows or the user's access change (`correspondence.inboxcount`)."""

    def count() -> tuple[int, int]:
        figures = qs.order_by().aggregate(
            total=Count("pk"), unread=Count("pk", filter=Q(state=DeliveryState.DELIVERED))
        )
        return figures["total"], figures["unread"]

    if user is None or unit is None:
        return count()
    f = f or InboxFilter()
    # Only filters on the delivery's own columns: letters have no inbox trigger.
    kept = (
        None
        if f.sender or f.q
        else (f.state, f.urgency, f.security, f.kind, f.date_from, f.date_to)
    )
    return inbox_counts_kept(user, unit.pk, kept, count, on=on or timezone.localdate())


def inbox_units(user: User) -> QuerySet[Unit]:
    """Units whose inbox the user handles."""
    return Unit.objects.filter(pk__any=inbox_unit_id_list(user)).order_by("path")


def inbox_unit_list(user: User) -> list[Unit]:
    """`inbox_units` as a list, kept with who handles what (units change rarely and every
    change of one starts a new access generation)."""
    return access_remembered(user, "inbox-units", lambda: list(inbox_units(user)))


def outbox_list(user: User, *, f: InboxFilter | None = None) -> QuerySet[Letter]:
    """Signed and sent letters of units the user handles (not confidential), or that the user
    drafted or signed, each with its per-recipient counts: a subset of `visible_to` written
    as plain column tests, so the big letter table is read through its indexes."""
    f = f or InboxFilter()
    if not user.is_authenticated or user.tenant_id is None:
        return Letter.objects.none()
    units = reading(user).units
    held = held_id_list(user)
    # The posts and units come from the user's own tenant (`held_id_list`, `reading`), so
    # only the drafter's branch tests the tenant. A tenant test over all three made the
    # planner AND in the tenant's whole index (a third of all letters): 22 ms, not 10.
    mine = (
        Q(drafter_id=user.pk, tenant_id=user.tenant_id)
        | Q(signed_as_id__any=held)
        | reach_q(units, "unit_id")
        | reach_q(units, "number_unit_id")
    )
    qs = Letter.objects.filter(
        mine,
        is_incoming=False,
        state__any=[LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED],
    )
    if f.q:
        qs = qs.filter(Q(subject__icontains=f.q) | Q(number__icontains=f.q))
    if f.security:
        qs = qs.filter(security=f.security)
    if f.urgency:
        qs = qs.filter(urgency=f.urgency)
    if f.state:
        qs = qs.filter(state=f.state)

    def count(**where):
        rows = Delivery.objects.filter(letter_id=OuterRef("pk"), **where)
        return Coalesce(Subquery(rows.values("letter_id").annotate(n=Count("pk")).values("n")), 0)

    # Counted per letter of the page only (correlated subqueries run after the LIMIT).
    return (
        qs.select_related("letter_type", "unit")
        .defer("body", "retract_reason")  # a row shows neither
        .annotate(
            n_deliveries=count(),
            n_read=count(first_read_at__isnull=False),
            n_done=count(state=DeliveryState.DONE),
        )
        .order_by("-sent_at", "-id")
    )


def drafts_list(user: User) -> QuerySet[Letter]:
    """The user's drafts, newest first."""
    return (
        Letter.objects.filter(drafter_id=user.pk, tenant_id=user.tenant_id)
        .filter(state__in=[LetterState.DRAFT, LetterState.IN_REVIEW, LetterState.APPROVED])
        .select_related("letter_type")
        .order_by("-updated_at")
    )


def awaiting_list(user: User, kind: str) -> QuerySet[Letter]:
    """Letters whose current step (review or signature) waits for one of the user's posts."""
    steps = ReviewStep.objects.filter(
        letter_id=OuterRef("pk"),
        round=OuterRef("review_round"),
        state=StepState.PENDING,
        kind=kind,
        position_id__in=held_position_ids(user),
    )
    state = LetterState.IN_REVIEW if kind == StepKind.REVIEW else LetterState.APPROVED
    return (
        Letter.objects.filter(tenant_id=user.tenant_id, state=state)
        .filter(Exists(steps))
        .select_related("letter_type", "unit", "drafter")
        .order_by("updated_at")
    )


def dispositions_to_me(user: User, *, open_only: bool = False) -> QuerySet[Disposition]:
    qs = Disposition.objects.to_user(user).exclude(
        state__in=[DispositionState.PREPARED, DispositionState.CANCELLED]
    )
    if open_only:
        qs = qs.filter(state__in=OPEN_DISPOSITION)
    return qs.select_related("letter", "issued_as", "to_position", "delivery").order_by(
        "due_date", "-id"
    )


def dispositions_overdue_for(user: User) -> QuerySet[Disposition]:
    """Open dispositions to the user whose due date has passed in the tenant's time zone."""
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(user.tenant.time_zone))
    return dispositions_to_me(user, open_only=True).filter(due_date__lt=today)


def dispositions_due_unnotified(*, tenant_id: int, kind: str, today: dt.date):
    """Open dispositions of a tenant that are due soon (within SOON_DAYS of `today`) or
    overdue, per `kind`, and have not had that notice yet."""
    qs = Disposition.objects.filter(
        tenant_id=tenant_id, state__in=OPEN_DISPOSITION, due_date__isnull=False
    )
    if kind == Kind.OVERDUE:
        qs = qs.filter(due_date__lt=today, overdue_notified_at__isnull=True)
    else:
        qs = qs.filter(
            due_date__gte=today,
            due_date__lte=today + dt.timedelta(days=SOON_DAYS),
            due_soon_notified_at__isnull=True,
        )
    return qs.select_related("letter__unit", "to_position", "delivery").order_by("pk")


def dispositions_to_confirm(user: User) -> QuerySet[Disposition]:
    return (
        Disposition.objects.visible_to(user)
        .filter(state=DispositionState.PREPARED, issued_as_id__in=held_position_ids(user))
        .select_related("letter", "to_position")
    )


@dataclass
class Counters:
    to_sign: int = 0
    signed_not_sent: int = 0
    to_review: int = 0
    unread_incoming: int = 0
    open_incoming: int = 0
    unread_dispositions: int = 0
    open_dispositions: int = 0
    unread_cc: int = 0
    drafts: int = 0
    extra: dict = field(default_factory=dict)


def counters_for(user: User) -> Counters:
    """The numbers a civil servant works from, each one COUNT query."""
    # Both tests in one WHERE (a `pk IN (…)` of one inside the other read a city's
    # deliveries three times over).
    handled = Delivery.objects.visible_to(user).handled_by(user)
    signed_mine = Letter.objects.filter(tenant_id=user.tenant_id, state=LetterState.SIGNED).filter(
        Q(drafter_id=user.pk) | Q(signed_by_id=user.pk)
    )
    mine = dispositions_to_me(user)
    return Counters(
        to_sign=awaiting_list(user, StepKind.SIGN).count(),
        signed_not_sent=signed_mine.count(),
        to_review=awaiting_list(user, StepKind.REVIEW).count(),
        unread_incoming=handled.filter(kind="to", state=DeliveryState.DELIVERED).count(),
        open_incoming=handled.filter(kind="to", state__in=OPEN_DELIVERY).count(),
        unread_dispositions=mine.filter(state=DispositionState.ISSUED).count(),
        open_dispositions=mine.filter(state__in=OPEN_DISPOSITION).count(),
        unread_cc=handled.filter(kind="cc", state=DeliveryState.DELIVERED).count(),
        drafts=Letter.objects.drafts_of(user).count(),
    )


# --- the letter page ---
@dataclass
class DispositionNode:
    disposition: Disposition
    status: str
    children: list[DispositionNode]
    labels: list[str] = field(default_factory=list)


def disposition_tree(user: User, letter: Letter) -> dict[int, list[DispositionNode]]:
    """Per visible delivery, the dispositions the user may see as a tree with due marks."""
    return _disposition_tree(Disposition.objects.visible_to(user).filter(letter=letter))


def disposition_tree_of_delivery(delivery: Delivery) -> dict[int, list[DispositionNode]]:
    """Every disposition of one delivery as a tree (for its receiving unit's archived copy)."""
    return _disposition_tree(Disposition.objects.filter(delivery_id=delivery.pk))


def _disposition_tree(qs) -> dict[int, list[DispositionNode]]:
    rows = list(
        qs.select_related("to_position__unit", "issued_as", "issued_by", "reported_by").order_by(
            "id"
        )
    )
    today = timezone.localdate()
    texts = dict(
        DispositionInstruction.objects.filter(tenant_id=letter_tenant(rows)).values_list(
            "code", "text"
        )
    )
    nodes = {
        d.pk: DispositionNode(
            d,
            due_status(
                d.due_date,
                today=today,
                done=d.state in (DispositionState.DONE, DispositionState.CANCELLED),
            ),
            [],
            [texts.get(code, code) for code in d.instructions],
        )
        for d in rows
    }
    roots: dict[int, list[DispositionNode]] = {}
    for d in rows:
        node = nodes[d.pk]
        if d.parent_id in nodes:
            nodes[d.parent_id].children.append(node)
        else:
            roots.setdefault(d.delivery_id, []).append(node)
    return roots


def letter_tenant(rows: list[Disposition]) -> int | None:
    return rows[0].tenant_id if rows else None


def letter_deliveries(user: User, letter: Letter) -> list[Delivery]:
    """Per-recipient status: the sender side sees every delivery, a recipient only theirs."""
    qs = Delivery.objects.filter(letter=letter).select_related(
        "unit__tenant", "position", "first_read_by", "forwarded_by", "forwarded_from__unit"
    )
    if not can_view_sender_side(user, letter):
        qs = qs.filter(pk__in=Delivery.objects.visible_to(user).values("pk"))
    return list(qs.order_by("kind", "unit__path"))


def letter_page(user: User, letter: Letter) -> dict:
    """Everything the letter page shows, each part already limited to what the user may see."""
    steps = list(
        ReviewStep.objects.filter(letter=letter)
        .select_related("position", "acted_by")
        .order_by("round", "order")
    )
    return {
        "recipients": list(letter.recipients.select_related("unit__tenant", "position", "address")),
        "attachments": list(letter.attachments.all()),
        "steps": steps,
        "timeline": history_lines(transition_log_for(letter)),
        "deliveries": letter_deliveries(user, letter),
        "tree": disposition_tree(user, letter),
        "comments": list(letter.comments.select_related("author")),
        "findings": draft_findings(letter),
        "parts": layouts.parts_read(layouts.layout_of(letter.letter_type), letter.parts),
    }


def letter_access_log(user: User, letter: Letter) -> QuerySet[SecurityEvent]:
    """Who opened or downloaded a confidential letter (the last 100), for its signer and
    drafter (`permissions.can_view_access_log`)."""
    return (
        SecurityEvent.objects.filter(
            content_type__model="letter", object_id=letter.pk, tenant_id=user.tenant_id
        )
        .select_related("user")
        .order_by("-id")[:100]
    )


def handled_deliveries_of(user: User, letter: Letter) -> list[Delivery]:
    return list(Delivery.objects.handled_by(user).filter(letter=letter).select_related("unit"))


def letter_types_for(user: User) -> QuerySet[LetterType]:
    return LetterType.objects.filter(tenant_id=user.tenant_id, is_active=True)


def instructions_for(tenant_id: int) -> QuerySet[DispositionInstruction]:
    return DispositionInstruction.objects.filter(tenant_id=tenant_id, is_active=True)


def delegation_for_user(user: User, pk) -> Delegation | None:
    """A delegation of the user's tenant (whether the user may end it is the service's
    question), or None."""
    return Delegation.objects.filter(tenant_id=user.tenant_id, pk=pk).first()


def delegate_choices(user: User) -> QuerySet[User]:
    """Whom the user may name as delegate: the active people of their tenant but themselves."""
    return User.objects.filter(tenant_id=user.tenant_id, is_active=True).exclude(pk=user.pk)


def delegations_of(user: User) -> QuerySet[Delegation]:
    return (
        Delegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("position", "delegator", "delegate")
        .order_by("-start_date")
    )


def reviewer_choices(letter: Letter) -> QuerySet[Position]:
    """The posts a drafter may pick as reviewer (paraf) of a letter: held posts of the
    tenant, never one of the drafter's own nor the signer's."""
    today = timezone.localdate()
    mine = held_position_ids(letter.drafter, today)
    held = Assignment.objects.current(today).values("position_id")
    return (
        Position.objects.filter(tenant_id=letter.tenant_id, is_active=True, pk__in=held)
        .exclude(pk__in=mine)
        .exclude(pk=letter.signer_position_id)
        .select_related("unit")
        .order_by("unit__path", "sort_order")
    )


def signer_choices(user: User) -> QuerySet[Position]:
    """The posts that may sign some letter type of the user's tenant (the signing rule)."""
    return signer_positions(user.tenant_id).select_related("unit").order_by("unit__path")


def recipient_units(user: User) -> QuerySet[Unit]:
    """Units a letter can go to: this tenant's and other active tenants' on the platform."""
    return (
        Unit.objects.filter(is_active=True, tenant__is_active=True)
        .filter(Q(tenant_id=user.tenant_id) | Q(depth__lte=2))
        .select_related("tenant")
        .order_by("tenant_id", "path")
    )


def letter_as_minutes(user, ref: str) -> tuple[str, str] | None:
    """A signed letter the user may open, by its number (or id), as minutes of a meeting
    (usually a nota dinas): its label and URL."""
    match = Q(number=ref) & ~Q(number="")
    if ref.isdigit() and len(ref) < 18:
        match |= Q(pk=int(ref))
    found = list(Letter.objects.visible_to(user).filter(match).select_related("letter_type")[:10])
    if len(found) > 1:  # registers of different types may share a number: prefer a nota dinas
        found = [f for f in found if f.letter_type.code == "nota_dinas"]
    if len(found) != 1:
        return None
    letter = found[0]
    label = f"{letter.letter_type.name} {letter.number}: {letter.subject}".strip()
    return label[:200], reverse("correspondence:letter", args=[letter.pk])


def reservations_of_units(units: QuerySet[Unit]) -> QuerySet[NumberReservation]:
    """The numbers reserved in the given units (those whose register the user keeps)."""
    return NumberReservation.objects.filter(unit__in=units).select_related("letter_type", "unit")


def reservation_for_user(user: User, pk) -> NumberReservation | None:
    """A number reservation of a unit whose numbers the user may reserve (its clerk or TU);
    another unit's, like another tenant's or a missing one, is None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    row = (
        NumberReservation.objects.filter(tenant_id=user.tenant_id, pk=pk)
        .select_related("unit")
        .first()
    )
    if row is None or not can_reserve_numbers(user, row.unit):
        return None
    return row
