"""Reads of notifications: a user's own rows only."""

from __future__ import annotations

from django.db.models import QuerySet

from .kinds import EMAIL_ONLY, PUSH_DEFAULT, Kind
from .models import ChatAddress, Notification, NotificationPreference, PushSubscription
from .permissions import notifications_visible_to


def notification_list(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's notifications, newest first."""
    qs = notifications_visible_to(user)
    return qs.unread() if unread_only else qs


def notification_unread_count(user) -> int:
    """How many of the user's notifications are unread."""
    return notifications_visible_to(user).unread().count()


def notification_get_for_user(user, pk) -> Notification | None:
    """One of the user's own notifications, or None (another user's is the same as missing)."""
    try:
        return notifications_visible_to(user).get(pk=int(pk))
    except (Notification.DoesNotExist, TypeError, ValueError):
        return None


def preferences_for(user) -> list[dict]:
    """Every kind with the user's choice, defaults filled in (in the app yes, e-mail no, on
    devices and by chat for the kinds of PUSH_DEFAULT; the digest is e-mail only and on by
    default)."""
    stored = {
        p.kind: p
        for p in NotificationPreference.objects.filter(user=user).only(
            "kind", "in_app", "email", "push", "chat"
        )
    }
    rows = []
    for kind in Kind:
        p = stored.get(kind.value)
        email_only = kind in EMAIL_ONLY
        by_default = kind in PUSH_DEFAULT
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "in_app": False if email_only else (p.in_app if p else True),
                "email": p.email if p else email_only,
                "push": not email_only and (p.push if p and p.push is not None else by_default),
                "chat": not email_only and (p.chat if p and p.chat is not None else by_default),
                "email_only": email_only,
            }
        )
    return rows


def chat_address_for(user) -> str:
    """Where the chat gateway reaches the user ('' when nowhere)."""
    row = ChatAddress.objects.filter(user_id=user.pk).only("address").first()
    return row.address if row else ""


def push_subscription_count(user) -> int:
    """How many devices of the user receive pushes."""
    return PushSubscription.objects.filter(user_id=user.pk).count()
