"""The one place that notifies: store the rows now, push to each user's group after commit."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from organizations.selectors import user_list_active_with_email

from . import chat, webpush
from .kinds import EMAIL_ONLY, PUSH_DEFAULT, Kind
from .models import ChatAddress, DigestLog, Notification, NotificationPreference, PushSubscription
from .outbound import outbound_queue
from .permissions import notifications_visible_to
from .registry import digest_sections, object_group

log = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notify(
    users: Iterable, kind: Kind | str, obj: models.Model | None = None, *, text: str, url: str = ""
) -> list[Notification]:
    """Store one notification per distinct active user who wants it in the app, push each
    after the commit, and e-mail those who asked for this kind by e-mail."""
    return notify_many(kind, [Notice(users, obj, text, url)])


@dataclass(frozen=True)
class Notice:
    users: Iterable
    obj: models.Model | None
    text: str
    url: str = ""


def notify_many(kind: Kind | str, notices: list[Notice]) -> list[Notification]:
    """`notify` for several objects of one kind at once (a letter sent to 20 units): one
    preference query, one insert and one push however many notices."""
    kind = str(kind)
    audiences = [
        {u.pk: u for u in n.users if u is not None and u.is_active and u.tenant_id} for n in notices
    ]
    everyone = {pk for audience in audiences for pk in audience}
    if not everyone:
        return []
    # Per user: in the app, by e-mail, on their devices, by chat (None: the kind's default).
    prefs = {
        row[0]: row[1:]
        for row in NotificationPreference.objects.filter(
            user_id__in=everyone, kind=kind
        ).values_list("user_id", "in_app", "email", "push", "chat")
    }
    rows, mails = [], []
    for notice, recipients in zip(notices, audiences, strict=True):
        obj = notice.obj
        ct = ContentType.objects.get_for_model(obj) if obj is not None else None
        rows += [
            Notification(
                tenant_id=u.tenant_id,
                recipient_id=u.pk,
                kind=kind,
                text=notice.text[:300],
                url=notice.url,
                content_type=ct,
                object_id=obj.pk if obj is not None else None,
            )
            for u in recipients.values()
            if prefs.get(u.pk, DEFAULT_CHOICE)[0]
        ]
        mail_to = [u for u in recipients.values() if prefs.get(u.pk, DEFAULT_CHOICE)[1] and u.email]
        if mail_to:
            mails.append((mail_to, notice.text, notice.url))
    rows = Notification.objects.bulk_create(rows)
    if rows:
        transaction.on_commit(lambda: push(rows))
        by_default = kind in PUSH_DEFAULT
        wanted = [(r, prefs.get(r.recipient_id, DEFAULT_CHOICE)) for r in rows]
        outbound_queue(
            push_rows=[r for r, p in wanted if (by_default if p[2] is None else p[2])],
            chat_rows=[r for r, p in wanted if (by_default if p[3] is None else p[3])],
        )
    if mails and settings.NASKAH_EMAIL_ENABLED:
        for mail_to, text, url in mails:
            transaction.on_commit(lambda m=mail_to, t=text, u=url: _mail(m, text=t, url=u))
    return rows


DEFAULT_CHOICE = (True, False, None, None)


def _mail(users, *, text: str, url: str) -> None:
    for user in users:
        try:
            send_mail(text[:150], f"{text}\n\n{url}".strip(), None, [user.email])
        except Exception:  # the stored notification is the truth; mail is best effort
            log.warning("e-mail to user %s failed", user.pk, exc_info=True)


def push(rows: list[Notification]) -> None:
    """Send stored notifications to their users' groups; a failed push is only logged."""
    layer = get_channel_layer()
    if layer is None:
        return
    # Each user's unread count rides along, counted here in one query rather than by every
    # open socket (the consumers then never touch the database for a push).
    unread = dict(
        Notification.objects.filter(recipient_id__in={r.recipient_id for r in rows})
        .unread()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    sends = [
        (
            user_group(row.recipient_id),
            {
                "type": "notification.message",
                "id": row.pk,
                "kind": row.kind,
                "text": row.text,
                "url": row.url,
                "created_at": (row.created_at or timezone.now()).isoformat(),
                "unread": unread.get(row.recipient_id, 0),
            },
        )
        for row in rows
    ]
    # One event loop for all of them: a letter sent to twenty units notifies forty people, and
    # a loop (with its Redis connection) per message cost 2 ms each.
    try:
        outcomes = async_to_sync(_group_send_all)(layer, sends)
    except Exception:  # the stored rows are the truth; a push is a hint
        log.warning("push of %s notifications failed", len(sends), exc_info=True)
        return
    for (group, _message), outcome in zip(sends, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            log.warning("push to %s failed", group, exc_info=outcome)


PUSH_CONCURRENCY = 32  # Redis connections one push may hold at once (sockets share the pool)


async def _group_send_all(layer, sends: list[tuple[str, dict]]) -> list:
    gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def send(group: str, message: dict):
        async with gate:
            return await layer.group_send(group, message)

    return await asyncio.gather(
        *(send(group, message) for group, message in sends), return_exceptions=True
    )


def object_changed(label: str, pk: int, *, action: str) -> None:
    """After the commit, tell the people viewing an object that it changed (ids only, no text)."""

    def send():
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": "object.changed", "object": label, "id": pk, "action": action}
        try:
            async_to_sync(layer.group_send)(object_group(label, pk), message)
        except Exception:
            log.warning("push to %s %s failed", label, pk, exc_info=True)

    transaction.on_commit(send)


@transaction.atomic
def notification_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark a user's notifications read (all when ids is None); returns how many changed."""
    qs = notifications_visible_to(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user, choices: dict[str, tuple]) -> None:
    """Store a user's per-kind choices {kind: (in_app, email)} or {kind: (in_app, email, push,
    chat)} (a push or chat of None keeps what was stored). Raises ValueError on an unknown
    kind."""
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise ValueError(f"Unknown notification kinds: {', '.join(sorted(unknown))}")
    for kind, (in_app, email, *channels) in choices.items():
        defaults = {"in_app": bool(in_app) and kind not in EMAIL_ONLY, "email": bool(email)}
        for name, value in zip(("push", "chat"), channels, strict=False):
            if value is not None:
                defaults[name] = bool(value) and kind not in EMAIL_ONLY
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults=defaults)


class SubscriptionInvalid(ValueError):
    """A push subscription the server refuses (its message says why, for the user)."""


INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")
MAX_SUBSCRIPTIONS = 10  # browsers per user; the oldest is forgotten beyond it


def _internal_host(host: str) -> bool:
    """An address on the server's own networks: a push there would be a request the server
    makes into them on every notification (SSRF). Names are judged by their form only; the
    push services' hosts are public names."""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(INTERNAL_SUFFIXES) or "." not in host:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not ip.is_global


def _endpoint_allowed(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    if not parts.hostname or parts.username or parts.password:
        return False
    loopback = parts.hostname in {"127.0.0.1", "::1", "localhost"}
    if loopback and settings.NASKAH_PUSH_ALLOW_LOOPBACK_HTTP:  # the tests' local push service
        return parts.scheme in ("http", "https")
    return parts.scheme == "https" and not _internal_host(parts.hostname)


@transaction.atomic
def push_subscribe(
    *, user, endpoint: str, p256dh: str, auth: str, label: str = ""
) -> PushSubscription:
    """Keep a browser's push subscription for the user logged in on it (a browser one user
    subscribed and another now uses becomes the new user's). Raises SubscriptionInvalid."""
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or not _endpoint_allowed(endpoint):
        raise SubscriptionInvalid(_("The push service address must be a public https:// address."))
    if not webpush.is_valid_p256dh(p256dh) or not webpush.is_valid_auth(auth):
        raise SubscriptionInvalid(_("The subscription's keys are not valid."))
    sub, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "label": (label or "")[:120],
            "failures": 0,
        },
    )
    keep = PushSubscription.objects.filter(user=user).order_by("-pk")[:MAX_SUBSCRIPTIONS]
    PushSubscription.objects.filter(user=user).exclude(
        pk__in=list(keep.values_list("pk", flat=True))
    ).delete()
    return sub


@transaction.atomic
def push_unsubscribe(*, user, endpoint: str) -> bool:
    """Forget one of the user's own subscriptions; False when they have none at `endpoint`
    (another user's is the same as a missing one)."""
    deleted, _kinds = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


@transaction.atomic
def chat_address_set(*, user, address: str) -> ChatAddress | None:
    """Store where the chat gateway reaches the user (empty: nowhere). Raises ValueError
    when the address is not a WhatsApp number or Telegram chat id."""
    if not (address or "").strip():
        ChatAddress.objects.filter(user=user).delete()
        return None
    value = chat.chat_address_normalise(address)
    row, _created = ChatAddress.objects.update_or_create(user=user, defaults={"address": value})
    return row


def digest_wanted(user) -> bool:
    """Whether a user gets the daily digest (on by default when they have an address)."""
    row = NotificationPreference.objects.filter(user=user, kind=Kind.DIGEST).first()
    return bool(user.email) and (row.email if row else True)


def digest_send_due(*, now: dt.datetime | None = None, users=None) -> int:
    """Send today's digest to every user whose local morning has come and who has pending or
    overdue work, at most once per user and local day. Returns how many were sent."""
    if not settings.NASKAH_EMAIL_ENABLED:
        return 0
    now = now or timezone.now()
    sent = 0
    for user in users if users is not None else user_list_active_with_email():
        local = now.astimezone(ZoneInfo(user.tenant.time_zone))
        if local.hour < settings.NASKAH_DIGEST_HOUR or not digest_wanted(user):
            continue
        lines = [line for section in digest_sections() for line in section(user) if line.count]
        if not lines:
            continue
        try:
            with transaction.atomic():
                DigestLog.objects.create(user=user, day=local.date())
                with translation.override(settings.LANGUAGE_CODE):
                    site = user.tenant.site_url
                    context = {"user": user, "lines": lines, "day": local.date(), "site": site}
                    body = render_to_string("notifications/digest.txt", context)
                    subject = render_to_string("notifications/digest_subject.txt", context)
                send_mail(subject.strip(), body, None, [user.email])
        except IntegrityError:
            continue  # another run sent today's digest already
        except Exception:  # the log row rolled back with it: the next run retries
            log.warning("digest to user %s failed", user.pk, exc_info=True)
            continue
        sent += 1
    return sent
