"""A real SMTP server for tests (aiosmtpd on loopback, in a thread of the test process) that
keeps what it accepts and answers what a test tells it to, and the settings that make the
project send to it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default

from aiosmtpd.controller import Controller

from .imap import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=default).parsebytes(self.data)


@dataclass
class Handler:
    """Accepts every message unless told otherwise: `rcpt_answers` and `data_answers` are
    answers given, one per command, before the server accepts again (e.g. "451 4.3.0 Try
    again later", "550 5.1.1 No such user")."""

    received: list[Received] = field(default_factory=list)
    rcpt_answers: list[str] = field(default_factory=list)
    data_answers: list[str] = field(default_factory=list)
    delay: float = 0  # seconds the server takes before it answers DATA

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        if self.data_answers:
            return self.data_answers.pop(0)
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Accepted"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answers:
            return self.rcpt_answers.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Handler, int]]:
    """A running server on 127.0.0.1 and its port; stopped when the block ends."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def mailers_for(port: int) -> dict:
    """MAILERS sending over SMTP to the test server (as NASKAH_EMAIL_URL=smtp://127.0.0.1:port
    configures it)."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
