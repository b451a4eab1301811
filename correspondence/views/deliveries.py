"""Deliveries and dispositions: disposition a delivery, finish it, report, confirm, cancel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from core import offline
from workflows.choices import SecurityLevel

from .. import hooks, selectors
from .. import permissions as policy
from .. import services as svc
from ..forms import (
    DispositionForm,
    ReportForm,
)
from .common import acts, form_errors, letter_url


@login_required
def disposition_new(request, pk):
    """Disposition a delivery (or pass a disposition further down with `parent`); the TU
    prepares one for the head to confirm."""
    delivery = selectors.delivery_get_for_user(request.user, pk)
    offline.mark_confidential(request, confidential=delivery.is_confidential)
    parent = None
    if request.GET.get("parent") or request.POST.get("parent"):
        parent = selectors.disposition_get_for_user(
            request.user, request.GET.get("parent") or request.POST.get("parent")
        )
    try:
        issued_as = policy.disposition_issuer(delivery, parent=parent)
    except ValidationError as exc:  # a unit without a head: nobody issues its dispositions
        for message in exc.messages:
            messages.error(request, message)
        return redirect(letter_url(delivery.letter))
    prepare = not policy.can_disposition_delivery(request.user, delivery) and parent is None
    below = policy.positions_below(issued_as)
    form = DispositionForm(
        request.POST or None,
        positions=below,
        instructions=selectors.instructions_for(delivery.tenant_id),
    )
    # For an invitation: who below is already expected elsewhere at that time.
    busy = hooks.event_clashes(delivery.letter, [p.pk for p in below])
    clashes = [(p, busy[p.pk]) for p in below if p.pk in busy]
    if request.method == "POST" and form.is_valid():
        try:
            svc.disposition_create(
                delivery=delivery,
                by=request.user,
                parent=parent,
                prepare=prepare,
                to_positions=list(form.cleaned_data["to_positions"]),
                instructions=form.cleaned_data["instructions"],
                note=form.cleaned_data["note"],
                due_date=form.cleaned_data["due_date"],
                urgency=form.cleaned_data["urgency"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except (PermissionDenied, TransitionNotAllowed):
            raise Http404 from None
        else:
            messages.success(request, _("Disposition sent.") if not prepare else _("Prepared."))
            return redirect(letter_url(delivery.letter))
    return render(
        request,
        "correspondence/disposition_form.html",
        {
            "form": form,
            "delivery": delivery,
            "parent": parent,
            "prepare": prepare,
            "clashes": clashes,
        },
    )


@acts
def delivery_finish(request, pk):
    delivery = selectors.delivery_get_for_user(request.user, pk)
    svc.delivery_finish(delivery=delivery, by=request.user)
    messages.success(request, _("Marked as done."))
    return redirect(letter_url(delivery.letter))


@login_required
def disposition_report(request, pk):
    d = selectors.disposition_get_for_user(request.user, pk)
    offline.mark_confidential(request, confidential=d.security in SecurityLevel.confidential())
    if request.method == "GET" and policy.can_act_on_disposition(request.user, d):
        svc.disposition_open(disposition=d, by=request.user)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.disposition_report(
                disposition=d,
                by=request.user,
                text=form.cleaned_data["text"],
                upload=form.cleaned_data["file"],
            )
        except (TransitionNotAllowed, ConcurrentTransition):
            messages.warning(request, _("That was already done, or the letter has moved on."))
        except PermissionDenied:
            messages.error(request, _("You may not do that."))
        else:
            messages.success(request, _("Report sent."))
        return redirect(letter_url(d.letter))
    return render(request, "correspondence/report_form.html", {"form": form, "disposition": d})


DISPOSITION_ACTIONS = {
    "confirm": svc.disposition_confirm,
    "cancel": svc.disposition_cancel,
    "open": svc.disposition_open,
}


@acts
def disposition_action(request, pk, action):
    d = selectors.disposition_get_for_user(request.user, pk)
    if action not in DISPOSITION_ACTIONS:
        raise Http404
    DISPOSITION_ACTIONS[action](disposition=d, by=request.user)
    return redirect(letter_url(d.letter))
