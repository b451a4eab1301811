"""Letters e-mailed to addressees off the platform, against a real SMTP server (aiosmtpd on
loopback, tests/smtp.py) and the database task backend run by django-tasks-db's worker: the
signed PDF arrives byte for byte from the tenant's sender with the verification link, once;
temporary failures are tried again later, permanent ones mark the addressee undelivered."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from unittest import mock

import pytest
import time_machine
from asgiref.local import Local
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.tasks import TaskResultStatus, task_backends
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from correspondence import services as svc
from correspondence import signing, tasks
from correspondence.mailout import pdf_name
from correspondence.models import AddressBookEntry, Recipient
from correspondence.services import emailing
from correspondence.services.emailing import retry_delay, smtp_failure
from workflows.models import TransitionLog

from ..factories import PASSWORD
from ..smtp import mailers_for, smtp_server
from ..world import build_world
from .helpers import PDF, draft, sent, through_review

SENDER = "naskah@medan.example.go.id"
ADDRESSEE = "direktur@telkom.example.co.id"
PORT = 8123  # the public port links must carry (a development server's, say)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "ocr"]}}


def _reset_task_backends() -> None:
    task_backends.__dict__.pop("settings", None)
    task_backends._connections = Local(task_backends.thread_critical)


@pytest.fixture
def smtp(settings):
    """The test's SMTP server, the project configured to send to it, tasks on the database
    backend (as production runs them) and links on port PORT."""
    settings.TASKS = DB_TASKS
    _reset_task_backends()
    with smtp_server() as (handler, port):
        settings.NASKAH_EMAIL_ENABLED = True
        settings.MAILERS = mailers_for(port)
        settings.NASKAH_PUBLIC_PORT = PORT
        settings.NASKAH_EMAIL_RETRY_SECONDS = 60
        settings.NASKAH_EMAIL_ATTEMPTS = 3
        yield handler
    _reset_task_backends()


@pytest.fixture
def entry(world) -> AddressBookEntry:
    """PT Telkom in Medan's address book, with an e-mail; Medan's sender configured."""
    world.tenant.mail_from_name = "Sarana Pemko Medan"
    world.tenant.mail_from_address = SENDER
    world.tenant.save()
    return AddressBookEntry.objects.create(
        tenant=world.tenant, name="Direktur", organization="PT Telkom", email=ADDRESSEE
    )


def run_worker() -> None:
    """django-tasks-db's worker, in this process, until no task is ready. Its check for stale
    connections is left out: it would close the test's connection, whose transaction holds
    the test's data."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()


def email_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=tasks.recipient_email.module_path).order_by(
            "enqueued_at"
        )
    )


def external(letter) -> Recipient:
    return Recipient.objects.get(letter=letter, address__isnull=False)


def actions(letter) -> list[str]:
    return list(
        TransitionLog.objects.filter(object_id=letter.pk, action__startswith="letter.")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def mid(message) -> str:
    """A message's Message-ID (unfolded)."""
    return "".join(str(message["Message-ID"]).split())


def pdf_parts(message) -> list[bytes]:
    return [
        part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]


# --- sent once, as signed ---------------------------------------------------------------


def test_a_letter_to_an_addressee_with_an_email_arrives_signed_from_the_tenant(
    world, smtp, entry, client, as_user
):
    # GIVEN a letter to Bappeda and to PT Telkom (off the platform, with an e-mail)
    letter = sent(world, addresses=[entry])

    # THEN its e-mail waits in the outbox, written with the send
    [queued] = email_tasks()
    assert queued.status == TaskResultStatus.READY
    assert smtp.received == []
    recipient = external(letter)
    assert recipient.email_message_id and recipient.emailed_at is None

    # WHEN the worker runs
    run_worker()

    # THEN one message reached the server, from Medan's sender, to PT Telkom
    [got] = smtp.received
    assert got.mail_from == SENDER and got.rcpt_tos == [ADDRESSEE]
    message = got.message
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["From"].addresses[0].display_name == "Sarana Pemko Medan"
    assert mid(message) == recipient.email_message_id
    assert letter.number in message["Subject"] and letter.subject in message["Subject"]
    # AND the attached PDF is the signed PDF byte for byte, and it verifies
    letter.refresh_from_db()
    with letter.pdf.open("rb") as fh:
        stored = fh.read()
    [pdf] = pdf_parts(message)
    assert pdf == stored
    assert signing.pdf_validate(pdf, tenant=world.tenant).valid
    # AND the text links the public verification page on the real host and port, which opens
    body = message.get_body(("plain",)).get_content()
    host = world.tenant.primary_domain
    path = reverse("letter-verify", args=[letter.verify_token])
    assert f"://{host}:{PORT}{path}" in body
    page = client.get(path, HTTP_HOST=f"{host}:{PORT}")
    assert page.status_code == 200 and letter.number in page.content.decode()
    # AND the recipient and the letter's history record it
    recipient.refresh_from_db()
    assert recipient.emailed_at is not None and recipient.email_attempts == 1
    assert recipient.undelivered_at is None
    assert actions(letter)[-1] == "letter.emailed"
    # AND the letter page says so, with no "mark dispatched" left for PT Telkom
    html = (
        as_user(world.clerk)
        .get(reverse("correspondence:letter", args=[letter.pk]))
        .content.decode()
    )
    assert 'data-testid="email-sent"' in html
    assert reverse("correspondence:dispatch", args=[letter.pk, recipient.pk]) not in html


def test_a_task_run_again_after_success_sends_nothing(world, smtp, entry):
    # GIVEN a letter e-mailed once
    letter = sent(world, addresses=[entry])
    run_worker()
    assert len(smtp.received) == 1
    recipient = external(letter)

    # WHEN its task runs again (a worker taken for dead, a replayed task)
    tasks.recipient_email.enqueue(recipient.pk)
    run_worker()

    # THEN nothing more is sent, and the task says it had nothing to do
    assert len(smtp.received) == 1
    assert email_tasks()[-1].return_value == "done"
    assert actions(letter).count("letter.emailed") == 1


def test_a_worker_dying_between_the_servers_yes_and_the_commit_sends_the_same_message_again(
    world, smtp, entry, monkeypatch
):
    # GIVEN a worker that dies right after the server accepted the message, before its commit
    letter = sent(world, addresses=[entry])

    def die(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(emailing, "_log", die)
        run_worker()
    recipient = external(letter)
    assert len(smtp.received) == 1 and recipient.emailed_at is None

    # WHEN the task runs again (as ops.worker reruns a dead worker's task)
    tasks.recipient_email.enqueue(recipient.pk)
    run_worker()

    # THEN the letter is sent again under the same Message-ID (the chosen side of the window:
    # twice rather than never), and recorded once
    first, second = smtp.received
    assert mid(first.message) == mid(second.message) == recipient.email_message_id
    assert actions(letter).count("letter.emailed") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_task_at_once_send_once(smtp):
    # GIVEN a letter to PT Telkom, committed, and a server that takes its time
    world = build_world()
    entry = AddressBookEntry.objects.create(
        tenant=world.tenant, name="Direktur", organization="PT Telkom", email=ADDRESSEE
    )
    recipient = external(sent(world, addresses=[entry]))
    smtp.delay = 0.5
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run():
        try:
            barrier.wait()
            outcomes.append(svc.recipient_email(recipient_id=recipient.pk))
        finally:
            connection.close()

    # WHEN two workers run its task at the same moment
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # THEN one sends and the other, having waited for its lock, finds it done
    assert sorted(outcomes) == ["done", "sent"]
    assert len(smtp.received) == 1


def test_an_addressee_without_email_is_dispatched_by_hand(world, smtp, as_user):
    # GIVEN an address-book entry without e-mail
    paper = AddressBookEntry.objects.create(tenant=world.tenant, name="Kantor Pos Medan")

    # WHEN a letter to it is sent
    letter = sent(world, addresses=[paper])
    run_worker()

    # THEN no e-mail is queued or sent, and the clerk may still mark it dispatched
    assert email_tasks() == [] and smtp.received == []
    recipient = external(letter)
    html = (
        as_user(world.clerk)
        .get(reverse("correspondence:letter", args=[letter.pk]))
        .content.decode()
    )
    assert reverse("correspondence:dispatch", args=[letter.pk, recipient.pk]) in html


def test_a_confidential_letter_keeps_its_subject_out_of_the_mail(world, smtp, entry):
    # GIVEN a Rahasia letter to PT Telkom
    letter = sent(world, addresses=[entry], security="rahasia", subject="Data kepegawaian rahasia")

    # WHEN it is e-mailed
    run_worker()

    # THEN the subject line and the text name the number and the level, never the subject
    [got] = smtp.received
    message = got.message
    assert letter.number in message["Subject"] and "Rahasia" in message["Subject"]
    assert "kepegawaian" not in got.data.decode("ascii", errors="replace").lower()
    assert "kepegawaian" not in message.get_body(("plain",)).get_content().lower()
    assert len(pdf_parts(message)) == 1


@pytest.mark.parametrize(("limit_mb", "goes_along"), [(10, True), (0, False)])
def test_the_letters_attachments_go_along_while_the_mail_stays_small(
    world, smtp, entry, settings, limit_mb, goes_along
):
    # GIVEN a letter with an attachment, and a size limit for the e-mail
    settings.NASKAH_EMAIL_ATTACH_MB = limit_mb
    letter = draft(world, addresses=[entry])
    svc.attachment_add(
        letter=letter, by=world.drafter, upload=SimpleUploadedFile("lampiran.pdf", PDF)
    )
    letter = svc.letter_sign(
        passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
    )
    svc.letter_send(letter=letter, by=world.head)

    # WHEN it is e-mailed
    run_worker()

    # THEN the attachment goes along under the limit, and is named as left out over it (the
    # signed PDF, which always goes, holds its pages)
    [got] = smtp.received
    names = [part.get_filename() for part in got.message.iter_attachments()]
    body = got.message.get_body(("plain",)).get_content()
    if goes_along:
        assert names == [pdf_name(letter), "lampiran.pdf"]
        assert pdf_parts(got.message)[1] == PDF
    else:
        assert names == [pdf_name(letter)]
        assert "lampiran.pdf" in body


# --- failures ---------------------------------------------------------------------------


def test_a_temporary_failure_is_tried_again_later_and_delivered_once(world, smtp, entry, as_user):
    # GIVEN a server that answers the first message "451 try again later"
    smtp.data_answers = ["451 4.3.0 Mailbox temporarily unavailable"]
    letter = sent(world, addresses=[entry])

    # WHEN the worker runs
    run_worker()

    # THEN nothing is delivered yet: the attempt is recorded and a retry waits its turn
    assert smtp.received == []
    recipient = external(letter)
    assert (recipient.email_attempts, recipient.emailed_at, recipient.undelivered_at) == (
        1,
        None,
        None,
    )
    assert "451" in recipient.email_error
    first, retry = email_tasks()
    assert first.return_value == "retry" and retry.status == TaskResultStatus.READY
    assert retry.run_after >= first.finished_at + dt.timedelta(seconds=retry_delay(1) - 1)
    html = (
        as_user(world.clerk)
        .get(reverse("correspondence:letter", args=[letter.pk]))
        .content.decode()
    )
    assert 'data-testid="email-queued"' in html

    # WHEN the worker runs again before the retry is due, and then once it is
    run_worker()
    assert smtp.received == []
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=retry_delay(1) + 1)):
        run_worker()

    # THEN the letter is delivered exactly once
    assert len(smtp.received) == 1
    recipient.refresh_from_db()
    assert recipient.emailed_at is not None and recipient.email_attempts == 2
    assert recipient.email_error == ""
    assert actions(letter).count("letter.emailed") == 1


def test_temporary_failures_to_the_last_attempt_mark_the_addressee_undelivered(world, smtp, entry):
    # GIVEN a server that keeps answering 451 (the fixture allows 3 attempts)
    smtp.data_answers = ["451 4.3.0 Try again later"] * 3
    letter = sent(world, addresses=[entry])

    # WHEN every retry has come due
    moment = timezone.now()
    for attempt in range(3):
        moment += dt.timedelta(seconds=retry_delay(attempt) + 1)
        with time_machine.travel(moment):
            run_worker()

    # THEN the addressee is undelivered, with the last answer
    recipient = external(letter)
    assert smtp.received == [] and recipient.email_attempts == 3
    assert recipient.undelivered_at is not None and "451" in recipient.undelivered_reason
    assert actions(letter)[-1] == "letter.undelivered"


def test_a_permanent_failure_marks_the_addressee_undelivered_with_the_reason(
    world, smtp, entry, as_user
):
    # GIVEN a server that does not know the addressee
    smtp.rcpt_answers = ["550 5.1.1 <direktur@telkom.example.co.id>: No such user"]
    letter = sent(world, addresses=[entry])

    # WHEN the worker runs
    run_worker()

    # THEN nothing is sent, none is tried again, and the reason is kept
    assert smtp.received == []
    recipient = external(letter)
    assert recipient.undelivered_at is not None and recipient.emailed_at is None
    assert "550 5.1.1" in recipient.undelivered_reason
    assert [t.return_value for t in email_tasks()] == ["undelivered"]
    assert actions(letter)[-1] == "letter.undelivered"
    # AND the letter page shows it, and the clerk may dispatch by hand
    html = (
        as_user(world.clerk)
        .get(reverse("correspondence:letter", args=[letter.pk]))
        .content.decode()
    )
    assert 'data-testid="email-undelivered"' in html and "No such user" in html
    assert reverse("correspondence:dispatch", args=[letter.pk, recipient.pk]) in html


@pytest.mark.clock_free
@pytest.mark.parametrize(
    ("exc", "permanent"),
    [
        (ConnectionRefusedError(111, "Connection refused"), False),
        (TimeoutError("timed out"), False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), False),
        (smtplib.SMTPDataError(452, b"4.3.1 Insufficient system storage"), False),
        (smtplib.SMTPDataError(552, b"5.3.4 Message too big"), True),
        (smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"5.1.1 unknown")}), True),
        (smtplib.SMTPRecipientsRefused({"a@b.example": (450, b"4.2.0 greylisted")}), False),
        (smtplib.SMTPSenderRefused(553, b"5.7.1 sender not allowed", "x@y"), False),
    ],
)
def test_what_an_smtp_failure_means(exc, permanent):
    assert smtp_failure(exc).permanent is permanent


@pytest.mark.clock_free
def test_retries_back_off_up_to_an_hour(settings):
    settings.NASKAH_EMAIL_RETRY_SECONDS = 60
    assert [retry_delay(n) for n in (1, 2, 3, 7, 12)] == [60, 120, 240, 3600, 3600]
