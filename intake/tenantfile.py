"""The tenant file's `mailboxes` section: the IMAP mailboxes whose messages become pending
incoming letters of a unit. The password is not in the file: `password_env` names the
environment variable of the server that holds it.

    mailboxes:
      - code: tu-kominfo
        unit: KOMINFO
        host: imap.medan.go.id
        username: tu.kominfo@medan.go.id
        password_env: NASKAH_MAIL_TU_KOMINFO
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from pydantic import Field

from organizations.models import Unit
from organizations.tenantfile import SLUG, Section, Strict, TenantFileError

from .choices import MailSecurity
from .models import Mailbox
from .services import mailbox_set

FOLDER = r"^[^\r\n\x00]+$"


class MailboxEntry(Strict):
    code: str = Field(pattern=SLUG, max_length=40)
    unit: str = Field(min_length=1, max_length=40, description="the unit's code")
    host: str = Field(min_length=1, max_length=255)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: MailSecurity = MailSecurity.SSL
    username: str = Field(min_length=1, max_length=255)
    password_env: str = Field(pattern=r"^NASKAH_[A-Z0-9_]+$", max_length=100)
    folder: str = Field(default="INBOX", pattern=FOLDER, max_length=200)
    processed_folder: str = Field(default="Naskah", pattern=FOLDER, max_length=200)
    quarantine_folder: str = Field(default="Naskah-Karantina", pattern=FOLDER, max_length=200)
    enabled: bool = True


DEFAULT_PORTS = {MailSecurity.SSL: 993, MailSecurity.STARTTLS: 143, MailSecurity.NONE: 143}


def _load(tenant, entries: list[MailboxEntry], base_dir: Path) -> dict[str, int]:
    made = 0
    for e in entries:
        unit = Unit.objects.filter(tenant=tenant, code=e.unit).first()
        if unit is None:
            raise TenantFileError(f"mailboxes: {e.code}: unknown unit {e.unit!r}.")
        fields = e.model_dump(exclude={"code", "unit"})
        fields["port"] = e.port or DEFAULT_PORTS[e.security]
        made += not Mailbox.objects.filter(tenant=tenant, code=e.code).exists()
        try:
            mailbox_set(tenant=tenant, code=e.code, unit=unit, **fields)
        except ValidationError as exc:
            raise TenantFileError(f"mailboxes: {e.code}: {'; '.join(exc.messages)}") from exc
    return {"mailboxes": made} if made else {}


SECTIONS = [Section("mailboxes", MailboxEntry, _load, order=50)]
