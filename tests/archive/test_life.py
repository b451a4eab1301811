"""The whole life of a record, with time travel: filed from a finished letter, made inactive by
the daily sweep, proposed for disposal, approved by the head of the records unit then the Sekda,
destroyed (tombstone kept, berita acara filed as a permanent record); and a hold that stops it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader

from archive.choices import Decision, Fate, ProposalState, RecordState
from archive.models import DisposalProposal, Record, RecordFile
from archive.services import disposal
from archive.services import records as filing
from archive.tasks import retention_sweep
from tests.correspondence.helpers import sent
from workflows.selectors import transition_log_for

from .helpers import archive_setup, pdf_with_text

pytestmark = pytest.mark.django_db

ACTIVE_OVER = dt.datetime(2028, 12, 1, 9, tzinfo=dt.UTC)
INACTIVE_OVER = dt.datetime(2031, 12, 1, 9, tzinfo=dt.UTC)


def _file_letter(w) -> Record:
    letter = sent(w)
    return filing.record_file_from_source(
        source=letter,
        classification_code="000.1",
        unit=w.units["kominfo"],
        title=letter.subject,
        document_date=dt.date(2026, 11, 2),
        security=letter.security,
        number=letter.number,
        by=w.head,
        files=[filing.FileSpec("surat.pdf", pdf_with_text("Surat dinas"), "application/pdf")],
    )


def _pdf_text(record: Record) -> str:
    f = record.files.get()
    with f.file.open("rb") as fh:
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages)


def test_a_letter_record_lives_to_its_destruction(world, django_capture_on_commit_callbacks):
    """A record's whole life, from its letter to its destruction, as one story (over 60 lines):
    each stage is asserted on what the stages before it left."""
    w = world
    archive_setup(w)
    approver1, approver2 = w.users["dispusip_head"], w.sekda
    # GIVEN a sent letter filed in the archive under 000.1 (2 years active, 3 inactive, destroy)
    record = _file_letter(w)
    stored = record.files.get()
    storage, name = stored.file.storage, stored.file.name
    assert storage.exists(name)
    assert (record.state, record.fate) == (RecordState.ACTIVE, Fate.DESTROY)
    assert (record.active_until, record.inactive_until) == (
        dt.date(2028, 11, 2),
        dt.date(2031, 11, 2),
    )

    # WHEN the daily sweep runs before the active period ends THEN nothing moves
    with time_machine.travel(dt.datetime(2028, 11, 1, 9, tzinfo=dt.UTC)):
        assert retention_sweep.call()["deactivated"] == 0
    # WHEN it runs after THEN the record is inactive, and a second run changes nothing
    with time_machine.travel(ACTIVE_OVER):
        counts = retention_sweep.call()
        assert counts["deactivated"] == 1 and counts["proposals"] == 0
        assert retention_sweep.call() == {
            "deactivated": 0,
            "proposed": 0,
            "proposals": 0,
            "held": 0,
        }
    assert Record.objects.get(pk=record.pk).state == RecordState.INACTIVE

    # WHEN the inactive period is over THEN one draft proposal holds the record, once
    with time_machine.travel(INACTIVE_OVER):
        assert disposal.retention_sweep()["proposed"] == 1
        assert disposal.retention_sweep()["proposed"] == 0
        proposal = DisposalProposal.objects.get(tenant=w.tenant)
        assert proposal.state == ProposalState.DRAFT
        assert [(i.record_id, i.action) for i in proposal.items.all()] == [
            (record.pk, Fate.DESTROY)
        ]

        # WHEN the archivist submits and the two approvers approve in order
        disposal.proposal_submit(proposal=proposal, by=w.archivist)
        disposal.proposal_decide(proposal=proposal, by=approver1, decision=Decision.APPROVED)
        assert DisposalProposal.objects.get(pk=proposal.pk).state == ProposalState.PENDING
        disposal.proposal_decide(proposal=proposal, by=approver2, decision=Decision.APPROVED)
        assert DisposalProposal.objects.get(pk=proposal.pk).state == ProposalState.APPROVED

        # AND the archivist executes it
        with django_capture_on_commit_callbacks(execute=True):
            result = disposal.proposal_execute(proposal=proposal, by=w.archivist)

    # THEN the record is a tombstone: metadata kept, files gone from storage
    assert [r.pk for r in result.destroyed] == [record.pk] and not result.skipped
    dead = Record.objects.get(pk=record.pk)
    assert dead.state == RecordState.DESTROYED and dead.title == record.title
    row = RecordFile.objects.get(pk=stored.pk)
    assert row.deleted_at is not None and not row.file and row.sha256 == stored.sha256
    assert not storage.exists(name)
    assert "record.destroyed" in [x.action for x in transition_log_for(dead)]

    # AND the berita acara is a permanent record under 000.5 listing record, approvers, date
    proposal = DisposalProposal.objects.get(pk=proposal.pk)
    assert proposal.state == ProposalState.EXECUTED
    report = proposal.report
    assert report.state == RecordState.PERMANENT and report.fate == Fate.PERMANENT
    assert report.classification.code == "000.5"
    text = _pdf_text(report)
    assert "BERITA ACARA PEMUSNAHAN ARSIP" in text
    assert record.title in text and "000.1" in text
    assert approver1.display_name in text and "Kepala Dispusip" in text
    assert approver2.display_name in text and "Sekretaris Daerah" in text
    assert "1 Desember 2031" in text


def test_a_hold_blocks_the_sweep_and_the_execution(world):
    w = world
    archive_setup(w)
    # GIVEN two letters' records whose retention ended
    first, second = _file_letter(w), _file_letter(w)
    with time_machine.travel(ACTIVE_OVER):
        disposal.retention_sweep()
    with time_machine.travel(INACTIVE_OVER):
        # AND the first is under a hold (an audit) before the sweep
        hold = disposal.hold_place(
            tenant=w.tenant,
            title="Pemeriksaan BPK",
            reason="Audit 2031",
            records=[first],
            by=w.archivist,
        )
        # WHEN the sweep runs THEN only the second is proposed and the held one is counted
        counts = disposal.retention_sweep()
        assert (counts["proposed"], counts["held"]) == (1, 1)
        proposal = DisposalProposal.objects.get(tenant=w.tenant)
        assert list(proposal.items.values_list("record_id", flat=True)) == [second.pk]
        disposal.proposal_submit(proposal=proposal, by=w.archivist)
        disposal.proposal_decide(
            proposal=proposal, by=w.users["dispusip_head"], decision=Decision.APPROVED
        )
        disposal.proposal_decide(proposal=proposal, by=w.sekda, decision=Decision.APPROVED)
        # WHEN the second is put under the hold after approval
        disposal.hold_add_records(hold=hold, records=[second], by=w.archivist)
        result = disposal.proposal_execute(proposal=proposal, by=w.archivist)
    # THEN it is skipped and reported, not destroyed; its file is still there
    assert not result.destroyed and [r.pk for r, _why in result.skipped] == [second.pk]
    kept = Record.objects.get(pk=second.pk)
    assert kept.state == RecordState.INACTIVE and kept.files.get().deleted_at is None
    assert DisposalProposal.objects.get(pk=proposal.pk).report is None
    # AND once the hold is released, the next sweep proposes both again
    with time_machine.travel(INACTIVE_OVER + dt.timedelta(days=1)):
        disposal.hold_release(hold=hold, reason="Audit selesai", by=w.archivist)
        assert disposal.retention_sweep()["proposed"] == 2
