"""Writes of the workflow machinery: transition log rows and security events."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from .hashing import row_hash, security_fields, transition_fields
from .models import SecurityEvent, TransitionLog


def transition_log(document: models.Model, **fields) -> TransitionLog:
    """Append one row to a document's chain (`fields` as `transition_log_many` takes them).
    Call inside the transaction that locked the document."""
    return transition_log_many([document], **fields)[0]


def transition_log_many(
    documents: list[models.Model],
    *,
    tenant_id: int,
    action: str,
    source: str = "",
    target: str = "",
    actor=None,
    acting_position=None,
    on_behalf_of=None,
    note: str = "",
) -> list[TransitionLog]:
    """Append one row to the chain of each of several documents of one model (the deliveries
    of one send): one query for the chains' heads, one insert."""
    if not documents:
        return []
    ct = ContentType.objects.get_for_model(documents[0], for_concrete_model=False)
    newest = (
        TransitionLog.objects.filter(content_type=ct, object_id__in=[d.pk for d in documents])
        .values("object_id")
        .annotate(newest=Max("id"))
        .values("newest")
    )
    heads = dict(TransitionLog.objects.filter(pk__in=newest).values_list("object_id", "hash"))
    now = timezone.now()
    rows = [
        _chained(
            document,
            ct,
            heads.get(document.pk, ""),
            at=now,
            tenant_id=tenant_id,
            action=action,
            source=source,
            target=target,
            actor=actor,
            acting_position=acting_position,
            on_behalf_of=on_behalf_of,
            note=note,
        )
        for document in documents
    ]
    return TransitionLog.objects.bulk_create(rows)


def _chained(document, ct, prev: str, *, at, source, target, note: str = "", **fields):
    """An unsaved log row for `document` that follows `prev` on its chain, hash included."""
    row = TransitionLog(
        content_type=ct,
        object_id=document.pk,
        source=str(source or ""),
        target=str(target or ""),
        note=note,
        created_at=at,
        prev_hash=prev,
        **fields,
    )
    row.hash = row_hash(prev, transition_fields(row))
    return row


def security_event_by(user, kind: str, **fields) -> SecurityEvent:
    """A security event that a signed-in `user` causes, in the user's tenant (`fields` as
    `security_event_record` takes them)."""
    return security_event_record(kind=kind, tenant_id=user.tenant_id, user=user, **fields)


@transaction.atomic
def security_event_record(
    *,
    kind: str,
    tenant_id: int | None,
    user=None,
    target: models.Model | None = None,
    detail: dict | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
) -> SecurityEvent:
    """Append one audited event to the tenant's security chain."""
    # The per-tenant chain is serialised by the unique (tenant, prev_hash) constraint; on
    # PostgreSQL a transaction-scoped advisory lock keeps concurrent writers from colliding.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, tenant_id or 0])
    prev = (
        SecurityEvent.objects.filter(tenant_id=tenant_id)
        .order_by("-id")
        .values_list("hash", flat=True)
        .first()
    ) or ""
    row = SecurityEvent(
        tenant_id=tenant_id,
        kind=kind,
        user=user if user is not None and user.is_authenticated else None,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=target.pk if target is not None else None,
        detail=detail or {},
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        created_at=timezone.now(),
        prev_hash=prev,
    )
    row.hash = row_hash(prev, security_fields(row))
    row.save(force_insert=True)
    return row
