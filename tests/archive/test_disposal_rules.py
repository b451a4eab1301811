"""Disposal rules at the service level: approvals in the tenant's order, rejection, review
(keep N years more), what a proposal may hold, execution once and its berita acara."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed
from pypdf import PdfReader

from archive.choices import Decision, Fate, ProposalState, RecordState
from archive.models import DisposalProposal, Record
from archive.permissions import can_decide_proposal, can_view_record
from archive.services import disposal
from organizations.choices import RoleKind
from organizations.services import role_grant

from .disposal_helpers import approved, inactive, proposed
from .helpers import archive_setup, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    archive_setup(world)
    world.old = inactive(world, title="Daftar hadir apel pagi 2015")
    return world


def test_the_second_approver_waits_for_the_first(setup):
    w = setup
    p = proposed(w, w.old)
    disposal.proposal_submit(proposal=p, by=w.archivist)
    # WHEN the Sekda (second step) tries before the head of Dispusip (first step)
    with pytest.raises(PermissionDenied):
        disposal.proposal_decide(proposal=p, by=w.sekda, decision=Decision.APPROVED)
    # THEN nothing is decided; the head of Dispusip may decide, the Sekda may not yet
    p = DisposalProposal.objects.get(pk=p.pk)
    assert p.state == ProposalState.PENDING
    assert not p.approvals.exclude(decision="").exists()
    assert can_decide_proposal(w.users["dispusip_head"], p)
    assert not can_decide_proposal(w.sekda, p)
    disposal.proposal_decide(proposal=p, by=w.users["dispusip_head"], decision=Decision.APPROVED)
    assert can_decide_proposal(w.sekda, p)
    p = disposal.proposal_decide(proposal=p, by=w.sekda, decision=Decision.APPROVED)
    assert p.state == ProposalState.APPROVED
    assert list(p.approvals.order_by("step").values_list("decided_by", flat=True)) == [
        w.users["dispusip_head"].pk,
        w.sekda.pk,
    ]


def test_a_rejection_needs_a_reason_and_frees_the_records(setup):
    w = setup
    p = proposed(w, w.old)
    disposal.proposal_submit(proposal=p, by=w.archivist)
    head = w.users["dispusip_head"]
    with pytest.raises(ValidationError):
        disposal.proposal_decide(proposal=p, by=head, decision=Decision.REJECTED, note="  ")
    p = disposal.proposal_decide(
        proposal=p, by=head, decision=Decision.REJECTED, note="Masih dipakai untuk audit"
    )
    assert p.state == ProposalState.REJECTED
    # The record is free again: a new proposal may take it
    again = proposed(w, Record.objects.get(pk=w.old.pk))
    assert again.items.get().record_id == w.old.pk


def test_a_record_is_in_one_open_proposal_and_only_when_due(setup):
    w = setup
    proposed(w, w.old)
    with pytest.raises(ValidationError):
        proposed(w, w.old)
    young = record(w, title="Masih aktif", document_date=dt.date.today())
    with pytest.raises(ValidationError):
        proposed(w, young)
    role_grant(user=w.users["foreign_admin"], kind=RoleKind.RECORDS_OFFICER)
    foreign = record(
        w,
        title="Arsip Tangerang",
        unit="t_kominfo",
        tenant=w.other_tenant,
        by=w.users["foreign_admin"],
    )
    with pytest.raises(PermissionDenied):
        disposal.proposal_create(tenant=w.tenant, records=[foreign], by=w.archivist)


def test_only_the_records_unit_prepares_proposals(setup):
    w = setup
    for user in (w.head, w.sekda, w.users["dispusip_head"], w.drafter):
        with pytest.raises(PermissionDenied):
            disposal.proposal_create(tenant=w.tenant, records=[w.old], by=user)
    assert not DisposalProposal.objects.exclude(state=ProposalState.CANCELLED).exists()


def test_review_keeps_the_record_more_years_and_takes_it_out_of_the_draft(setup):
    w = setup
    p = proposed(w, w.old)
    before = Record.objects.get(pk=w.old.pk).inactive_until
    item = p.items.get()
    assert (
        disposal.proposal_item_decide(item=item, action="extend", by=w.archivist, years=5) is None
    )
    after = Record.objects.get(pk=w.old.pk)
    assert after.state == RecordState.INACTIVE
    assert after.inactive_until == before.replace(year=before.year + 5)
    assert not p.items.exists()
    with pytest.raises(ValidationError):
        disposal.record_review_extend(record=after, years=0, by=w.archivist)


def test_an_item_can_be_kept_permanently_instead(setup):
    w = setup
    p = proposed(w, w.old)
    disposal.proposal_item_decide(item=p.items.get(), action=Fate.PERMANENT, by=w.archivist)
    result = disposal.proposal_execute(proposal=approved(w, p), by=w.archivist)
    assert [r.pk for r in result.made_permanent] == [w.old.pk] and not result.destroyed
    kept = Record.objects.get(pk=w.old.pk)
    assert kept.state == RecordState.PERMANENT
    assert kept.files.filter(deleted_at__isnull=True).exists()


def test_execution_happens_once_and_files_one_berita_acara(setup):
    w = setup
    p = approved(w, proposed(w, w.old))
    # Not yet approved proposals and other people cannot carry it out
    with pytest.raises(PermissionDenied):
        disposal.proposal_execute(proposal=p, by=w.sekda)
    result = disposal.proposal_execute(proposal=p, by=w.archivist)
    assert [r.pk for r in result.destroyed] == [w.old.pk]
    with pytest.raises((ValidationError, TransitionNotAllowed)):
        disposal.proposal_execute(proposal=p, by=w.archivist)
    p = DisposalProposal.objects.get(pk=p.pk)
    assert p.state == ProposalState.EXECUTED and p.report is not None
    assert Record.objects.filter(source_id=p.pk, title__startswith="Berita acara").count() == 1
    report = p.report
    assert report.state == RecordState.PERMANENT
    f = report.files.get()
    with f.file.open("rb") as fh:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(fh.read())).pages)
    assert "Daftar hadir apel pagi 2015" in text
    assert w.users["dispusip_head"].display_name in text and w.sekda.display_name in text
    gone = Record.objects.get(pk=w.old.pk)
    assert gone.state == RecordState.DESTROYED and gone.title == "Daftar hadir apel pagi 2015"
    assert not gone.files.filter(deleted_at__isnull=True).exists()


def test_a_hold_placed_after_approval_spares_the_record(setup):
    w = setup
    p = approved(w, proposed(w, w.old))
    disposal.hold_place(
        tenant=w.tenant,
        title="Perkara PTUN",
        reason="Gugatan 12/2026",
        records=[w.old],
        by=w.archivist,
    )
    result = disposal.proposal_execute(proposal=p, by=w.archivist)
    assert not result.destroyed and [r.pk for r, _why in result.skipped] == [w.old.pk]
    assert Record.objects.get(pk=w.old.pk).state == RecordState.INACTIVE


def test_the_approvers_may_open_the_berita_acara_and_others_may_not(setup):
    w = setup
    p = approved(w, proposed(w, w.old))
    disposal.proposal_execute(proposal=p, by=w.archivist)
    report = DisposalProposal.objects.get(pk=p.pk).report
    for user in (w.archivist, w.users["dispusip_head"], w.sekda):
        assert can_view_record(user, report), user
    for user in (w.head, w.drafter, w.foreigner):
        assert not can_view_record(user, report), user


def test_a_sweep_for_one_tenant_leaves_the_others(setup):
    w = setup
    role_grant(user=w.users["foreign_admin"], kind=RoleKind.RECORDS_OFFICER)
    foreign = record(
        w,
        title="Arsip lama Tangerang",
        unit="t_kominfo",
        tenant=w.other_tenant,
        by=w.users["foreign_admin"],
        document_date=dt.date(2015, 1, 5),
    )
    counts = disposal.retention_sweep(tenant_id=w.tenant.pk)
    assert counts["deactivated"] == 0  # Medan's old record was made inactive by the fixture
    assert Record.objects.get(pk=foreign.pk).state == RecordState.ACTIVE
    disposal.retention_sweep(tenant_id=w.other_tenant.pk)
    assert Record.objects.get(pk=foreign.pk).state == RecordState.INACTIVE
