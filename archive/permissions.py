"""Who may do what in the archive. Reads of many records use `Record.objects.visible_to`;
these answer for one object and agree with it."""

from __future__ import annotations

from organizations.permissions import can_admin_tenant

from .choices import Medium, RecordState
from .models import Classification, DisposalProposal, Loan, Record
from .querysets import ALL, archivist_scope


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


def can_manage_file_plan(user, tenant) -> bool:
    """May edit the classifications and their retention rules."""
    return is_records_unit_archivist(user) or can_admin_tenant(user, tenant)


def can_manage_disposal(user) -> bool:
    """May prepare disposal proposals, place and release legal holds, run the sweep."""
    return is_records_unit_archivist(user)


def can_view_proposal(user, proposal: DisposalProposal) -> bool:
    """Archivists of the records unit and the proposal's approvers."""
    if not user.is_authenticated or user.tenant_id != proposal.tenant_id:
        return False
    if is_records_unit_archivist(user):
        return True
    from organizations.selectors import positions_held

    held = set(positions_held(user).values_list("pk", flat=True))
    return proposal.approvals.filter(position_id__in=held).exists()


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
