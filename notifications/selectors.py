"""Reads of notifications: a user's own rows only."""

from __future__ import annotations

from django.db.models import QuerySet

from .kinds import EMAIL_ONLY, Kind
from .models import Notification, NotificationPreference
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
    """Every kind with the user's choice, defaults filled in (in the app yes, e-mail no; the
    digest is e-mail only and on by default)."""
    stored = {
        p.kind: p
        for p in NotificationPreference.objects.filter(user=user).only("kind", "in_app", "email")
    }
    rows = []
    for kind in Kind:
        p = stored.get(kind.value)
        email_only = kind in EMAIL_ONLY
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "in_app": False if email_only else (p.in_app if p else True),
                "email": p.email if p else email_only,
                "email_only": email_only,
            }
        )
    return rows
