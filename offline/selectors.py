"""Reads of the offline queue: what version a page's form was made against, and a user's
settled actions."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Max, QuerySet, Value, When
from django.urls import reverse

from correspondence import permissions as letter_policy
from correspondence.choices import DispositionState
from correspondence.models import Delivery, Disposition, Letter
from organizations.models import User

from .choices import ActionKind, ActionStatus
from .models import QueuedAction

OPEN_DISPOSITION = (DispositionState.ISSUED, DispositionState.READ)


def delivery_version(delivery: Delivery) -> str:
    """A delivery as a disposition is made against it: its state and its newest
    disposition, so another disposition made meanwhile (by a Plt, a secretary) shows."""
    newest = Disposition.objects.filter(delivery_id=delivery.pk).aggregate(m=Max("pk"))["m"]
    return f"{delivery.state}.{newest or 0}"


def disposition_version(disposition: Disposition) -> str:
    """A disposition as a report is written against it: `open` while it may be reported
    (issued or read: reading it is not moving on), else its state."""
    return "open" if disposition.state in OPEN_DISPOSITION else str(disposition.state)


def review_version(letter: Letter) -> str:
    """A letter as a paraf is given or refused: its state, text version, review round and the
    step that waits; any of them changing means someone else acted or the text changed."""
    step = letter_policy.current_step(letter)
    return f"{letter.state}.{letter.version}.{letter.review_round}.{step.pk if step else 0}"


def offline_version(kind: str, obj) -> str:
    """The version token a form of `kind` carries for `obj` (data-offline-version)."""
    if kind == ActionKind.DELIVERY_READ:
        return str(obj.state)
    if kind == ActionKind.DISPOSITION:
        return delivery_version(obj)
    if kind == ActionKind.REPORT:
        return disposition_version(obj)
    if kind in (ActionKind.APPROVE, ActionKind.RETURN):
        return review_version(obj)
    if kind == ActionKind.DRAFT_SAVE:
        return str(obj.version)
    raise ValueError(kind)


def action_get_for_user(user: User, client_id) -> QueuedAction | None:
    """The user's stored action of that device id, or None."""
    return QueuedAction.objects.filter(user=user, client_id=client_id).first()


def actions_for_user(user: User, *, limit: int = 200) -> QuerySet[QueuedAction]:
    """The user's settled actions, unseen conflicts first, then conflicts, newest first."""
    return (
        QueuedAction.objects.filter(user=user, tenant_id=user.tenant_id)
        .annotate(
            rank=Case(
                When(status=ActionStatus.CONFLICT, seen_at__isnull=True, then=Value(0)),
                When(status=ActionStatus.CONFLICT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-received_at", "-id")[:limit]
    )


def has_unseen_conflicts(user: User) -> bool:
    """Whether a conflict of the user's waits to be looked at (a partial index answers)."""
    return QueuedAction.objects.filter(
        user=user, status=ActionStatus.CONFLICT, seen_at__isnull=True
    ).exists()


def target_page(user: User, kind: str, target_id: int) -> str:
    """The page where the user sees what became of an action's target (the letter's page;
    a draft's edit page), among what the user may see; "" when none."""
    if kind in (ActionKind.DELIVERY_READ, ActionKind.DISPOSITION):
        rows = Delivery.objects.visible_to(user).filter(pk=target_id)
    elif kind == ActionKind.REPORT:
        rows = Disposition.objects.visible_to(user).filter(pk=target_id)
    else:
        rows = None
    if rows is not None:
        letter_id = rows.values_list("letter_id", flat=True).first()
    else:
        letter_id = (
            Letter.objects.visible_to(user)
            .filter(pk=target_id)
            .values_list("pk", flat=True)
            .first()
        )
    if letter_id is None:
        return ""
    name = "correspondence:edit" if kind == ActionKind.DRAFT_SAVE else "correspondence:letter"
    return reverse(name, args=[letter_id])
