"""Reads of the security log (the tokens a user may revoke: `permissions.tokens_revocable_by`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.models import SecurityEvent

LOGIN_KINDS = ["login", "logout", "login.failed", "second_factor.failed"]


def login_history_for(user) -> QuerySet[SecurityEvent]:
    """A user's own logins, logouts and failed attempts with their username, newest first."""
    return (
        SecurityEvent.objects.filter(tenant_id=user.tenant_id, kind__in=LOGIN_KINDS)
        .filter(Q(user=user) | Q(user__isnull=True, detail__username=user.username))
        .order_by("-id")
    )


def security_event_list(tenant, *, kind: str = "", user_id: int | None = None):
    """A tenant's security log for its administrators, newest first."""
    qs = SecurityEvent.objects.filter(tenant=tenant).select_related("user").order_by("-id")
    if kind:
        qs = qs.filter(kind__startswith=kind)
    if user_id:
        qs = qs.filter(user_id=user_id)
    return qs


def second_factor_enrolled(user) -> bool:
    """The user has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
