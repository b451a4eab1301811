"""Pages of the intake: scans in, pending letters read in the background, the clerk's
confirmation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from core.files import download_response
from correspondence.services.common import tenant_today
from correspondence.views.common import form_errors

from . import permissions as policy
from . import selectors
from . import services as svc
from .choices import IntakeSource, OcrState
from .forms import PendingForm, ScanUploadForm

# The form fields that are pre-filled from what was read, and the reading each comes from.
PREFILL = {
    "sender_name": "sender",
    "sender_number": "number",
    "sender_date": "date",
    "subject": "subject",
    "security": "security",
    "urgency": "urgency",
}
SURE = 0.85  # at or above: shown as read with confidence; below: "check this"


@login_required
def pending_list(request):
    """The unit's pending incoming letters, and the upload of new scans."""
    units = policy.register_units(request.user)
    if not units.exists():
        raise Http404
    form = ScanUploadForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        rows = _upload(request, form)
        if rows is not None:
            if len(rows) == 1:
                return redirect("intake:pending", pk=rows[0].pk)
            messages.success(request, _("%(n)d scans are being read.") % {"n": len(rows)})
            return redirect("intake:list")
    return render(
        request,
        "intake/list.html",
        {
            "form": form,
            "rows": selectors.pending_of_user(request.user),
            "closed": selectors.closed_of_user(request.user),
            "accuracy": _accuracy(request.user.tenant_id),
        },
    )


FIELD_LABELS = {
    "number": _lazy("Their number"),
    "date": _lazy("Their date"),
    "subject": _lazy("Subject (hal)"),
    "sender": _lazy("Sender"),
    "security": _lazy("Security"),
    "urgency": _lazy("Urgency"),
}


def _accuracy(tenant_id: int) -> list[dict]:
    """How often the clerks kept what was read, per field (registered letters only)."""
    out = []
    for field, n in selectors.reading_accuracy(tenant_id).items():
        if n["read"]:
            out.append(
                {
                    "label": FIELD_LABELS[field],
                    "read": n["read"],
                    "kept": n["kept"],
                    "percent": round(100 * n["kept"] / n["read"]),
                }
            )
    return out


def _upload(request, form):
    """Every scan enters the intake, or none does (one transaction)."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            return [
                svc.pending_create(
                    unit=data["unit"], upload=scan, source=IntakeSource.UPLOAD, by=request.user
                )
                for scan in data["scans"]
            ]
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("scans", message)
    except PermissionDenied:
        form.add_error("unit", _("You do not keep this unit's register."))
    return None


def _pending_or_404(request, pk):
    row = selectors.pending_for_user(request.user, pk)
    if row is None:
        raise Http404
    return row


def _initial(row) -> dict:
    read = row.fields_read or {}
    initial = {"unit": row.unit_id, "received_date": tenant_today(row.tenant).isoformat()}
    for name, field in PREFILL.items():
        value = (read.get(field) or {}).get("value")
        if value:
            initial[name] = value
    return initial


def _rows(form, row) -> list[dict]:
    """The form's fields with what was read for each: confidence and whether to check it."""
    read = row.fields_read or {}
    out = []
    for bound in form:
        reading = read.get(PREFILL.get(bound.name, ""), None)
        conf = None if reading is None else float(reading.get("confidence") or 0)
        out.append(
            {
                "field": bound,
                "read": reading is not None,
                "percent": None if conf is None else round(conf * 100),
                "sure": conf is not None and conf >= SURE,
                "prefilled": bound.name in PREFILL,
            }
        )
    return out


@login_required
def pending_detail(request, pk):
    """A pending letter: its reading's progress, then the pre-filled form to confirm."""
    row = _pending_or_404(request, pk)
    units = policy.register_units(request.user)
    form = PendingForm(request.POST or None, initial=_initial(row), units=units)
    if request.method == "POST":
        if not policy.can_register_pending(request.user, row):
            messages.error(request, _("This letter was already handled."))
            return redirect("intake:pending", pk=row.pk)
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = data.pop("unit")
            try:
                delivery = svc.pending_register(pending=row, by=request.user, data=data, unit=unit)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Registered as %(n)s.") % {"n": delivery.agenda_number})
                return redirect(reverse("correspondence:letter", args=[delivery.letter_id]))
    reading = row.ocr_state in (OcrState.QUEUED, OcrState.RUNNING)
    return render(
        request,
        "intake/pending.html",
        {"row": row, "form": form, "rows": _rows(form, row), "reading": reading},
    )


@login_required
def pending_progress(request, pk):
    """The reading's progress (polled by the page); reloads the page when it is over."""
    row = _pending_or_404(request, pk)
    if row.ocr_state not in (OcrState.QUEUED, OcrState.RUNNING) and request.htmx:
        return HttpResponseClientRefresh()
    return render(request, "intake/_progress.html", {"row": row})


@login_required
def pending_file(request, pk, which):
    """The original scan or its searchable copy, after the same access check."""
    row = _pending_or_404(request, pk)
    if which == "original":
        field, name, kind = row.file, row.original_name, row.content_type
    elif which == "ocr" and row.ocr_pdf:
        field, name, kind = row.ocr_pdf, f"ocr-{row.pk}.pdf", "application/pdf"
    else:
        raise Http404
    return download_response(request, field, filename=name, content_type=kind, confidential=True)


@require_POST
@login_required
def pending_discard(request, pk):
    row = _pending_or_404(request, pk)
    try:
        svc.pending_discard(pending=row, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("intake:pending", pk=row.pk)
    messages.success(request, _("Discarded."))
    return redirect("intake:list")
