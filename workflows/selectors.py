"""Reads of the workflow machinery: document timelines, chain verification, due status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .choices import DueStatus
from .hashing import row_hash, security_fields, transition_fields
from .models import SecurityEvent, TransitionLog

SOON_DAYS = 2


def transition_log_for(document: models.Model) -> QuerySet[TransitionLog]:
    """A document's transitions, oldest first, with actors."""
    ct = ContentType.objects.get_for_model(document, for_concrete_model=False)
    return TransitionLog.objects.filter(content_type=ct, object_id=document.pk).select_related(
        "actor", "acting_position", "on_behalf_of"
    )


def transition_log_for_many(model: type[models.Model], ids: list[int]) -> QuerySet[TransitionLog]:
    """Transitions of several documents of one model, oldest first."""
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return TransitionLog.objects.filter(content_type=ct, object_id__in=ids).select_related(
        "actor", "acting_position", "on_behalf_of"
    )


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    row_id: int
    reason: str


def _walk(rows, fields, key) -> Iterator[ChainBreak]:
    prev_by_chain: dict[object, str] = {}
    for row in rows:
        chain = key(row)
        expected_prev = prev_by_chain.get(chain, "")
        if row.prev_hash != expected_prev:
            yield ChainBreak(str(chain), row.id, "previous hash does not match (row missing?)")
        if row_hash(row.prev_hash, fields(row)) != row.hash:
            yield ChainBreak(str(chain), row.id, "row content does not match its hash")
        prev_by_chain[chain] = row.hash


def audit_verify() -> list[ChainBreak]:
    """Every break in every transition chain and security-event chain (empty when intact)."""
    breaks = list(
        _walk(
            TransitionLog.objects.order_by("content_type_id", "object_id", "id").iterator(2000),
            transition_fields,
            lambda r: (r.content_type_id, r.object_id),
        )
    )
    breaks += _walk(
        SecurityEvent.objects.order_by("tenant_id", "id").iterator(2000),
        security_fields,
        lambda r: ("security", r.tenant_id),
    )
    return breaks


def due_status(due: dt.date | None, *, today: dt.date, done: bool = False) -> DueStatus:
    """Amber two days before a due date, red once it has passed."""
    if due is None:
        return DueStatus.NONE
    if done:
        return DueStatus.MET
    if today > due:
        return DueStatus.OVERDUE
    if (due - today).days <= SOON_DAYS:
        return DueStatus.SOON
    return DueStatus.OK
