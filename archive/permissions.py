"""Who may do what in the archive: the one policy the services, selectors, views and API ask.

- "may X do Y to Z": the `can_*` functions below (one object each);
- "which Z may X see": `Record.objects.visible_to(user)` and `CaseFile.objects.visible_to(user)`
  (SQL, in `querysets.py`), `archivist_scope(user)` (the codes a user keeps), and the selectors'
  `*_visible_to(user)` built on them; the `can_view_*` functions agree with them;
- "who may do Y to Z": `proposal_step_holders(proposal)` (who decides each step),
  `archivist_scope` read the other way round by the classification's archivists.

Services call these first and raise PermissionDenied when they say no; the state machine then
answers only "is it the right moment" (a conflict, not a refusal)."""

from __future__ import annotations

from organizations.permissions import can_admin_tenant
from organizations.selectors import position_holders, positions_held

from .choices import Medium, ProposalState, RecordState, TransferState
from .models import (
    Classification,
    DisposalApproval,
    DisposalProposal,
    LegalHold,
    Loan,
    Record,
    Transfer,
)
from .querysets import ALL, archivist_scope


def can_act_in_tenant(user, tenant_id: int) -> bool:
    """A signed-in user of this tenant (nobody acts on another tenant's archive)."""
    return user.is_authenticated and user.tenant_id == tenant_id


def is_archivist(user, classification: Classification | None = None) -> bool:
    """Whether the user is an archivist (of the given classification, or of any)."""
    scope = archivist_scope(user)
    if scope == ALL:
        return True
    if classification is None:
        return bool(scope)
    return classification.pk in scope


def is_records_unit_archivist(user) -> bool:
    """An archivist of the whole file plan (the records unit, or tenant-wide)."""
    return archivist_scope(user) == ALL


def can_view_record(user, record: Record) -> bool:
    """May open the record (its metadata and, while kept, its files)."""
    if not user.is_authenticated or user.tenant_id != record.tenant_id:
        return False
    return Record.objects.visible_to(user).filter(pk=record.pk).exists()


def can_export_records(user) -> bool:
    """Anyone signed in may export the records they may open (the export leaves out the
    others)."""
    return user.is_authenticated


def can_file_record(user, classification: Classification | None = None) -> bool:
    """May file records directly (upload scans, import a list)."""
    return is_archivist(user, classification)


def can_edit_record(user, record: Record) -> bool:
    """May correct a kept record's description, place, case file or vital flag."""
    return (
        user.is_authenticated
        and user.tenant_id == record.tenant_id
        and record.state in RecordState.held()
        and is_archivist(user, record.classification)
    )


def can_reclassify_record(user, record: Record, classification: Classification) -> bool:
    """May move a kept record to another code: an archivist of both codes."""
    return can_edit_record(user, record) and is_archivist(user, classification)


def can_hold_record(user, record: Record) -> bool:
    """May put a record under a legal hold (a destroyed one has nothing left to hold)."""
    return record.state != RecordState.DESTROYED and can_manage_disposal(user)


def can_close_case_file(user, case_file) -> bool:
    """An archivist of its code closes an open case file."""
    return not case_file.is_closed and is_archivist(user, case_file.classification)


def can_manage_file_plan(user, tenant) -> bool:
    """May edit the classifications and their retention rules."""
    return is_records_unit_archivist(user) or can_admin_tenant(user, tenant)


def can_manage_disposal(user, tenant_id: int | None = None) -> bool:
    """May prepare disposal proposals, review records, place and release legal holds, run the
    sweep (in the given tenant, when one is named)."""
    if tenant_id is not None and not can_act_in_tenant(user, tenant_id):
        return False
    return is_records_unit_archivist(user)


def can_manage_hold(user, hold: LegalHold) -> bool:
    """May add records to a legal hold or release it."""
    return can_manage_disposal(user, hold.tenant_id)


def can_view_proposal(user, proposal: DisposalProposal) -> bool:
    """Archivists of the records unit and the proposal's approvers."""
    if not user.is_authenticated or user.tenant_id != proposal.tenant_id:
        return False
    if is_records_unit_archivist(user):
        return True
    held = set(positions_held(user).values_list("pk", flat=True))
    return proposal.approvals.filter(position_id__in=held).exists()


def proposal_current_step(proposal: DisposalProposal) -> DisposalApproval | None:
    """The first step of a proposal still waiting for its decision."""
    return proposal.approvals.filter(decision="").order_by("step").first()


def can_decide_step(user, step: DisposalApproval | None) -> bool:
    """The user holds the position of this approval step (today)."""
    return step is not None and positions_held(user).filter(pk=step.position_id).exists()


def can_decide_proposal(user, proposal: DisposalProposal) -> bool:
    """The user holds the position of the proposal's current step."""
    if proposal.state != ProposalState.PENDING or user.tenant_id != proposal.tenant_id:
        return False
    return can_decide_step(user, proposal_current_step(proposal))


def can_sign_disposal_report(user, proposal: DisposalProposal) -> bool:
    """The official who gave the proposal its final approval signs its filed berita acara
    pemusnahan, once (they were named on it when the proposal was carried out)."""
    return (
        user.is_authenticated
        and user.tenant_id == proposal.tenant_id
        and proposal.state == ProposalState.EXECUTED
        and proposal.is_report_awaiting_signature
        and proposal.report_signer_id == user.pk
    )


def proposal_step_holders(proposal: DisposalProposal) -> dict[int, list]:
    """Who holds each step's position today (step -> users): who may decide it."""
    return {
        a.step: [x.user for x in position_holders(a.position)]
        for a in proposal.approvals.select_related("position")
    }


def can_create_transfer(user, from_unit, records: list[Record]) -> bool:
    """An archivist of every record's code lists a unit's records for transfer."""
    return can_act_in_tenant(user, from_unit.tenant_id) and all(
        is_archivist(user, r.classification) for r in records
    )


def can_create_handover(user, tenant) -> bool:
    """Archivists of the records unit list permanent records for the static archive."""
    return can_act_in_tenant(user, tenant.pk) and is_records_unit_archivist(user)


def can_manage_transfer(user, transfer: Transfer) -> bool:
    """Its maker and the archivists of the records unit (send it, withdraw it)."""
    return (
        user.is_authenticated
        and user.tenant_id == transfer.tenant_id
        and (transfer.created_by_id == user.pk or is_records_unit_archivist(user))
    )


def can_receive_transfer(user, transfer: Transfer) -> bool:
    """The archivists of the records unit receive a transfer or confirm a handover."""
    return can_act_in_tenant(user, transfer.tenant_id) and is_records_unit_archivist(user)


def can_sign_transfer_report(user, transfer: Transfer) -> bool:
    """The head of the unit handing over, named when the received list was filed, signs that
    list (a handover: its berita acara penyerahan), once."""
    return (
        user.is_authenticated
        and user.tenant_id == transfer.tenant_id
        and transfer.state == TransferState.RECEIVED
        and transfer.is_report_awaiting_signature
        and transfer.report_signer_id == user.pk
    )


def can_view_transfer(user, transfer: Transfer) -> bool:
    """Whoever may manage it, the official named to sign its filed list, and the archivists
    of its records' codes."""
    if can_manage_transfer(user, transfer):
        return True
    if not user.is_authenticated or user.tenant_id != transfer.tenant_id:
        return False
    if transfer.report_signer_id == user.pk:
        return True
    return all(
        is_archivist(user, r.classification)
        for r in transfer.records.select_related("classification")
    )


def can_request_loan(user, record: Record) -> bool:
    """A paper record still kept may be borrowed by anyone who may open it."""
    return (
        record.medium in (Medium.PAPER, Medium.BOTH)
        and record.state in RecordState.held()
        and can_view_record(user, record)
    )


def can_decide_loan(user, loan: Loan) -> bool:
    """The archivists of the record's classification approve, lend and take back."""
    return (
        user.is_authenticated
        and user.tenant_id == loan.tenant_id
        and is_archivist(user, loan.record.classification)
    )


def can_view_loan(user, loan: Loan) -> bool:
    """The borrower, and the archivists who decide on it."""
    if not user.is_authenticated or user.tenant_id != loan.tenant_id:
        return False
    return loan.borrower_id == user.pk or can_decide_loan(user, loan)


def can_cancel_loan(user, loan: Loan) -> bool:
    """The borrower withdraws a request, or an archivist of the code calls off a loan that
    was never picked up. (Whether the loan's state still allows it is the state machine's
    answer: a conflict, not a refusal.)"""
    return can_view_loan(user, loan)
