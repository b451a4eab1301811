"""The one place that notifies: store the rows now, push to each user's group after commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from .kinds import Kind
from .models import Notification

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notify(
    users: Iterable, kind: Kind | str, obj: models.Model | None = None, *, text: str, url: str = ""
) -> list[Notification]:
    """Store one notification per distinct active user and push each after the commit."""
    recipients = {u.pk: u for u in users if u is not None and u.is_active and u.tenant_id}
    if not recipients:
        return []
    ct = ContentType.objects.get_for_model(obj) if obj is not None else None
    rows = Notification.objects.bulk_create(
        [
            Notification(
                tenant_id=u.tenant_id,
                recipient_id=u.pk,
                kind=str(kind),
                text=text[:300],
                url=url,
                content_type=ct,
                object_id=obj.pk if obj is not None else None,
            )
            for u in recipients.values()
        ]
    )
    transaction.on_commit(lambda: push(rows))
    return rows


def push(rows: list[Notification]) -> None:
    """Send stored notifications to their users' groups; a failed push is only logged."""
    layer = get_channel_layer()
    if layer is None:
        return
    for row in rows:
        message = {
            "type": "notification.message",
            "id": row.pk,
            "kind": row.kind,
            "text": row.text,
            "url": row.url,
            "created_at": (row.created_at or timezone.now()).isoformat(),
        }
        try:
            async_to_sync(layer.group_send)(user_group(row.recipient_id), message)
        except Exception:  # the stored row is the truth; a push is a hint
            log.warning("push to user %s failed", row.recipient_id, exc_info=True)


@transaction.atomic
def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark a user's notifications read (all when ids is None); returns how many changed."""
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
