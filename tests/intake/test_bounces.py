"""Bounces of e-mailed letters read from the tenant's mailbox (a real IMAP server, dovecot,
tests/imap.py): a delivery status notification (RFC 3464) marks the letter's addressee
undelivered with the server's status and diagnostic, and never becomes a pending letter."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import default

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from correspondence.models import AddressBookEntry, Recipient
from intake import mail as poller
from intake import services
from intake.choices import MailState
from intake.dsn import report_of
from intake.models import MailMessage, PendingIncoming
from workflows.models import TransitionLog

from ..correspondence.helpers import sent
from .test_mail import PASSWORD_ENV, PROCESSED, QUARANTINE, ids, letter_mail

ADDRESSEE = "direktur@telkom.example.co.id"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def mailbox(world, dovecot, monkeypatch):
    """Medan's sender mailbox on the test server, where bounces come back."""
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    return services.mailbox_set(
        tenant=world.tenant,
        code="naskah",
        unit=world.units["kominfo"],
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=dovecot.user,
        password_env=PASSWORD_ENV,
        processed_folder=PROCESSED,
        quarantine_folder=QUARANTINE,
    )


@pytest.fixture
def emailed(world, settings, django_capture_on_commit_callbacks):
    """A letter e-mailed to PT Telkom (the task run after the send commits); its recipient."""
    settings.NASKAH_EMAIL_ENABLED = True
    entry = AddressBookEntry.objects.create(
        tenant=world.tenant, name="Direktur", organization="PT Telkom", email=ADDRESSEE
    )
    with django_capture_on_commit_callbacks(execute=True):
        letter = sent(world, addresses=[entry])
    recipient = Recipient.objects.get(letter=letter, address=entry)
    assert recipient.emailed_at is not None and len(mail.outbox) == 1
    return recipient


def dsn(returned_headers: bytes, *, action="failed", status="5.1.1", number=1) -> bytes:
    """A bounce as Postfix writes it: a human part, the delivery status, the returned
    message's headers."""
    return (
        b"From: MAILER-DAEMON@mx.telkom.example.co.id (Mail Delivery System)\r\n"
        b"To: naskah@medan.example.go.id\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        + f"Message-ID: <bounce.{number}@mx.telkom.example.co.id>\r\n".encode()
        + b"Auto-Submitted: auto-replied\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"\r\n\r\n'
        b"--DSN\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        b"I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        b"--DSN\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.telkom.example.co.id\r\n"
        b"Arrival-Date: Mon, 7 Dec 2026 09:00:00 +0700\r\n\r\n"
        b"Final-Recipient: rfc822; " + ADDRESSEE.encode() + b"\r\n"
        b"Original-Recipient: rfc822;" + ADDRESSEE.encode() + b"\r\n"
        b"Action: " + action.encode() + b"\r\n"
        b"Status: " + status.encode() + b"\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <" + ADDRESSEE.encode() + b">: Recipient\r\n"
        b" address rejected: User unknown in virtual mailbox table\r\n\r\n"
        b"--DSN\r\nContent-Type: text/rfc822-headers\r\n\r\n" + returned_headers + b"\r\n"
        b"--DSN--\r\n"
    )


def headers_of(message) -> bytes:
    raw = message.message().as_bytes()
    return raw.split(b"\n\n", 1)[0].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"


def test_a_bounce_in_the_mailbox_marks_the_addressee_undelivered(
    world, mailbox, imap, emailed, as_user
):
    # GIVEN the bounce of the e-mailed letter in the sender's mailbox
    imap.append("INBOX", dsn(headers_of(mail.outbox[0])))

    # WHEN the mailbox is polled
    result = poller.mailbox_poll(mailbox)

    # THEN it is read as a bounce, not as a letter
    assert (result.report, result.registered, result.quarantined) == (1, 0, 0)
    assert not PendingIncoming.objects.exists()
    # AND PT Telkom is undelivered, with the report's status and diagnostic
    emailed.refresh_from_db()
    assert emailed.undelivered_at is not None
    assert "5.1.1" in emailed.undelivered_reason
    assert "User unknown" in emailed.undelivered_reason
    log = TransitionLog.objects.filter(object_id=emailed.letter_id).order_by("pk").last()
    assert log.action == "letter.undelivered" and ADDRESSEE in log.note
    # AND the message is recorded and moved to the processed folder
    row = MailMessage.objects.get()
    assert row.state == MailState.REPORT and emailed.letter.number in row.reason
    assert ids(imap, "INBOX") == [] and len(ids(imap, PROCESSED)) == 1
    # AND the letter page says it was not delivered
    html = (
        as_user(world.clerk)
        .get(reverse("correspondence:letter", args=[emailed.letter_id]))
        .content.decode()
    )
    assert 'data-testid="email-undelivered"' in html


def test_a_delay_report_and_a_stranger_bounce_mark_nothing(world, mailbox, imap, emailed):
    # GIVEN a "delayed" report of the letter's e-mail, and a bounce of a message we never sent
    imap.append("INBOX", dsn(headers_of(mail.outbox[0]), action="delayed", status="4.4.1"))
    stranger = b"From: a@b.example\r\nMessage-ID: <not-ours@b.example>\r\nSubject: x\r\n"
    imap.append("INBOX", dsn(stranger, number=2))

    # WHEN the mailbox is polled
    result = poller.mailbox_poll(mailbox)

    # THEN both are taken as reports, no letter and no addressee changes
    assert (result.report, result.registered, result.quarantined) == (2, 0, 0)
    emailed.refresh_from_db()
    assert emailed.undelivered_at is None
    reasons = sorted(MailMessage.objects.values_list("reason", flat=True))
    assert any("delayed" in r for r in reasons)
    assert any("<not-ours@b.example>" in r for r in reasons)


def test_a_letter_mailed_in_still_becomes_a_pending_letter(world, mailbox, imap):
    # GIVEN an ordinary e-mailed letter beside the bounce handling
    imap.append("INBOX", letter_mail())

    # WHEN the mailbox is polled, THEN it is registered as before
    assert poller.mailbox_poll(mailbox).registered == 1


# --- reading a report (intake/dsn.py), no server --------------------------------------


def parse(raw: bytes):
    return BytesParser(policy=default).parsebytes(raw)


@pytest.mark.clock_free
def test_a_report_returning_the_whole_message_is_read_too():
    # GIVEN a bounce that returns the whole message (message/rfc822) rather than its headers
    original = b"From: a@medan.example\r\nMessage-ID: <surat-7@medan.example>\r\n\r\nIsi.\r\n"
    raw = dsn(original).replace(b"text/rfc822-headers", b"message/rfc822")
    # WHEN it is read, THEN the returned Message-ID and the failure are found
    report = report_of(parse(raw))
    assert report.message_id == "<surat-7@medan.example>"
    [failed] = report.failed
    assert (failed.recipient, failed.status) == (ADDRESSEE, "5.1.1")
    assert failed.diagnostic.startswith("550 5.1.1")


@pytest.mark.clock_free
def test_other_reports_and_plain_mail_are_no_bounces():
    # GIVEN a read receipt (a report of another type) and an ordinary letter
    receipt = dsn(b"Message-ID: <x@y>\r\n").replace(
        b"report-type=delivery-status", b"report-type=disposition-notification"
    )
    # THEN neither is read as a bounce
    assert report_of(parse(receipt)) is None
    assert report_of(parse(letter_mail())) is None
