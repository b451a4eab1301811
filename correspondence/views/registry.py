"""The registry: incoming paper letters, reserved numbers; and inbox delegation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions as policy
from .. import selectors
from .. import services as svc
from ..forms import (
    DelegationForm,
    IncomingForm,
    ReserveForm,
)
from .common import acts, form_errors, letter_url, page_of


@login_required
def incoming_new(request):
    """Register a letter that came in on paper or by e-mail (the unit's clerk or TU)."""
    units = policy.register_units(request.user)
    if not units.exists():
        raise Http404
    form = IncomingForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = svc.incoming_register(
                by=request.user,
                unit=data["unit"],
                sender_name=data["sender_name"],
                sender_number=data["sender_number"],
                sender_date=data["sender_date"],
                received_date=data["received_date"],
                subject=data["subject"],
                classification_code=data["classification_code"],
                security=data["security"],
                urgency=data["urgency"],
                addressed_position=data["addressed_position"],
                scan=data["scan"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Registered as %(n)s.") % {"n": delivery.agenda_number})
            return redirect(letter_url(delivery.letter))
    return render(request, "correspondence/incoming_form.html", {"form": form})


@login_required
def reservations(request):
    """Reserve numbers for letters made by hand, and the units' reserved numbers."""
    units = policy.register_units(request.user)
    if not units.exists():
        raise Http404
    form = ReserveForm(request.POST or None)
    form.fields["unit"].queryset = units
    form.fields["letter_type"].queryset = selectors.letter_types_for(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            rows = svc.numbers_reserve(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request, _("Reserved %(a)s to %(b)s.") % {"a": rows[0].number, "b": rows[-1].number}
            )
            return redirect("correspondence:reservations")
    rows = selectors.reservations_of_units(units)
    return render(
        request,
        "correspondence/reservations.html",
        {"form": form, "page": page_of(request, rows)},
    )


@acts
def reservation_action(request, pk, action):
    row = selectors.reservation_for_user(request.user, pk)
    if row is None or action not in ("bind", "release"):
        raise Http404
    if action == "release":
        svc.reservation_release(
            reservation=row, by=request.user, reason=request.POST.get("reason", "")
        )
    else:
        scan = request.FILES.get("scan")
        if scan is None:
            raise ValidationError(_("Attach the scan."))
        svc.reservation_bind(
            reservation=row, by=request.user, subject=request.POST.get("subject", ""), scan=scan
        )
    return redirect("correspondence:reservations")


@login_required
def delegations(request):
    """Delegate my inbox for a period; the delegations I gave or received."""
    form = DelegationForm(request.POST or None)
    form.fields["delegate"].queryset = selectors.delegate_choices(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            svc.delegation_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("correspondence:delegations")
    return render(
        request,
        "correspondence/delegations.html",
        {"form": form, "rows": selectors.delegations_of(request.user)},
    )


@require_POST
@login_required
def delegation_end(request, pk):
    row = selectors.delegation_for_user(request.user, pk)
    if row is None:
        raise Http404
    try:
        svc.delegation_end(delegation=row, by=request.user)
    except PermissionDenied:
        raise Http404 from None
    return redirect("correspondence:delegations")
