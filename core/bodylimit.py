"""A request body larger than NASKAH_REQUEST_MAX_MB is refused with 413 before it is read.

Two layers apply the same limit:

- `core.server` (the daphne the project starts) refuses at the socket, while the headers
  arrive or as a body without a declared length passes the limit, so the bytes are never
  stored; daphne otherwise reads a whole body, then queues all of it in memory, before the
  application sees the request (a 200 MB upload took a web process to 2.6 GB);
- `BodyLimitMiddleware` wraps the ASGI application for any other server (uvicorn, a test
  client): it answers 413 by the declared length without reading, and stops reading a body
  without one once it passes the limit.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def body_limit() -> int:
    return int(settings.NASKAH_REQUEST_MAX_MB) * 1024 * 1024


def too_large_body() -> bytes:
    """The 413 page, in the project's language (Indonesian unless configured otherwise)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("The upload is too large")
        text = _(
            "A request may carry at most %(mb)s MB. Nothing was saved: upload smaller files, "
            "or fewer at a time."
        ) % {"mb": settings.NASKAH_REQUEST_MAX_MB}
    return (
        f'<!doctype html><html lang="{settings.LANGUAGE_CODE}"><meta charset="utf-8">'
        f"<title>{title}</title><h1>{title}</h1><p>{text}</p></html>"
    ).encode()


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = body_limit()
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send)
            return None
        received = 0
        refused = False

        async def limited_receive():
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await _refuse(send)
                    return {"type": "http.disconnect"}  # the application stops reading
            return message

        async def guarded_send(message):
            if refused:
                return None  # the 413 went out; the application's answer is dropped
            return await send(message)

        return await self.app(scope, limited_receive, guarded_send)


async def _refuse(send) -> None:
    body = too_large_body()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
