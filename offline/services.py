"""Settle the actions a device queued while offline: each once, through correspondence's own
services, and keep the outcome so that a retry gets the same answer."""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from organizations.models import User

from . import selectors
from .choices import NEVER_QUEUED, ActionStatus
from .kinds import HANDLERS, MOVED_ON, Conflict, Settled
from .models import QueuedAction

MAX_BATCH = 100


class _StoredMeanwhile(Exception):
    """Another request stored the same device id first."""


def answer_of(action: QueuedAction, *, replayed: bool = False) -> dict:
    """What the device is told about one action."""
    out = {
        "id": str(action.client_id),
        "status": action.status,
        "message": action.message,
        "url": action.url,
    }
    if replayed:
        out["replayed"] = True
    return out


def _refused(raw_id, message: str) -> dict:
    return {"id": str(raw_id or "")[:64], "status": ActionStatus.REFUSED, "message": message}


def _made_at(value):
    if not isinstance(value, str):
        return None
    try:
        made = parse_datetime(value)
    except ValueError:
        return None
    if made is not None and timezone.is_naive(made):
        made = timezone.make_aware(made, timezone.UTC)
    return made


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _target(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 2**62:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _row(user: User, client_id: uuid.UUID, raw: dict) -> QueuedAction:
    payload = raw.get("payload")
    version = raw.get("version")
    return QueuedAction(
        tenant_id=user.tenant_id,
        user=user,
        client_id=client_id,
        kind=str(raw.get("kind") or "")[:40],
        target_id=_target(raw.get("target")),
        base_version=str(version)[:120] if isinstance(version, str | int) else "",
        payload=payload if isinstance(payload, dict) else {},
        made_at=_made_at(raw.get("made_at")),
        status=ActionStatus.REFUSED,
    )


def _settle(user: User, row: QueuedAction, raw: dict) -> tuple[Settled, str]:
    """Apply one stored action (inside the caller's transaction); never raises for the user's
    input: a refusal or a conflict is an outcome."""
    if row.kind in NEVER_QUEUED:
        return Settled(ActionStatus.REFUSED, _("Signing needs the network: sign when online.")), ""
    handler = HANDLERS.get(row.kind)
    if handler is None:
        return Settled(ActionStatus.REFUSED, _("This action cannot be queued.")), ""
    if row.target_id is None or not isinstance(raw.get("payload", {}), dict):
        return Settled(ActionStatus.REFUSED, _("The action is incomplete.")), ""
    try:
        with transaction.atomic():  # a refused or conflicting action leaves nothing behind
            return handler(user, row.target_id, row.base_version, row.payload)
    except Http404:
        # The same answer for a missing, hidden or another tenant's id.
        return Settled(ActionStatus.REFUSED, _("Not found, or not yours to see.")), ""
    except Conflict as exc:
        return Settled(ActionStatus.CONFLICT, exc.message), _url_of(user, row)
    except MOVED_ON:
        message = _("That was already done, or the letter has moved on.")
        return Settled(ActionStatus.CONFLICT, message), _url_of(user, row)
    except PermissionDenied:
        return Settled(ActionStatus.REFUSED, _("You may not do that.")), ""
    except ValidationError as exc:
        return Settled(ActionStatus.REFUSED, " ".join(exc.messages)), ""
    except DataError:  # a value the database cannot hold (a number out of range)
        return Settled(ActionStatus.REFUSED, _("The action holds a value out of range.")), ""


def _url_of(user: User, row: QueuedAction) -> str:
    """The page of the action's target, to look at what happened (it was visible a moment
    ago: a conflict is found only after the target is)."""
    return selectors.target_page(user, row.kind, row.target_id)


def action_apply(*, user: User, raw) -> dict:
    """Settle one queued action (`{id, kind, target, version, payload, made_at}`) and answer
    `{id, status, message, url}`. A device id already stored gets its stored outcome and is
    not applied again, also when two requests carry it at once (the unique constraint makes
    the second wait for the first and then read its outcome)."""
    if not isinstance(raw, dict):
        return _refused("", _("The action is not an object."))
    try:
        client_id = uuid.UUID(str(raw.get("id")))
    except ValueError:
        return _refused(raw.get("id"), _("The action has no valid id."))
    stored = selectors.action_get_for_user(user, client_id)
    if stored is not None:
        return answer_of(stored, replayed=True)
    if _has_nul(raw):  # PostgreSQL keeps no NUL in text: refused, never a 500 for the batch
        return _refused(raw.get("id"), _("The action holds a character that cannot be kept."))
    row = _row(user, client_id, raw)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                raise _StoredMeanwhile from None
            settled, url = _settle(user, row, raw)
            row.status, row.message, row.url = settled.status, settled.message, url
            row.save(update_fields=["status", "message", "url"])
    except _StoredMeanwhile:
        return answer_of(selectors.action_get_for_user(user, client_id), replayed=True)
    return answer_of(row)


def actions_apply(*, user: User, items: list) -> list[dict]:
    """Settle a batch in order (at most MAX_BATCH; the rest are refused to be sent again)."""
    out = [action_apply(user=user, raw=item) for item in items[:MAX_BATCH]]
    for item in items[MAX_BATCH:]:
        raw_id = item.get("id") if isinstance(item, dict) else ""
        out.append(_refused(raw_id, _("Too many actions at once; send the rest again.")))
    return out


def actions_seen(*, user: User) -> int:
    """Mark the user's conflicts as looked at; returns how many were unseen."""
    return QueuedAction.objects.filter(
        user=user, status=ActionStatus.CONFLICT, seen_at__isnull=True
    ).update(seen_at=timezone.now())
