"""The WebSocket a signed-in page keeps open: pushes for its user, and live updates of the
objects it watches (after the owning app's access check)."""

from __future__ import annotations

import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer
from django.conf import settings

from organizations.selectors import tenant_by_slug, tenant_for_host

from .models import Notification
from .permissions import can_connect
from .registry import watch_check
from .services import user_group

# Close codes (4000-4999 are the application's): the client does not retry these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TRY_AGAIN = 1013  # the channel layer is down: the client retries with its backoff
log = logging.getLogger(__name__)
MAX_WATCHED = 20


def _header(scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


def _tenant_of(host: str):
    return tenant_for_host(host) or tenant_by_slug(settings.NASKAH_DEFAULT_TENANT)


@database_sync_to_async
def _admit(user, host: str, origin: str, session) -> int | None:
    """The user's unread count when they may connect on this host from this page, else None
    (one trip to the sync thread: a thousand phones reconnecting at once queue there). The
    page (Origin) must be of the same tenant as the socket's host: another tenant's page,
    though on a host this deployment serves, is refused."""
    tenant = _tenant_of(host)
    if not can_connect(user, tenant=tenant, host=host, origin=origin, session=session):
        return None
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


@database_sync_to_async
def _watch_group(name: str, user, pk: int) -> str | None:
    check = watch_check(name)
    return check(user, pk) if check is not None else None


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """One connection per open page: joins `user.<id>`; never a shared group filtered here."""

    async def connect(self):
        user = self.scope.get("user")
        self.watched: set[str] = set()
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        unread = await _admit(
            user,
            _header(self.scope, b"host"),
            _header(self.scope, b"origin"),
            self.scope.get("session"),
        )
        if unread is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user_id = user.pk
        try:
            await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        except Exception:  # the channel layer (Redis) is down: live updates pause, pages work
            log.warning("channel layer unavailable; socket closed for now", exc_info=True)
            await self.accept()  # so that the close code reaches the page (not a 403)
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        self.group = user_group(user.pk)
        await self.accept()
        # "shared": whether pushes sent by other processes (the task worker signing a letter)
        # reach this socket. The in-memory layer of the embedded default is one process's
        # own: the page then polls what it watches instead of waiting for a push.
        shared = not isinstance(self.channel_layer, InMemoryChannelLayer)
        await self.send_json({"type": "hello", "unread": unread, "shared": shared})

    async def disconnect(self, code):
        groups = [self.group] if getattr(self, "group", None) else []
        groups += list(getattr(self, "watched", ()))
        try:
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        except Exception:  # the layer is down; its group memberships expire by themselves
            log.warning("channel layer unavailable at disconnect", exc_info=True)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("action") != "watch":
            await self.send_json({"type": "error", "code": "unknown_action"})
            return
        name, pk = content.get("object"), content.get("id")
        if not isinstance(name, str) or not isinstance(pk, int) or isinstance(pk, bool):
            await self.send_json({"type": "error", "code": "bad_request"})
            return
        if len(self.watched) >= MAX_WATCHED:
            await self.send_json({"type": "error", "code": "too_many_watches"})
            return
        group = await _watch_group(name, self.scope["user"], pk)
        if group is None:  # missing, hidden or foreign: the same answer for all three
            await self.send_json({"type": "error", "code": "not_found", "object": name, "id": pk})
            return
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except Exception:
            log.warning("channel layer unavailable; socket closed for now", exc_info=True)
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        self.watched.add(group)
        await self.send_json({"type": "watching", "object": name, "id": pk})

    async def notification_message(self, event):
        await self.send_json(
            {
                "type": "notification",
                "id": event["id"],
                "kind": event["kind"],
                "text": event["text"],
                "url": event["url"],
                "created_at": event["created_at"],
                "unread": event.get("unread", 0),
            }
        )

    async def object_changed(self, event):
        await self.send_json(
            {
                "type": "changed",
                "object": event["object"],
                "id": event["id"],
                "action": event["action"],
            }
        )
