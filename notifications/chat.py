"""The chat gateway adapter: WhatsApp or Telegram through an HTTP gateway the office runs or
rents (Fonnte, Wablas, a self-hosted WhatsApp gateway, a small Telegram bot relay).

The gateway takes `POST NASKAH_CHAT_GATEWAY_URL` with `Authorization: Bearer <token>`, an
`Idempotency-Key` that is the same on every retry of one notification, and the JSON body
`{"to": ..., "text": ..., "url": ..., "channel": "whatsapp"|"telegram"}`; any 2xx is taken.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.conf import settings

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_TELEGRAM = re.compile(r"^-?\d{5,20}$")


def chat_enabled() -> bool:
    return bool(settings.NASKAH_CHAT_GATEWAY_URL)


def chat_address_normalise(raw: str) -> str:
    """A chat address as the gateway wants it: WhatsApp in E.164 (an Indonesian 08… number
    becomes +628…), Telegram a numeric chat id. Raises ValueError when it is neither."""
    text = re.sub(r"[\s().-]", "", raw or "")
    if settings.NASKAH_CHAT_CHANNEL == "telegram":
        if not _TELEGRAM.match(text):
            raise ValueError("telegram")
        return text
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("0"):
        text = "+62" + text[1:]
    elif text.startswith("62"):
        text = "+" + text
    if not _E164.match(text):
        raise ValueError("whatsapp")
    return text


def idempotency_key(notification_id: int) -> str:
    """The same key for every try of one notification on this deployment: a gateway that
    honours it never sends the message twice."""
    return str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.NASKAH_INSTANCE_URL}/n/{notification_id}")
    )


@dataclass(frozen=True)
class Outcome:
    ok: bool = False
    retry: bool = False
    reason: str = ""


def send(*, notification_id: int, to: str, text: str, url: str) -> Outcome:
    """POST one message to the gateway."""
    # Imported here: requests is wanted only by workers.
    import requests

    try:
        response = requests.post(
            settings.NASKAH_CHAT_GATEWAY_URL,
            json={"to": to, "text": text, "url": url, "channel": settings.NASKAH_CHAT_CHANNEL},
            headers={
                "Authorization": f"Bearer {settings.NASKAH_CHAT_GATEWAY_TOKEN}",
                "Idempotency-Key": idempotency_key(notification_id),
            },
            timeout=settings.NASKAH_PUSH_TIMEOUT,
            allow_redirects=False,
        )
    except (requests.RequestException, OSError) as exc:
        return Outcome(retry=True, reason=type(exc).__name__)
    if 200 <= response.status_code < 300:
        return Outcome(ok=True)
    # Busy, down, or rate-limited: later; anything else is this request's fault.
    retry = response.status_code in {408, 425, 429} or response.status_code >= 500
    return Outcome(retry=retry, reason=f"{response.status_code} {response.text[:200]}")
