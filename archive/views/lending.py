"""Pages of the archive: loans of paper records (peminjaman arsip)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from core.actions import post_action
from workflows.selectors import transition_log_for

from ..choices import LoanState
from ..models import Record
from ..permissions import can_cancel_loan, can_decide_loan
from ..selectors import lending as sel
from ..services import lending as svc

TABS = {
    "mine": (gettext_lazy("My loans"), sel.loans_mine),
    "decide": (gettext_lazy("To decide"), sel.loans_to_decide),
    "overdue": (gettext_lazy("Overdue"), sel.loans_overdue),
}


def _record_url(record_pk: int) -> str:
    try:
        return reverse("archive:record", args=[record_pk])
    except NoReverseMatch:  # the record pages may not be there yet
        return reverse("archive:loans")


@login_required
def loan_list(request):
    tab = request.GET.get("tab", "mine")
    if tab not in TABS:
        tab = "mine"
    qs = TABS[tab][1](request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = {key: fn(request.user).count() for key, (_label, fn) in TABS.items() if key != tab}
    counts[tab] = page.paginator.count
    return render(
        request,
        "archive/loan_list.html",
        {
            "tab": tab,
            "tabs": [(key, str(label), counts[key]) for key, (label, _fn) in TABS.items()],
            "page": page,
            "today": sel.tenant_today(request.user.tenant),
        },
    )


@login_required
def loan_detail(request, pk):
    loan = sel.loan_get_for_user(request.user, pk)
    decide = can_decide_loan(request.user, loan)
    return render(
        request,
        "archive/loan.html",
        {
            "loan": loan,
            "today": sel.tenant_today(request.user.tenant),
            "decide": decide,
            "cancel": can_cancel_loan(request.user, loan)
            and loan.state in (LoanState.REQUESTED, LoanState.APPROVED),
            "history": transition_log_for(loan),
            "record_url": _record_url(loan.record_id),
        },
    )


def _back(request, pk=None, **_kw) -> str:
    return reverse("archive:loan", args=[pk]) if pk else reverse("archive:loans")


def _back_to_record(request, pk=None, **_kw) -> str:
    return _record_url(pk)


ALREADY = gettext_lazy("This loan has already moved on; the page shows where it stands now.")


@post_action(_back_to_record)
def loan_request(request, pk):
    record = Record.objects.visible_to(request.user).filter(pk=pk).first()
    if record is None:
        raise Http404
    loan = svc.loan_request(record=record, by=request.user, purpose=request.POST.get("purpose", ""))
    messages.success(request, _("Your request is sent to the archivist."))
    return redirect("archive:loan", loan.pk)


def _due(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("Give the due date as a date.")) from None


@post_action(_back, conflicts=(TransitionNotAllowed,), conflict_message=ALREADY)
def loan_action(request, pk, action):
    loan = sel.loan_get_for_user(request.user, pk)
    post, by = request.POST, request.user
    if action == "approve":
        svc.loan_approve(loan=loan, by=by, note=post.get("note", ""))
        messages.success(request, _("The loan is approved."))
    elif action == "reject":
        svc.loan_reject(loan=loan, by=by, note=post.get("note", ""))
        messages.success(request, _("The request is rejected."))
    elif action == "lend":
        svc.loan_lend(loan=loan, by=by, due_date=_due(post.get("due_date", "")))
        messages.success(request, _("The record is lent."))
    elif action == "return":
        svc.loan_return(loan=loan, by=by)
        messages.success(request, _("The record is back."))
    elif action == "cancel":
        svc.loan_cancel(loan=loan, by=by, note=post.get("note", ""))
        messages.success(request, _("The loan is cancelled."))
    else:
        raise Http404
    return redirect("archive:loan", loan.pk)
