"""Pages of the archive: disposal proposals (usul musnah) approved in turn and carried out with
a berita acara, the retention sweep on demand, and legal holds."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from core.actions import post_action
from workflows.selectors import transition_log_for

from ..choices import Decision, Fate, ProposalState
from ..forms import HoldForm, HoldRecordsForm
from ..permissions import (
    can_decide_proposal,
    can_manage_disposal,
    can_sign_disposal_report,
    proposal_step_holders,
)
from ..selectors import disposal as sel
from ..services import disposal as svc
from ..services import holds
from .acts import report_sign_context, report_sign_run

PAGE = 50

ALREADY = gettext_lazy("This proposal has already moved on; the page shows where it stands now.")


@login_required
def proposal_list(request):
    page = Paginator(sel.proposals_visible_to(request.user), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "archive/proposal_list.html",
        {
            "page": page,
            "manage": can_manage_disposal(request.user),
        },
    )


@login_required
def proposal_detail(request, pk):
    user = request.user
    proposal = sel.proposal_get_for_user(user, pk)
    manage = can_manage_disposal(user)
    holders = proposal_step_holders(proposal)
    return render(
        request,
        "archive/proposal.html",
        {
            "proposal": proposal,
            "items": sel.proposal_items(proposal),
            "steps": [(step, holders.get(step.step, [])) for step in sel.proposal_steps(proposal)],
            "history": transition_log_for(proposal),
            "report_files": sel.proposal_report_files(user, proposal),
            "manage": manage,
            "draft": manage and proposal.state == ProposalState.DRAFT,
            "cancel": manage and proposal.state in (ProposalState.DRAFT, ProposalState.PENDING),
            "execute": manage and proposal.state == ProposalState.APPROVED,
            "decide": can_decide_proposal(user, proposal),
            **report_sign_context(user, may_sign=can_sign_disposal_report(user, proposal)),
            "fates": [(Fate.DESTROY, Fate.DESTROY.label), (Fate.PERMANENT, Fate.PERMANENT.label)],
            "max_years": svc.MAX_EXTEND_YEARS,
        },
    )


def _back(request, pk=None, **_kw) -> str:
    return reverse("archive:proposal", args=[pk]) if pk else reverse("archive:proposals")


def _still(proposal, *states: str) -> None:
    """A proposal that left `states` (a second click, another tab) is a conflict."""
    if proposal.state not in states:
        raise TransitionNotAllowed


def _years(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Give the number of years as a whole number.")) from None


def _decide(request, proposal, decision: str) -> None:
    _still(proposal, ProposalState.PENDING)
    user = request.user
    if not can_decide_proposal(user, proposal) and sel.proposal_decided_by(proposal, user):
        raise TransitionNotAllowed  # their step is done: a second click
    svc.proposal_decide(
        proposal=proposal, by=user, decision=decision, note=request.POST.get("note", "")
    )


def _item(proposal, request):
    _still(proposal, ProposalState.DRAFT)
    item = sel.proposal_item(proposal, request.POST.get("item"))
    if item is None:  # already removed or kept longer
        raise TransitionNotAllowed
    return item


@post_action(_back, conflicts=(TransitionNotAllowed,), conflict_message=ALREADY)
def proposal_action(request, pk, action):
    proposal = sel.proposal_get_for_user(request.user, pk)
    post, by = request.POST, request.user
    if action == "submit":
        svc.proposal_submit(proposal=proposal, by=by)
        messages.success(request, _("The proposal is sent to its first approver."))
    elif action == "cancel":
        svc.proposal_cancel(proposal=proposal, by=by, note=post.get("note", ""))
        messages.success(request, _("The proposal is withdrawn; its records are free again."))
    elif action == "approve":
        _decide(request, proposal, Decision.APPROVED)
        messages.success(request, _("You approved the proposal."))
    elif action == "reject":
        _decide(request, proposal, Decision.REJECTED)
        messages.success(request, _("You rejected the proposal; its records are free again."))
    elif action == "execute":
        _still(proposal, ProposalState.APPROVED)
        _executed(request, svc.proposal_execute(proposal=proposal, by=by))
    elif action == "sign-report":
        _sign_report(request, proposal)
    elif action == "item-decide":
        svc.proposal_item_decide(item=_item(proposal, request), action=post.get("fate", ""), by=by)
        messages.success(request, _("The record's fate is set."))
    elif action == "item-keep":
        years = _years(post.get("years", ""))
        svc.proposal_item_decide(item=_item(proposal, request), action="extend", years=years, by=by)
        messages.success(
            request,
            _("The record is kept %(n)s years more and leaves the proposal.") % {"n": years},
        )
    elif action == "item-remove":
        svc.proposal_item_remove(item=_item(proposal, request), by=by)
        messages.success(request, _("The record is taken out of the proposal."))
    else:
        raise Http404
    return redirect("archive:proposal", proposal.pk)


def _sign_report(request, proposal) -> None:
    """The approver signs the berita acara with their passphrase (see `report_sign_run`)."""
    sign = functools.partial(svc.disposal_report_sign, proposal=proposal)
    if report_sign_run(request, sign):
        messages.success(request, _("The berita acara is signed."))


def _executed(request, result: svc.Execution) -> None:
    messages.success(
        request,
        _("The proposal is carried out: %(d)s destroyed, %(p)s made permanent.")
        % {"d": len(result.destroyed), "p": len(result.made_permanent)},
    )
    for record, why in result.skipped:
        messages.warning(
            request, _("Skipped %(record)s: %(why)s.") % {"record": record, "why": why}
        )


@post_action(lambda request, **_kw: reverse("archive:proposals"))
def disposal_sweep(request):
    if not can_manage_disposal(request.user):
        raise Http404
    counts = svc.retention_sweep(tenant_id=request.user.tenant_id)
    messages.success(
        request,
        _(
            "Sweep done: %(deactivated)s records became inactive, "
            "%(proposed)s proposed for disposal in %(proposals)s new "
            "proposal(s), %(held)s kept back by a legal hold."
        )
        % counts,
    )
    return redirect("archive:proposals")


# --- legal holds ---


def _manager(request) -> None:
    if not can_manage_disposal(request.user):
        raise Http404


@login_required
def hold_list(request):
    _manager(request)
    page = Paginator(sel.holds_visible_to(request.user), PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/hold_list.html", {"page": page})


def _form_error(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form (on its field when the form has one)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def hold_new(request):
    _manager(request)
    user = request.user
    if request.method == "POST":
        form = HoldForm(request.POST, tenant_id=user.tenant_id)
        if form.is_valid():
            try:
                hold = holds.hold_place(tenant=request.tenant, by=user, **form.cleaned_data)
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(
                    request,
                    _("The hold is placed on %(n)s records.")
                    % {"n": len(form.cleaned_data["records"])},
                )
                return redirect("archive:hold", hold.pk)
    else:  # a link from a record page may name records: ?records=12,13
        form = HoldForm(
            initial={"records": request.GET.get("records", "")[:2000]}, tenant_id=user.tenant_id
        )
    return render(request, "archive/hold.html", {"form": form, "hold": None})


@login_required
def hold_detail(request, pk):
    user = request.user
    hold = sel.hold_get_for_user(user, pk)
    form = HoldRecordsForm(request.POST or None, tenant_id=user.tenant_id)
    if request.method == "POST" and form.is_valid():
        try:
            added = holds.hold_add_records(hold=hold, records=form.cleaned_data["records"], by=user)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(n)s records added to the hold.") % {"n": added})
            return redirect("archive:hold", hold.pk)
    return render(
        request,
        "archive/hold.html",
        {
            "hold": hold,
            "records": sel.hold_records(hold),
            "history": transition_log_for(hold),
            "form": form if hold.is_active or form.errors else None,
        },
    )


@post_action(lambda request, pk, **_kw: reverse("archive:hold", args=[pk]))
def hold_release(request, pk):
    hold = sel.hold_get_for_user(request.user, pk)
    holds.hold_release(hold=hold, reason=request.POST.get("reason", ""), by=request.user)
    messages.success(request, _("The hold is released."))
    return redirect("archive:hold", hold.pk)
