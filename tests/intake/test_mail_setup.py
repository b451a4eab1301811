"""Setting up e-mail intake: mailboxes from the tenant file (the password named, never
written), polled by the operator's command, seen in the tenant's admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from intake import services
from intake.choices import IntakeSource, MailState
from intake.models import Mailbox, MailMessage, PendingIncoming
from organizations.models import Unit
from tests.conftest import client_for

from ..organizations.test_tenantfile import GOOD, write
from .test_mail import PASSWORD_ENV, ids, letter_mail, mail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def mailboxes_section(dovecot, **change) -> str:
    entry = {
        "code": "tu-kominfo",
        "unit": "DISKOMINFO",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": dovecot.user,
        "password_env": PASSWORD_ENV,
    } | change
    fields = ", ".join(f"{k}: {v}" for k, v in entry.items())
    return f"mailboxes:\n  - {{{fields}}}\n"


def test_a_letter_mailed_to_a_mailbox_of_the_tenant_file_is_pending_in_its_unit(
    tmp_path, dovecot, imap, monkeypatch, capsys
):
    # GIVEN a tenant file that gives Dinas Kominfo a mailbox, its password in the environment
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    call_command("load_tenant", str(write(tmp_path, GOOD + mailboxes_section(dovecot))))
    box = Mailbox.objects.get(code="tu-kominfo")
    assert box.password_env == PASSWORD_ENV
    assert dovecot.password not in str(Mailbox.objects.values().get())
    # AND a letter e-mailed to it
    imap.append("INBOX", letter_mail())

    # WHEN the operator polls the mailboxes
    call_command("poll_mailboxes", "--tenant", "kotabaru")

    # THEN the letter waits as pending incoming in Dinas Kominfo
    pending = PendingIncoming.objects.get()
    assert pending.unit == Unit.objects.get(tenant__slug="kotabaru", code="DISKOMINFO")
    assert pending.source == IntakeSource.EMAIL
    assert "1 registered, 0 duplicate, 0 quarantined" in capsys.readouterr().out
    assert ids(imap, "INBOX") == [] and len(ids(imap, "Naskah")) == 1


def test_reloading_the_tenant_file_changes_the_mailbox(tmp_path, dovecot):
    call_command("load_tenant", str(write(tmp_path, GOOD + mailboxes_section(dovecot))))
    changed = mailboxes_section(dovecot, enabled="false", quarantine_folder="Karantina")
    call_command("load_tenant", str(write(tmp_path, GOOD + changed)))
    box = Mailbox.objects.get()
    assert (box.enabled, box.quarantine_folder) == (False, "Karantina")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"unit": "NOWHERE"}, "unknown unit 'NOWHERE'"),
        ({"host": "imap.kotabaru.go.id"}, "Plain IMAP without TLS is allowed only"),
        ({"password_env": "SECRET"}, "password_env"),
        ({"processed_folder": "INBOX"}, "must differ"),
    ],
)
def test_a_bad_mailbox_entry_is_named_and_nothing_is_loaded(tmp_path, dovecot, change, error):
    path = write(tmp_path, GOOD + mailboxes_section(dovecot, **change))
    with pytest.raises(CommandError, match=error):
        call_command("load_tenant", str(path))
    assert not Mailbox.objects.exists()


def test_the_command_says_when_no_mailbox_matches():
    with pytest.raises(CommandError, match="No enabled mailbox"):
        call_command("poll_mailboxes")


def test_the_tenant_admin_sees_its_quarantined_mail_and_no_other_tenants(
    world, dovecot, imap, monkeypatch
):
    # GIVEN a message quarantined in Medan and a mailbox in Tangerang
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    common = {
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": dovecot.user,
        "password_env": PASSWORD_ENV,
    }
    box = services.mailbox_set(
        tenant=world.tenant, code="tu-kominfo", unit=world.units["kominfo"], **common
    )
    services.mailbox_set(
        tenant=world.other_tenant, code="tu-tangerang", unit=world.units["t_kominfo"], **common
    )
    imap.append("INBOX", mail(subject="Hanya salam"))
    from intake.mail import mailbox_poll

    mailbox_poll(box)
    assert MailMessage.objects.get().state == MailState.QUARANTINED

    # WHEN Medan's tenant admin opens the lists
    client = client_for(world.tenant_admin)
    messages = client.get(reverse("admin:intake_mailmessage_changelist")).content.decode()
    boxes = client.get(reverse("admin:intake_mailbox_changelist")).content.decode()

    # THEN the quarantined message is there with its reason; Tangerang's mailbox is not
    assert "Hanya salam" in messages and "has no attachment" in messages
    assert "tu-kominfo" in boxes and "tu-tangerang" not in boxes
    foreign = Mailbox.objects.get(code="tu-tangerang")
    assert client.get(reverse("admin:intake_mailbox_change", args=[foreign.pk])).status_code == 404
