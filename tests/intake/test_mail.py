"""E-mail intake against a real IMAP server (dovecot, tests/imap.py): an e-mailed letter
becomes a pending incoming letter of the mailbox's unit, once, and bad mail is quarantined
with the reason; no message is ever lost, whatever point a poll dies at."""

from __future__ import annotations

import datetime as dt
import email
import io
import random
import re
import time
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from functools import cache

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation
from imapclient import IMAPClient

from intake import mail as poller
from intake import services
from intake.choices import IntakeSource, MailState
from intake.models import Mailbox, MailMessage, PendingFile, PendingIncoming
from intake.tasks import mailboxes_poll

from ..archive.helpers import pdf_with_text
from ..imap import free_port

PASSWORD_ENV = "NASKAH_TEST_IMAP_PASSWORD"
PROCESSED, QUARANTINE = "Naskah", "Naskah-Karantina"


class Crash(BaseException):
    """The worker process dying at this point (nothing in the poller catches it)."""


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- messages ---------------------------------------------------------------------------


@cache
def letter_pdf() -> bytes:
    return pdf_with_text("Nomor: 005/123/DISKOMINFO - Hal: Undangan rapat")


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
    b"</Types>"
)


def docx(document: bytes = b"<w:document/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("word/document.xml", document)
    return buffer.getvalue()


@cache
def bomb_docx() -> bytes:
    """A DOCX whose one member is 300 MB of zeros: a few hundred KB packed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(300):
                member.write(zeros)
    return buffer.getvalue()


DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def mail(subject="Undangan rapat koordinasi", attachments=(), *, message_id=None) -> bytes:
    """An e-mail as a sender's client writes it (CRLF lines)."""
    msg = EmailMessage()
    msg["From"] = "Sekretariat Bappeda <sekretariat@bappeda.example.go.id>"
    msg["To"] = "tu.kominfo@medan.example.go.id"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="bappeda.example.go.id")
    msg.set_content("Dengan hormat, terlampir surat kami.")
    for name, data, (maintype, subtype) in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=SMTP)


def letter_mail(**kwargs) -> bytes:
    return mail(
        attachments=[
            ("surat-undangan.pdf", letter_pdf(), ("application", "pdf")),
            ("daftar-peserta.docx", docx(), DOCX_TYPE),
        ],
        **kwargs,
    )


def malformed_mail() -> bytes:
    return (
        b"From: sekretariat@bappeda.example.go.id\r\n"
        b"Subject: Surat rusak\r\n"
        b"Message-ID: <rusak-1@bappeda.example.go.id>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="BATAS"\r\n\r\n'
        b"the parts are not separated by the boundary the header names\r\n"
        b"--LAIN\r\n"
        b"Content-Type: application/pdf; name=surat.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQK\r\n"
        b"--LAIN--\r\n"
    )


def folder_messages(imap: IMAPClient, folder: str) -> list[tuple[str, tuple]]:
    """The Message-IDs and flags of a folder's messages (read without changing them)."""
    if not imap.folder_exists(folder):
        return []
    imap.select_folder(folder, readonly=True)
    found = imap.fetch(imap.search("ALL"), [b"BODY.PEEK[HEADER]", b"FLAGS"])
    imap.unselect_folder()
    return [
        (str(email.message_from_bytes(d[b"BODY[HEADER]"])["Message-ID"]), d[b"FLAGS"])
        for _uid, d in sorted(found.items())
    ]


def ids(imap: IMAPClient, folder: str) -> list[str]:
    return [mid for mid, _flags in folder_messages(imap, folder)]


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def mailbox(world, dovecot, monkeypatch) -> Mailbox:
    """Kominfo's mailbox on the test server (plain IMAP: the server is this machine)."""
    monkeypatch.setenv(PASSWORD_ENV, dovecot.password)
    return services.mailbox_set(
        tenant=world.tenant,
        code="tu-kominfo",
        unit=world.units["kominfo"],
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=dovecot.user,
        password_env=PASSWORD_ENV,
        processed_folder=PROCESSED,
        quarantine_folder=QUARANTINE,
    )


# --- an e-mailed letter -----------------------------------------------------------------


def test_an_emailed_letter_appears_as_pending_incoming_in_the_mailbox_unit(world, mailbox, imap):
    # GIVEN a letter e-mailed as a PDF with a DOCX beside it
    raw = letter_mail(message_id="<surat-1@bappeda.example.go.id>")
    imap.append("INBOX", raw)

    # WHEN the mailbox is polled
    result = poller.mailbox_poll(mailbox)

    # THEN it is one pending incoming letter of Kominfo, from e-mail, the PDF as the letter
    assert (result.registered, result.quarantined, result.failed) == (1, 0, 0)
    pending = PendingIncoming.objects.get()
    assert pending.unit == world.units["kominfo"]
    assert pending.tenant == world.tenant
    assert pending.source == IntakeSource.EMAIL
    assert pending.original_name == "surat-undangan.pdf"
    assert pending.file.read() == letter_pdf()
    assert "sekretariat@bappeda.example.go.id" in pending.note
    # AND the DOCX is kept beside it, and the e-mail itself as it came
    files = {f.kind: f for f in pending.files.all()}
    assert files[PendingFile.Kind.ATTACHMENT].original_name == "daftar-peserta.docx"
    eml = files[PendingFile.Kind.MESSAGE]
    assert eml.original_name.endswith(".eml")
    assert eml.file.read() == raw
    # AND the message is recorded, and moved to the processed folder without \Seen
    row = MailMessage.objects.get()
    assert (row.state, row.pending, row.mailbox) == (MailState.REGISTERED, pending, mailbox)
    assert row.message_id == "<surat-1@bappeda.example.go.id>"
    assert row.subject == "Undangan rapat koordinasi"
    assert ids(imap, "INBOX") == []
    [(mid, flags)] = folder_messages(imap, PROCESSED)
    assert mid == row.message_id and b"\\Seen" not in flags
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""


def test_the_same_message_again_is_only_moved(mailbox, imap):
    # GIVEN a message registered once
    raw = letter_mail()
    imap.append("INBOX", raw)
    poller.mailbox_poll(mailbox)

    # WHEN the same message (same Message-ID) arrives again
    imap.append("INBOX", raw)
    result = poller.mailbox_poll(mailbox)

    # THEN nothing new is registered, and it is moved to the processed folder
    assert (result.registered, result.taken) == (0, 1)
    assert PendingIncoming.objects.count() == 1 == MailMessage.objects.count()
    assert ids(imap, "INBOX") == []
    assert len(ids(imap, PROCESSED)) == 2


def test_a_message_without_message_id_is_known_by_its_hash(mailbox, imap):
    raw = re.sub(rb"Message-ID: [^\r]*\r\n", b"", letter_mail())
    imap.append("INBOX", raw)
    poller.mailbox_poll(mailbox)
    imap.append("INBOX", raw)
    result = poller.mailbox_poll(mailbox)

    row = MailMessage.objects.get()
    assert row.message_id.startswith("sha256:") and len(row.message_id) == 7 + 64
    assert (result.registered, result.taken) == (0, 1)
    assert PendingIncoming.objects.count() == 1


def test_the_same_letter_through_a_second_mailbox_of_the_unit_is_a_duplicate(world, mailbox, imap):
    # GIVEN the tenant's central registry address delivers to the same unit, from a folder
    central = services.mailbox_set(
        tenant=world.tenant,
        code="central",
        unit=mailbox.unit,
        host=mailbox.host,
        port=mailbox.port,
        security="none",
        username=mailbox.username,
        password_env=PASSWORD_ENV,
        folder="Central",
        processed_folder="Central-Done",
        quarantine_folder="Central-Quarantine",
    )
    imap.create_folder("Central")
    raw = letter_mail()
    imap.append("INBOX", raw)
    imap.append("Central", raw)

    # WHEN both are polled
    poller.mailbox_poll(mailbox)
    result = poller.mailbox_poll(central)

    # THEN the second is recorded as a duplicate of the first letter, and moved
    assert result.duplicate == 1
    first, second = MailMessage.objects.order_by("id")
    assert second.state == MailState.DUPLICATE and second.pending == first.pending
    assert PendingIncoming.objects.count() == 1
    assert len(ids(imap, "Central-Done")) == 1 and ids(imap, "Central") == []


def test_without_move_the_message_is_copied_flagged_and_expunged(mailbox, imap, monkeypatch):
    # GIVEN a server that does not offer MOVE
    real = IMAPClient.has_capability
    monkeypatch.setattr(
        IMAPClient, "has_capability", lambda self, cap: cap != "MOVE" and real(self, cap)
    )
    imap.append("INBOX", letter_mail())
    imap.append("INBOX", mail(subject="Tanpa lampiran"))

    result = poller.mailbox_poll(mailbox)

    assert (result.registered, result.quarantined) == (1, 1)
    assert ids(imap, "INBOX") == []
    assert len(ids(imap, PROCESSED)) == 1 == len(ids(imap, QUARANTINE))


# --- crashes ----------------------------------------------------------------------------


def test_a_crash_between_fetch_and_commit_takes_the_message_again_once(mailbox, imap, monkeypatch):
    # GIVEN a poll that dies after the pending letter was written, before the commit
    imap.append("INBOX", letter_mail(message_id="<crash-1@bappeda.example.go.id>"))
    real = services.mail._pending_from

    def dies_inside_the_transaction(*args, **kwargs):
        real(*args, **kwargs)
        raise Crash

    monkeypatch.setattr(services.mail, "_pending_from", dies_inside_the_transaction)
    with pytest.raises(Crash):
        poller.mailbox_poll(mailbox)

    # THEN nothing was kept, and the message is still there, unread
    assert not PendingIncoming.objects.exists() and not MailMessage.objects.exists()
    mailbox.refresh_from_db()
    assert mailbox.last_error == "The poll was interrupted (Crash)."
    assert mailbox.poll_lease_until is None
    [(mid, flags)] = folder_messages(imap, "INBOX")
    assert mid == "<crash-1@bappeda.example.go.id>" and b"\\Seen" not in flags

    # WHEN the next poll runs
    monkeypatch.setattr(services.mail, "_pending_from", real)
    result = poller.mailbox_poll(mailbox)

    # THEN the message is registered, once
    assert result.registered == 1
    assert PendingIncoming.objects.count() == 1 == MailMessage.objects.count()
    assert ids(imap, PROCESSED) == ["<crash-1@bappeda.example.go.id>"]


@pytest.mark.django_db(transaction=True)
def test_a_crash_between_commit_and_move_registers_once_and_moves(mailbox, imap, monkeypatch):
    # GIVEN a poll that dies after the commit, before the message is moved
    imap.append("INBOX", letter_mail(message_id="<crash-2@bappeda.example.go.id>"))
    real = poller.message_move
    committed = []

    def dies_before_moving(client, uid, folder):
        committed.append(not connection.in_atomic_block and MailMessage.objects.exists())
        raise Crash

    monkeypatch.setattr(poller, "message_move", dies_before_moving)
    with pytest.raises(Crash):
        poller.mailbox_poll(mailbox)

    # THEN the letter was committed before the move was tried; the message is still there
    assert committed == [True]
    assert PendingIncoming.objects.count() == 1
    assert ids(imap, "INBOX") == ["<crash-2@bappeda.example.go.id>"]

    # WHEN the next poll runs
    monkeypatch.setattr(poller, "message_move", real)
    result = poller.mailbox_poll(mailbox)

    # THEN it recognises the Message-ID and only moves the message
    assert (result.registered, result.taken) == (0, 1)
    assert PendingIncoming.objects.count() == 1 == MailMessage.objects.count()
    assert ids(imap, "INBOX") == []
    assert ids(imap, PROCESSED) == ["<crash-2@bappeda.example.go.id>"]


# --- bad mail ---------------------------------------------------------------------------


def nested_mail(depth: int = 3000) -> bytes:
    """Parts nested thousands deep (the parser's recursion gives out)."""
    raw = b"From: x@example.go.id\r\nSubject: Bersarang\r\nMIME-Version: 1.0\r\n"
    for i in range(depth):
        raw += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
    raw += b"Content-Type: text/plain\r\n\r\nhalo\r\n"
    for i in reversed(range(depth)):
        raw += b"--b%d--\r\n" % i
    return raw


BAD_MAIL = {
    "no attachment": (lambda: mail(subject="Tanpa lampiran"), "has no attachment"),
    "zip bomb": (
        lambda: mail(attachments=[("laporan.docx", bomb_docx(), DOCX_TYPE)]),
        'laporan.docx expands to 300 MB when opened (a "zip bomb")',
    ),
    "zip bomb beside a letter": (
        lambda: mail(
            attachments=[
                ("surat.pdf", letter_pdf(), ("application", "pdf")),
                ("laporan.docx", bomb_docx(), DOCX_TYPE),
            ]
        ),
        'laporan.docx expands to 300 MB when opened (a "zip bomb")',
    ),
    "a PDF that is not one": (
        lambda: mail(attachments=[("surat.pdf", b"MZ\x90\x00" * 64, ("application", "pdf"))]),
        "surat.pdf does not contain what its extension .pdf says",
    ),
    "malformed MIME": (malformed_mail, "MIME structure is damaged (Multipart"),
    "parts nested too deep": (nested_mail, "MIME structure cannot be read (RecursionError)"),
    "no accepted type": (
        lambda: mail(attachments=[("setup.exe", b"MZ\x90\x00" * 64, ("application", "x-exe"))]),
        "No attachment is of an accepted type: setup.exe: files of type .exe",
    ),
    "a damaged PDF": (
        lambda: mail(attachments=[("surat.pdf", b"%PDF-1.4 broken", ("application", "pdf"))]),
        "surat.pdf is a damaged or unsafe PDF",
    ),
}


@pytest.mark.parametrize("case", BAD_MAIL)
def test_bad_mail_is_quarantined_with_the_reason(case, mailbox, imap):
    # GIVEN a bad message and a good one behind it
    make, reason = BAD_MAIL[case]
    imap.append("INBOX", make())
    imap.append("INBOX", letter_mail())

    # WHEN the mailbox is polled
    result = poller.mailbox_poll(mailbox)

    # THEN the bad one is quarantined with the reason, in the quarantine folder
    assert (result.quarantined, result.registered, result.failed) == (1, 1, 0)
    row = MailMessage.objects.get(state=MailState.QUARANTINED)
    assert reason in row.reason
    assert row.pending is None
    assert len(ids(imap, QUARANTINE)) == 1
    # AND the good one behind it went its way
    assert PendingIncoming.objects.count() == 1
    assert len(ids(imap, PROCESSED)) == 1 and ids(imap, "INBOX") == []


def test_attachments_of_other_types_are_left_out_and_said_so(mailbox, imap):
    # GIVEN a letter as a picture, with a ZIP and an empty PDF beside it
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    imap.append(
        "INBOX",
        mail(
            attachments=[
                ("arsip.zip", b"PK\x05\x06" + bytes(18), ("application", "zip")),
                ("kosong.pdf", b"", ("application", "pdf")),
                ("surat.png", png, ("image", "png")),
            ]
        ),
    )

    poller.mailbox_poll(mailbox)

    # THEN the picture is the letter; the note names what was left out (the e-mail keeps it)
    pending = PendingIncoming.objects.get()
    assert pending.original_name == "surat.png"
    assert "arsip.zip: files of type .zip are not accepted" in pending.note
    assert "kosong.pdf is empty" in pending.note
    assert [f.kind for f in pending.files.all()] == [PendingFile.Kind.MESSAGE]


def _logged_out_lines(dovecot) -> list[str]:
    return [line for line in dovecot.log().splitlines() if "Disconnected: Logged out" in line]


def test_an_oversize_message_is_quarantined_without_being_downloaded(
    mailbox, imap, dovecot, settings, monkeypatch
):
    # GIVEN a cap of 1 MB and a message of about 1.5 MB
    settings.NASKAH_MAIL_MAX_MB = 1
    big = bytes(range(256)) * (1024 * 1024 // 256 + 4096)
    imap.append(
        "INBOX", mail(attachments=[("besar.pdf", b"%PDF-1.4\n" + big, ("application", "pdf"))])
    )
    fetched = []
    real_fetch = IMAPClient.fetch

    def spy(self, messages, data, modifiers=None):
        fetched.append((tuple(messages), tuple(data)))
        return real_fetch(self, messages, data, modifiers)

    monkeypatch.setattr(IMAPClient, "fetch", spy)
    before = len(_logged_out_lines(dovecot))

    # WHEN the mailbox is polled
    result = poller.mailbox_poll(mailbox)

    # THEN the size was asked first, then only the header: the body was never fetched
    assert [items for _uids, items in fetched] == [
        (b"RFC822.SIZE",),
        (b"BODY.PEEK[HEADER]",),
    ]
    # (the server agrees: the poller's session sent no message body)
    deadline = time.monotonic() + 5
    while len(_logged_out_lines(dovecot)) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "body_count=0 body_bytes=0" in _logged_out_lines(dovecot)[-1]
    # AND it is quarantined with its size named, in the quarantine folder
    assert result.quarantined == 1
    row = MailMessage.objects.get()
    assert row.state == MailState.QUARANTINED
    assert "more than the 1 MB allowed; it was not downloaded" in row.reason
    assert row.size > 1024 * 1024
    assert row.subject == "Undangan rapat koordinasi"
    assert not PendingIncoming.objects.exists()
    assert len(ids(imap, QUARANTINE)) == 1 and ids(imap, "INBOX") == []


def test_a_quarantined_message_put_back_is_taken_again(mailbox, imap, settings):
    # GIVEN a message quarantined for its size, and an operator who raised the cap and put
    # it back into the inbox
    settings.NASKAH_MAIL_MAX_MB = 1
    noise = random.Random(29).randbytes(1_500_000)  # does not pack: not a zip bomb
    padded = mail(
        attachments=[
            ("surat.pdf", letter_pdf(), ("application", "pdf")),
            ("lampiran.docx", docx(noise), DOCX_TYPE),
        ]
    )
    imap.append("INBOX", padded)
    poller.mailbox_poll(mailbox)
    assert MailMessage.objects.get().state == MailState.QUARANTINED
    settings.NASKAH_MAIL_MAX_MB = 5
    imap.select_folder(QUARANTINE)
    imap.move(imap.search("ALL"), "INBOX")
    imap.unselect_folder()

    # WHEN polled again
    result = poller.mailbox_poll(mailbox)

    # THEN the same row now says registered
    assert result.registered == 1
    row = MailMessage.objects.get()
    assert row.state == MailState.REGISTERED and row.reason == "" and row.pending is not None


# --- the periodic job and the mailbox ---------------------------------------------------


def test_a_mailbox_whose_server_is_down_is_recorded_and_the_others_polled(
    world, mailbox, imap, monkeypatch
):
    # GIVEN a second mailbox whose server does not answer, and one whose password is unset
    down = services.mailbox_set(
        tenant=world.tenant,
        code="bappeda",
        unit=world.units["bappeda"],
        host="127.0.0.1",
        port=free_port(),
        security="none",
        username="tu.bappeda",
        password_env=PASSWORD_ENV,
    )
    unset = services.mailbox_set(
        tenant=world.tenant,
        code="dinkes",
        unit=world.units["dinkes"],
        host="localhost",
        port=mailbox.port,
        security="none",
        username="tu.dinkes",
        password_env="NASKAH_TEST_IMAP_UNSET",
    )
    monkeypatch.delenv("NASKAH_TEST_IMAP_UNSET", raising=False)
    imap.append("INBOX", letter_mail())

    # WHEN the periodic job runs
    outcome = mailboxes_poll.call()

    # THEN the reachable mailbox was polled, and the others say why not
    assert outcome["medan/tu-kominfo"]["registered"] == 1
    down.refresh_from_db()
    unset.refresh_from_db()
    assert "Connection refused" in down.last_error and down.last_polled_at is not None
    assert unset.last_error == "The environment variable NASKAH_TEST_IMAP_UNSET is not set."
    assert PendingIncoming.objects.get().unit == world.units["kominfo"]


def test_a_mailbox_another_poll_is_taking_is_left_to_it(mailbox, imap):
    # GIVEN a poll under way (it holds the mailbox's lease)
    assert services.mailbox_lease(mailbox=mailbox, seconds=600)
    imap.append("INBOX", letter_mail())

    # WHEN a second poll starts, THEN it leaves the mailbox alone
    assert poller.mailbox_poll(mailbox).skipped
    assert not services.mailbox_lease(mailbox=mailbox, seconds=600)
    assert len(ids(imap, "INBOX")) == 1 and not MailMessage.objects.exists()

    # WHEN the first poll died without giving the lease back and the lease ran out
    Mailbox.objects.filter(pk=mailbox.pk).update(
        poll_lease_until=timezone.now() - dt.timedelta(seconds=1)
    )

    # THEN the next poll takes the mailbox, and gives the lease back
    assert poller.mailbox_poll(mailbox).registered == 1
    mailbox.refresh_from_db()
    assert mailbox.poll_lease_until is None


def test_plain_imap_to_another_machine_is_refused_even_from_a_row_saved_around_the_checks(
    mailbox,
):
    Mailbox.objects.filter(pk=mailbox.pk).update(host="imap.medan.go.id")
    mailbox.refresh_from_db()
    result = poller.mailbox_poll(mailbox)
    assert result.error == "Plain IMAP without TLS is allowed only to this machine."


def test_a_mailbox_that_fails_to_log_in_says_so(mailbox, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = poller.mailbox_poll(mailbox)
    mailbox.refresh_from_db()
    assert result.error and mailbox.last_error == result.error


@pytest.mark.parametrize(
    ("host", "ok"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("imap.medan.go.id", False)],
)
def test_plain_imap_only_to_this_machine(world, host, ok):
    def make():
        return services.mailbox_set(
            tenant=world.tenant,
            code="tu",
            unit=world.units["kominfo"],
            host=host,
            port=143,
            security="none",
            username="tu",
            password_env=PASSWORD_ENV,
        )

    if ok:
        assert make().security == "none"
    else:
        with pytest.raises(ValidationError, match="only to this machine"):
            make()


def test_the_password_variable_must_carry_the_prefix(world):
    with pytest.raises(ValidationError):
        services.mailbox_set(
            tenant=world.tenant,
            code="tu",
            unit=world.units["kominfo"],
            host="imap.medan.go.id",
            port=993,
            security="ssl",
            username="tu",
            password_env="HOME",
        )
