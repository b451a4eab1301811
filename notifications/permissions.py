"""Who reads which notifications, and who may keep a socket open on a host.

Which notifications a user may see: their own (`notifications_visible_to`). Who may connect:
`can_connect`. Whether a user may watch another app's object is that app's rule, registered
through `registry.watchable_register`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db.models import QuerySet
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.permissions import needs_second_factor
from organizations.permissions import can_login_to_tenant
from organizations.selectors import tenant_for_host

from .models import Notification


def notifications_visible_to(user) -> QuerySet[Notification]:
    """A user's own notifications (another user's are as missing)."""
    return Notification.objects.for_user(user)


def can_connect(user, *, tenant, host: str, origin: str, session) -> bool:
    """The user may open the notification socket on `host` (of `tenant`) from the page at
    `origin`: they log in on that tenant, the page is of the same tenant, and a session that
    needs a second factor has verified one."""
    if tenant is None or not can_login_to_tenant(user, tenant):
        return False
    origin_host = urlsplit(origin).netloc.lower() if origin else ""
    # The page is the socket's own host, or a host the same tenant claims by name (never a
    # host that only falls back to the default tenant).
    if not origin_host or (origin_host != host.lower() and tenant_for_host(origin_host) != tenant):
        return False
    # a signer's or admin's session is not verified yet
    return not (needs_second_factor(user) and not (session and session.get(DEVICE_ID_SESSION_KEY)))
