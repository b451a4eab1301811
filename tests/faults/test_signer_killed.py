"""The process signing a letter killed (`kill -9`) in the middle of its signature, after the
signed PDF was written and before the transaction committed: the PDF never appears under a
real name, the letter stays approved and unnumbered, the number goes to the next letter only,
and the signer signs again at once."""

import signal
from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from pypdf import PdfReader

from correspondence import services as svc
from correspondence.choices import LetterState
from ops.storage import PENDING_DIR, TransactionalFileSystemStorage, pending_files_sweep
from tests.correspondence.helpers import draft, through_review
from workflows.models import TransitionLog

from .helpers import env, process, python_args, stop, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.clock_free,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _pdf_texts(media) -> dict[str, str]:
    """Every PDF under a real name in the media folder, with its text."""
    return {
        str(path.relative_to(media)): "".join(page.extract_text() for page in PdfReader(path).pages)
        for path in media.rglob("*.pdf")
        if PENDING_DIR not in path.parts
    }


def test_a_signer_process_killed_while_sealing_leaves_no_signed_file_and_no_number(
    world, password, media, tmp_path, settings
):
    mark = tmp_path / "sealing"
    environment = env(
        NASKAH_MEDIA_ROOT=str(media),
        NASKAH_FAULT_MARK=str(mark),
        NASKAH_FAULT_PASSPHRASE=password,
    )
    first = through_review(world, draft(world, subject="Surat yang tersegel saat proses mati"))
    args = python_args("tests/faults/stalling_signer.py", str(first.pk), str(world.head.pk))
    with process(args, environment) as stalled:
        wait_for(mark.exists, timeout=90, what="the process sealing the letter")
        stop(stalled, signal.SIGKILL)
    lost_number = mark.read_text().split(" ", 1)[1]
    first.refresh_from_db()
    assert (first.state, first.number, first.sign_error) == (LetterState.APPROVED, "", "")
    # The signed PDF exists only under a temporary name that no committed row claims.
    assert _pdf_texts(media) == {}
    assert len(list((media / PENDING_DIR).iterdir())) == 1

    # The signer signs again at once (nothing waits for the dead process), then the next
    # letter: the number the dead process took goes to the first of them, once.
    settings.NASKAH_MEDIA_ROOT = str(media)
    storage = TransactionalFileSystemStorage(location=media)
    from correspondence.models import Letter

    field = Letter._meta.get_field("pdf")
    old_storage, field.storage = field.storage, storage
    try:
        first = svc.letter_sign_request(
            letter=first, by=world.head, passphrase=password, second_factor=True
        )
        second = svc.letter_sign_request(
            letter=through_review(world, draft(world, subject="Surat berikutnya")),
            by=world.head,
            passphrase=password,
            second_factor=True,
        )
    finally:
        field.storage = old_storage
    assert first.state == second.state == LetterState.SIGNED
    assert first.number == lost_number and second.number != lost_number
    assert TransitionLog.objects.filter(object_id=first.pk, action="letter.signed").count() == 1

    # The orphan is swept; every number stands in exactly one file, its own letter's.
    assert pending_files_sweep(storage, grace=timedelta(0)) == {"published": 0, "deleted": 1}
    texts = _pdf_texts(media)
    for letter in (first, second):
        holding = [name for name, text in texts.items() if letter.number in text]
        assert holding == [letter.pdf.name], (letter.number, holding)
    assert FileSystemStorage(location=media).listdir(PENDING_DIR) == ([], [])
