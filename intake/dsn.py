"""Delivery status notifications (RFC 3464): the report a mail server sends back when it could
not deliver (or has delayed) a message, recognised in a mailbox so that it marks the letter's
addressee undelivered instead of becoming a pending incoming letter.

The standard library's `email` parser does the MIME work: it splits a
`message/delivery-status` part into its field blocks (the per-message fields, then one block
per recipient) and parses a returned `message/rfc822` part. What no library we found does is
the matching: reading the returned message's Message-ID (from the `message/rfc822` part or the
`text/rfc822-headers` part) and the failed recipients' Status and Diagnostic-Code; that is
written here. Only reports in the RFC 3464 shape are read: a server that bounces with a plain
text message (rare today) is not recognised, and its bounce is taken as any other message.

Pure functions over a parsed message: no database, no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default

FAILED = "failed"


@dataclass(frozen=True)
class RecipientStatus:
    recipient: str  # Final-Recipient, without its "rfc822;" type
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # e.g. 5.1.1
    diagnostic: str  # e.g. "smtp; 550 5.1.1 no such user"


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str  # the returned message's Message-ID ("" when it did not come back)
    reporting_mta: str = ""
    recipients: list[RecipientStatus] = field(default_factory=list)

    @property
    def failed(self) -> list[RecipientStatus]:
        return [r for r in self.recipients if r.action == FAILED]


def _field(block: Message, name: str) -> str:
    return " ".join(str(block.get(name) or "").split())


def _typed(value: str) -> str:
    """A field of the form "type; value" (Final-Recipient: rfc822; a@b), without its type."""
    kind, sep, rest = value.partition(";")
    return rest.strip() if sep and kind.strip() and " " not in kind.strip() else value


def _returned_id(part: Message) -> str:
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        return _field(inner, "Message-ID") if isinstance(inner, Message) else ""
    raw = part.get_payload(decode=True) or b""
    headers = BytesParser(policy=default).parsebytes(raw, headersonly=True)
    return _field(headers, "Message-ID")


def report_of(msg: EmailMessage) -> DeliveryReport | None:
    """The delivery report a message is (None: it is not one): the returned message's
    Message-ID and each recipient's action, status and diagnostic."""
    if msg.get_content_type() != "multipart/report":
        return None
    if str(msg.get_param("report-type", "")).lower() != "delivery-status":
        return None
    message_id, blocks = "", []
    for part in msg.iter_parts():
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            payload = part.get_payload()
            blocks = (
                [b for b in payload if isinstance(b, Message)] if isinstance(payload, list) else []
            )
        elif kind in ("message/rfc822", "text/rfc822-headers") and not message_id:
            message_id = _returned_id(part)
    if not blocks:
        return None
    per_message, per_recipient = blocks[0], blocks[1:]
    recipients = [
        RecipientStatus(
            recipient=_typed(_field(b, "Final-Recipient") or _field(b, "Original-Recipient")),
            action=_field(b, "Action").lower(),
            status=_field(b, "Status"),
            diagnostic=_typed(_field(b, "Diagnostic-Code")),
        )
        for b in per_recipient
    ]
    return DeliveryReport(
        message_id=message_id,
        reporting_mta=_typed(_field(per_message, "Reporting-MTA")),
        recipients=recipients,
    )
