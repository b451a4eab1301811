"""A task worker killed (`kill -9`) while it seals a letter: the signed PDF it wrote never
appears under a real name, the number it took goes to the next letter only, the task runs
once more on another worker and signs once; killed twice, the task is given up and the
signer is told, with signing open again."""

import signal
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from correspondence import services as svc
from correspondence.choices import LetterState
from correspondence.models import Letter
from correspondence.tasks import SIGN_CRASHED
from notifications.models import Notification
from ops.models import PendingFile
from ops.storage import PENDING_DIR, TransactionalFileSystemStorage, pending_files_sweep
from tests.correspondence.helpers import draft, through_review
from workflows.models import TransitionLog

from .helpers import env, process, python_args, stop, wait_for, worker_args

pytestmark = [
    pytest.mark.faults,
    pytest.mark.clock_free,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

LEASE = 2.0  # seconds without a renewal before a worker's tasks are taken up again
SIGN_TASK = "correspondence.tasks.letter_sign_task"


def _approved(world, subject: str) -> Letter:
    return through_review(world, draft(world, subject=subject))


def _sign_request(world, letter: Letter, password: str) -> DBTaskResult:
    svc.letter_sign_request(letter=letter, by=world.head, password=password, second_factor=True)
    return DBTaskResult.objects.filter(task_path=SIGN_TASK).order_by("-enqueued_at").first()


def _environment(media, mark):
    return env(
        NASKAH_MEDIA_ROOT=str(media),
        NASKAH_WORKER_LEASE_SECONDS=str(LEASE),
        NASKAH_FAULT_MARK=str(mark),
    )


def _stall_and_kill(environment, mark) -> str:
    """Start a worker that stalls inside the sealing transaction, and kill it there."""
    mark.unlink(missing_ok=True)
    with process(python_args("tests/faults/stalling_worker.py"), environment) as stalled:
        wait_for(mark.exists, timeout=90, what="the worker sealing the letter")
        stop(stalled, signal.SIGKILL)
    return mark.read_text()


def _pdf_texts(media) -> dict[str, str]:
    """Every PDF under a real name in the media folder, with its text."""
    return {
        str(path.relative_to(media)): "".join(page.extract_text() for page in PdfReader(path).pages)
        for path in media.rglob("*.pdf")
        if PENDING_DIR not in path.parts
    }


def test_a_worker_killed_while_sealing_leaves_no_signed_file_and_its_task_signs_once(
    world, password, db_tasks, media, tmp_path
):
    mark = tmp_path / "sealing"
    environment = _environment(media, mark)
    first = _approved(world, "Surat yang tersegel saat pekerja mati")
    task = _sign_request(world, first, password)

    killed_at = _stall_and_kill(environment, mark)
    lost_number = killed_at.split(" ", 1)[1]
    first.refresh_from_db()
    assert (first.state, first.number) == (LetterState.APPROVED, "")  # rolled back
    assert first.sign_pending_since is not None
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING and len(task.worker_ids) == 1
    # The signed PDF exists only under a temporary name that no committed row claims.
    assert _pdf_texts(media) == {}
    assert len(list((media / PENDING_DIR).iterdir())) == 1
    assert not PendingFile.objects.exists()

    # Another letter waits to be signed meanwhile.
    second = _approved(world, "Surat berikutnya")
    _sign_request(world, second, password)
    with process(worker_args(), environment):
        wait_for(
            lambda: (
                Letter.objects.filter(
                    pk__in=[first.pk, second.pk], state=LetterState.SIGNED
                ).count()
                == 2
            ),
            timeout=60,
            what="both letters signed",
        )
    first.refresh_from_db()
    second.refresh_from_db()
    # The number rolled back went to one of them (whichever was signed first), once.
    assert lost_number in (first.number, second.number)
    assert first.number != second.number
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2  # run once more, on another worker
    signed_logs = TransitionLog.objects.filter(object_id=first.pk, action="letter.signed")
    assert signed_logs.count() == 1

    # The orphan is swept; every number stands in exactly one file, its own letter's.
    storage = TransactionalFileSystemStorage(location=media)
    assert pending_files_sweep(storage, grace=timedelta(0)) == {"published": 0, "deleted": 1}
    texts = _pdf_texts(media)
    assert len(texts) == 2
    for letter in (first, second):
        holding = [name for name, text in texts.items() if letter.number in text]
        assert holding == [letter.pdf.name], (letter.number, holding)
    assert FileSystemStorage(location=media).listdir(PENDING_DIR) == ([], [])


def test_a_task_whose_worker_dies_twice_is_given_up_and_the_signer_may_sign_again(
    world, password, db_tasks, media, tmp_path
):
    mark = tmp_path / "sealing"
    environment = _environment(media, mark)
    letter = _approved(world, "Surat yang gagal dua kali")
    task = _sign_request(world, letter, password)
    _stall_and_kill(environment, mark)
    _stall_and_kill(environment, mark)  # the second worker takes it up, and dies too
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING and len(task.worker_ids) == 2

    with process(worker_args(), environment):
        wait_for(
            lambda: DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.FAILED,
            timeout=30,
            what="the task given up",
        )
        letter.refresh_from_db()
        wait_for(
            lambda: Letter.objects.get(pk=letter.pk).sign_error,
            timeout=10,
            what="the failure recorded",
        )
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED and letter.number == ""
    assert letter.sign_pending_since is None
    assert letter.sign_error == str(SIGN_CRASHED)
    told = Notification.objects.filter(recipient=world.head, text__contains=letter.subject)
    assert told.exists()
    assert len(DBTaskResult.objects.get(pk=task.pk).worker_ids) == 2  # never a third run
    # Signing is open again at once (no five-minute wait for a signature in progress).
    again = _sign_request(world, letter, password)
    assert again.pk != task.pk and again.status == TaskResultStatus.READY
