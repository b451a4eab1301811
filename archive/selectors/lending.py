"""Reads of loans (peminjaman arsip): what a user may see, their own, those to decide, overdue."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ..choices import LoanState
from ..models import Loan
from ..querysets import ALL, archivist_scope


def tenant_today(tenant) -> dt.date:
    """Today in the tenant's time zone (due dates are calendar days there)."""
    return timezone.localdate(timezone=ZoneInfo(tenant.time_zone))


def _with_related(qs: QuerySet[Loan]) -> QuerySet[Loan]:
    return qs.select_related("record", "record__classification", "borrower", "decided_by")


def _decidable(user) -> Q | None:
    """The loans a user decides on as archivist (None: none)."""
    scope = archivist_scope(user)
    if scope == ALL:
        return Q()
    if scope:
        return Q(record__classification_id__in=scope)
    return None


def loans_visible_to(user) -> QuerySet[Loan]:
    """Loans the user may open: their own, and those of records they are archivist of."""
    if not user.is_authenticated or user.tenant_id is None:
        return Loan.objects.none()
    decidable = _decidable(user)
    if decidable is None:
        allowed = Q(borrower_id=user.pk)
    elif not decidable:  # archivist of the whole file plan
        allowed = Q()
    else:
        allowed = Q(borrower_id=user.pk) | decidable
    return _with_related(Loan.objects.filter(tenant_id=user.tenant_id).filter(allowed))


def loan_get_for_user(user, pk) -> Loan:
    """One loan the user may open; a hidden or foreign one is a 404."""
    try:
        return loans_visible_to(user).get(pk=int(pk))
    except (Loan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def loans_mine(user) -> QuerySet[Loan]:
    """The user's own loans, newest first."""
    if not user.is_authenticated or user.tenant_id is None:
        return Loan.objects.none()
    return _with_related(Loan.objects.filter(tenant_id=user.tenant_id, borrower_id=user.pk))


def loans_to_decide(user) -> QuerySet[Loan]:
    """Requests to approve, approved loans to hand over and lent ones to take back, of the
    records the user is archivist of; oldest request first."""
    if not user.is_authenticated or user.tenant_id is None:
        return Loan.objects.none()
    decidable = _decidable(user)
    if decidable is None:
        return Loan.objects.none()
    qs = Loan.objects.filter(tenant_id=user.tenant_id, state__in=LoanState.open())
    return _with_related(qs.filter(decidable)).order_by("requested_at", "pk")


def loans_overdue(user, *, today: dt.date | None = None) -> QuerySet[Loan]:
    """Lent loans past their due date that the user decides on (or borrowed), the longest
    overdue first."""
    if not user.is_authenticated or user.tenant_id is None:
        return Loan.objects.none()
    today = today or tenant_today(user.tenant)
    return (
        loans_visible_to(user)
        .filter(state=LoanState.LENT, due_date__lt=today)
        .order_by("due_date", "pk")
    )


def loan_open_for_record(record) -> Loan | None:
    """The loan that has the paper record out or promised (approved or lent), if any."""
    return (
        Loan.objects.filter(record_id=record.pk, state__in=[LoanState.APPROVED, LoanState.LENT])
        .select_related("borrower")
        .first()
    )
