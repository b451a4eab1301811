"""Stored notifications sent off the platform: Web Push to each of a user's devices and a
chat message through the gateway, from background tasks after the commit.

What leaves: the tenant's app name, the notification's text and its link. For an object its
app registers as confidential (Rahasia, Sangat Rahasia: registry.confidential_register) the
text is replaced by a generic one, decided when the message is sent: a lock screen or a chat
server never holds the subject, the sender or the content.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db.models import F
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.tasks import enqueue_with_transaction

from . import chat, webpush
from .kinds import Kind
from .models import ChatAddress, Notification, PushSubscription
from .registry import confidential_check

log = logging.getLogger(__name__)

RETRY_MAX_SECONDS = 3600
# Failed sends in a row after which a subscription is dropped (a device gone for good whose
# push service never said 404 or 410); a success resets the count.
FAILURES_DROP = 20
URGENT = {Kind.DUE_SOON, Kind.OVERDUE, Kind.LETTER_TO_SIGN}


def generic_text(kind: str) -> str:
    """What a push or chat message says about a confidential object: that there is one."""
    if kind == Kind.DELIVERY_RECEIVED:
        return _("New confidential letter for you")
    if kind == Kind.DISPOSITION_RECEIVED:
        return _("New confidential disposition for you")
    if kind in {Kind.DUE_SOON, Kind.OVERDUE}:
        return _("A confidential disposition is due")
    if kind in {Kind.LETTER_REVIEW, Kind.LETTER_TO_SIGN}:
        return _("A confidential letter waits for you")
    if kind in {Kind.EVENT_INVITATION, Kind.EVENT_CHANGED, Kind.REMINDER}:
        return _("A confidential meeting: open the app for details")
    return _("News about a confidential letter: open the app for details")


def confidential_ids(rows: list[Notification]) -> set[int]:
    """The notifications among `rows` whose target its app calls confidential, now."""
    by_label: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.content_type_id and row.object_id:
            ct = row.content_type
            by_label[f"{ct.app_label}.{ct.model}"][row.object_id].append(row.pk)
    hidden: set[int] = set()
    for label, targets in by_label.items():
        check = confidential_check(label)
        if check is None:
            continue
        for object_id in check(set(targets)):
            hidden.update(targets.get(object_id, []))
    return hidden


def _text(row: Notification, *, confidential: bool) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return generic_text(row.kind) if confidential else row.text


def _path(row: Notification) -> str:
    """The page the message opens: the notification's own link, a path on this site only."""
    url = row.url or ""
    return (
        url if url.startswith("/") and not url.startswith("//") else reverse("notifications:centre")
    )


def push_payload(row: Notification, *, confidential: bool) -> dict:
    """The JSON a device's service worker shows: title, body, the page to open, a tag that
    lets a newer message about the same thing replace the older one."""
    return {
        "title": row.tenant.app_name,
        "body": _text(row, confidential=confidential),
        "url": _path(row),
        "tag": f"{row.kind}:{row.object_id or row.pk}",
    }


def _rows(ids) -> list[Notification]:
    return list(
        Notification.objects.filter(pk__in=ids)
        .select_related("tenant", "content_type")
        .order_by("pk")
    )


def _delay(attempt: int, base: int) -> float:
    return min(base * 2 ** max(attempt - 1, 0), RETRY_MAX_SECONDS)


def _later(job, delay: float, *args) -> None:
    # A backend that cannot defer (the immediate one of tests and first runs) tries again at
    # once; the attempts still end. The database backend waits until `run_after`.
    if task_backends[job.backend].supports_defer:
        job = job.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    enqueue_with_transaction(job, *args)


def outbound_queue(*, push_rows: list[Notification], chat_rows: list[Notification]) -> None:
    """Inside notify's transaction: queue the push and chat sends of stored notifications
    whose users want them (a task exists exactly when the rows commit)."""
    from . import tasks  # tasks imports this module

    if push_rows and webpush.push_enabled():
        # Only for users with a device: most have none, and a task each would be idle work.
        subscribed = set(
            PushSubscription.objects.filter(
                user_id__in={r.recipient_id for r in push_rows}
            ).values_list("user_id", flat=True)
        )
        ids = [r.pk for r in push_rows if r.recipient_id in subscribed]
        if ids:
            enqueue_with_transaction(tasks.push_deliver, ids)
    if chat_rows and chat.chat_enabled():
        reachable = set(
            ChatAddress.objects.filter(user_id__in={r.recipient_id for r in chat_rows}).values_list(
                "user_id", flat=True
            )
        )
        for row in chat_rows:
            if row.recipient_id in reachable:
                enqueue_with_transaction(tasks.chat_deliver, row.pk, 1)


def push_deliver(notification_ids: list[int]) -> int:
    """Send each notification to every device of its user; returns how many were taken by
    their push services."""
    rows = _rows(notification_ids)
    subscriptions = defaultdict(list)
    for sub in PushSubscription.objects.filter(user_id__in={r.recipient_id for r in rows}):
        subscriptions[sub.user_id].append(sub)
    rows = [r for r in rows if subscriptions[r.recipient_id]]
    hidden = confidential_ids(rows)
    sent = 0
    for row in rows:
        payload = push_payload(row, confidential=row.pk in hidden)
        for sub in subscriptions[row.recipient_id]:
            sent += _push_one(row, sub, payload, attempt=1)
    return sent


def push_retry(notification_id: int, subscription_id: int, attempt: int) -> int:
    """One more try of one notification to one device (1 when it was taken)."""
    row = next(iter(_rows([notification_id])), None)
    sub = PushSubscription.objects.filter(pk=subscription_id).first()
    if row is None or sub is None or sub.user_id != row.recipient_id:
        return 0
    payload = push_payload(row, confidential=bool(confidential_ids([row])))
    return _push_one(row, sub, payload, attempt=attempt)


def _push_one(row: Notification, sub: PushSubscription, payload: dict, *, attempt: int) -> int:
    from . import tasks

    urgency = "high" if row.kind in URGENT else "normal"
    outcome = webpush.send(
        endpoint=sub.endpoint, p256dh=sub.p256dh, auth=sub.auth, payload=payload, urgency=urgency
    )
    subs = PushSubscription.objects.filter(pk=sub.pk)
    if outcome.ok:
        subs.update(last_ok_at=timezone.now(), failures=0)
        return 1
    if outcome.gone:
        subs.delete()
        log.info("push subscription %s is gone (%s): dropped", sub.pk, outcome.reason)
        return 0
    subs.update(failures=F("failures") + 1)
    subs.filter(failures__gte=FAILURES_DROP).delete()
    log.warning("push %s to subscription %s failed: %s", row.pk, sub.pk, outcome.reason)
    stale = timezone.now() - row.created_at > dt.timedelta(seconds=settings.NASKAH_PUSH_TTL)
    if outcome.retry and attempt < settings.NASKAH_PUSH_ATTEMPTS and not stale:
        delay = _delay(attempt, settings.NASKAH_PUSH_RETRY_SECONDS)
        _later(tasks.push_retry, delay, row.pk, sub.pk, attempt + 1)
    return 0


def chat_deliver(notification_id: int, attempt: int) -> bool:
    """Send one notification to its user's chat address through the gateway; a busy or
    failing gateway is tried again later with the same idempotency key."""
    from . import tasks

    if not chat.chat_enabled():
        return False
    row = next(iter(_rows([notification_id])), None)
    address = ChatAddress.objects.filter(user_id=row.recipient_id).first() if row else None
    if row is None or address is None:
        return False
    confidential = bool(confidential_ids([row]))
    site = row.tenant.site_url
    outcome = chat.send(
        notification_id=row.pk,
        to=address.address,
        text=f"{row.tenant.app_name}: {_text(row, confidential=confidential)}",
        url=f"{site}{_path(row)}",
    )
    if outcome.ok:
        return True
    log.warning("chat %s (attempt %s) failed: %s", row.pk, attempt, outcome.reason)
    if outcome.retry and attempt < settings.NASKAH_PUSH_ATTEMPTS:
        _later(
            tasks.chat_deliver,
            _delay(attempt, settings.NASKAH_PUSH_RETRY_SECONDS),
            row.pk,
            attempt + 1,
        )
    return False
