"""Peminjaman arsip: a civil servant asks for a paper record, an archivist of its code approves
(or rejects), hands it over until a due date and takes it back."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from workflows.transitions import transition_fire, transition_run, transition_save

from ..choices import LoanState, RecordState
from ..models import Loan, Record
from ..permissions import can_cancel_loan, can_decide_loan, can_request_loan
from ..selectors.lending import tenant_today
from .common import log, settings_for

PURPOSE_MAX = 2000


def _tell_borrower(loan: Loan, kind: str, text: str):
    """The notification of the borrower, to send after the commit (a rolled-back change tells
    nobody)."""
    borrower, url = loan.borrower, reverse("archive:loan", args=[loan.pk])
    return lambda: notify([borrower], kind, loan, text=text, url=url)


def _locked(loan: Loan) -> Loan:
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("tenant", "record__classification", "borrower")
        .get(pk=loan.pk)
    )


@transaction.atomic
def loan_request(*, record: Record, by, purpose: str) -> Loan:
    """Ask to borrow a paper record that is still kept. Raises PermissionDenied (may not
    open it, a digital-only or disposed record) or ValidationError (no purpose, or the same
    person already has an open request for it)."""
    # The record's row serialises requests for it (no two open requests by one borrower).
    record = (
        Record.objects.select_for_update(of=("self",))
        .select_related("classification")
        .get(pk=record.pk)
    )
    if not can_request_loan(by, record):
        raise PermissionDenied
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say what you need the record for.")})
    if len(purpose) > PURPOSE_MAX:
        raise ValidationError({"purpose": _("The purpose is too long.")})
    if Loan.objects.filter(record=record, borrower=by, state__in=LoanState.open()).exists():
        raise ValidationError(_("You already have an open request for this record."))
    loan = Loan(
        tenant_id=record.tenant_id,
        record=record,
        borrower=by,
        purpose=purpose,
        requested_at=timezone.now(),
    )
    loan.save()
    log(loan, action="loan.requested", by=by, target=loan.state, note=purpose[:200])
    return loan


@transaction.atomic
def loan_approve(*, loan: Loan, by, note: str = "") -> Loan:
    """Promise the record to the borrower. Raises PermissionDenied, TransitionNotAllowed
    (already decided) or ValidationError (the record is out or promised to someone else)."""
    loan = _locked(loan)
    if not can_decide_loan(by, loan):
        raise PermissionDenied
    Record.objects.select_for_update().filter(pk=loan.record_id).first()
    fired = transition_fire(loan, "approve", at=timezone.now(), actor=by, note=(note or "").strip())
    out = Loan.objects.filter(
        record_id=loan.record_id, state__in=[LoanState.APPROVED, LoanState.LENT]
    ).exclude(pk=loan.pk)
    if out.exists():
        raise ValidationError(_("This record is already lent or promised to someone else."))
    try:
        with transaction.atomic():  # the database constraint is the last word in a race
            loan.save()
    except IntegrityError:
        raise ValidationError(
            _("This record is already lent or promised to someone else.")
        ) from None
    text = _("Your loan of %(record)s is approved; collect it at the records unit.") % {
        "record": loan.record
    }
    transition_save(
        loan,
        fired,
        action="loan.approved",
        by=by,
        note=note,
        save=False,
        on_commit=[_tell_borrower(loan, "loan.approved", text)],
    )
    return loan


@transaction.atomic
def loan_reject(*, loan: Loan, by, note: str) -> Loan:
    """Refuse a request, saying why. Raises PermissionDenied, TransitionNotAllowed or
    ValidationError (no reason)."""
    loan = _locked(loan)
    if not can_decide_loan(by, loan):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the request is rejected.")})
    text = _("Your loan request for %(record)s was rejected.") % {"record": loan.record}
    # Fired and saved in two steps: the note goes both to the loan and to its audit row.
    fired = transition_fire(loan, "reject", at=timezone.now(), actor=by, note=note)
    transition_save(
        loan,
        fired,
        action="loan.rejected",
        by=by,
        note=note,
        on_commit=[_tell_borrower(loan, "loan.rejected", text)],
    )
    return loan


@transaction.atomic
def loan_lend(*, loan: Loan, by, due_date: dt.date | None = None) -> Loan:
    """Hand the record over until `due_date` (default: today in the tenant's zone plus the
    tenant's loan period). Raises PermissionDenied, TransitionNotAllowed or ValidationError
    (a due date in the past)."""
    loan = _locked(loan)
    if not can_decide_loan(by, loan):
        raise PermissionDenied
    if loan.record.state not in RecordState.held():
        raise ValidationError(_("This record is no longer kept."))
    today = tenant_today(loan.tenant)
    if due_date is None:
        due_date = today + dt.timedelta(days=settings_for(loan.tenant_id).loan_days)
    elif due_date < today:
        raise ValidationError({"due_date": _("The due date cannot be in the past.")})
    text = _("You borrowed %(record)s; return it by %(due)s.") % {
        "record": loan.record,
        "due": due_date.strftime("%d-%m-%Y"),
    }
    return transition_run(
        loan,
        "lend",
        action="loan.lent",
        by=by,
        check_perm=False,
        lock=False,
        note=due_date.isoformat(),
        on_commit=[_tell_borrower(loan, "loan.lent", text)],
        at=timezone.now(),
        due=due_date,
    )


@transaction.atomic
def loan_return(*, loan: Loan, by) -> Loan:
    """The archivist takes the record back. Raises PermissionDenied or TransitionNotAllowed
    (not lent, e.g. already returned)."""
    loan = _locked(loan)
    if not can_decide_loan(by, loan):
        raise PermissionDenied
    text = _("%(record)s is back at the records unit. Thank you.") % {"record": loan.record}
    return transition_run(
        loan,
        "give_back",
        action="loan.returned",
        by=by,
        check_perm=False,
        lock=False,
        on_commit=[_tell_borrower(loan, "loan.returned", text)],
        at=timezone.now(),
        actor=by,
    )


@transaction.atomic
def loan_cancel(*, loan: Loan, by, note: str = "") -> Loan:
    """Withdraw a request or call off an approved loan that was not picked up (the borrower,
    or an archivist of the code). Raises PermissionDenied or TransitionNotAllowed."""
    loan = _locked(loan)
    if not can_cancel_loan(by, loan):
        raise PermissionDenied
    # The borrower who withdraws needs no word of it; anyone else's call-off is told.
    text = _("Your loan of %(record)s was called off.") % {"record": loan.record}
    told = [] if by.pk == loan.borrower_id else [_tell_borrower(loan, "loan.cancelled", text)]
    return transition_run(
        loan,
        "cancel",
        action="loan.cancelled",
        by=by,
        check_perm=False,
        lock=False,
        note=(note or "").strip(),
        on_commit=told,
    )
