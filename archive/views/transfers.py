"""Pages of the archive: transfers of inactive records to the records unit (pemindahan),
handovers of permanent records to the static archive (penyerahan), their lists as PDF and
CSV, and the ZIP export of chosen records."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed

from core.actions import form_refusal, post_action
from workflows.selectors import transition_log_for

from ..choices import TransferKind, TransferState
from ..forms import MAX_CANDIDATES, TransferForm
from ..permissions import (
    can_manage_transfer,
    can_receive_transfer,
    can_sign_transfer_report,
    is_archivist,
    is_records_unit_archivist,
)
from ..selectors import transfers as sel
from ..services import export
from ..services import transfers as svc
from .acts import report_sign_context, report_sign_run

PAGE = 50
KINDS = {
    "": gettext_lazy("All"),
    TransferKind.TRANSFER: gettext_lazy("Transfers"),
    TransferKind.HANDOVER: gettext_lazy("Handovers"),
}
PLACE = ("building", "room", "shelf")
ALREADY = gettext_lazy("This list has already moved on; the page shows where it stands now.")


# --- pages ---


@login_required
def transfer_list(request):
    kind = request.GET.get("kind", "")
    if kind not in KINDS:
        kind = ""
    page = Paginator(sel.transfer_list(request.user, kind=kind), PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "archive/transfer_list.html",
        {
            "kind": kind,
            "kinds": [(key, str(label)) for key, label in KINDS.items()],
            "page": page,
            "rows": [(t, svc.list_number(t)) for t in page],
            "can_create": is_archivist(request.user),
        },
    )


def _place(post) -> dict[str, str]:
    return {k: post.get(k, "") for k in PLACE}


@login_required
def transfer_detail(request, pk):
    user = request.user
    transfer = sel.transfer_get_for_user(user, pk)
    manage = can_manage_transfer(user, transfer)
    state = transfer.state
    return render(
        request,
        "archive/transfer.html",
        {
            "transfer": transfer,
            "number": svc.list_number(transfer),
            "records": svc.transfer_records(transfer),
            "history": transition_log_for(transfer),
            "can_send": manage and state == TransferState.DRAFT,
            "can_cancel": manage and state in (TransferState.DRAFT, TransferState.SENT),
            "can_receive": state == TransferState.SENT and can_receive_transfer(user, transfer),
            "is_handover": transfer.kind == TransferKind.HANDOVER,
            **report_sign_context(user, may_sign=can_sign_transfer_report(user, transfer)),
        },
    )


def _back(request, pk=None, **_kw) -> str:
    return reverse("archive:transfer", args=[pk]) if pk else reverse("archive:transfers")


@post_action(_back, conflicts=(TransitionNotAllowed,), conflict_message=ALREADY)
def transfer_action(request, pk, action):
    transfer = sel.transfer_get_for_user(request.user, pk)
    by = request.user
    if action == "send":
        svc.transfer_send(transfer=transfer, by=by)
        messages.success(request, _("The list is sent."))
    elif action == "receive":
        svc.transfer_receive(transfer=transfer, by=by, place=_place(request.POST))
        messages.success(request, _("The list is received."))
    elif action == "cancel":
        svc.transfer_cancel(transfer=transfer, by=by)
        messages.success(request, _("The list is cancelled."))
    elif action == "sign-report":
        if report_sign_run(request, functools.partial(svc.transfer_report_sign, transfer=transfer)):
            messages.success(
                request,
                _("The berita acara is signed.")
                if transfer.kind == TransferKind.HANDOVER
                else _("The list is signed."),
            )
    else:
        raise Http404
    return redirect("archive:transfer", transfer.pk)


@login_required
def transfer_new(request):
    """GET: the form, with the records the user may list; POST: create the list (errors,
    including records already on another list after a double submit, come back on the form)."""
    user = request.user
    if not is_archivist(user):
        messages.error(request, _("You may not do that."))
        return redirect("archive:transfers")
    units = list(sel.transfer_units(user))
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = TransferForm(data, units=units, can_hand_over=is_records_unit_archivist(user))
    valid = form.is_valid()  # a bound GET form only narrows the records offered
    chosen = _ids(request.POST.getlist("record"))  # ticked again when the form comes back
    if request.method == "POST" and valid:
        transfer = _create(request, form, units)
        if transfer is not None:
            messages.success(request, _("The list is made; send it when the boxes are ready."))
            return redirect("archive:transfer", transfer.pk)
    filters = getattr(form, "cleaned_data", {})
    kind = filters.get("kind") or TransferKind.TRANSFER
    unit_id = filters.get("unit") or (units[0].pk if len(units) == 1 else None)
    candidates = sel.transfer_candidates(
        user,
        kind=kind,
        unit_id=unit_id,
        classification=(filters.get("classification") or "").strip(),
    )
    offered = list(candidates[: MAX_CANDIDATES + 1])
    return render(
        request,
        "archive/transfer_form.html",
        {
            "form": form,
            "posted": request.method == "POST",
            "kind": kind,
            "unit_id": unit_id,
            "classification": filters.get("classification") or "",
            "candidates": offered[:MAX_CANDIDATES],
            "capped": len(offered) > MAX_CANDIDATES,
            "max_candidates": MAX_CANDIDATES,
            "chosen": chosen,
            "units": units,
        },
    )


def _create(request, form: TransferForm, units: list):
    """Create the list from a valid form; on refusal add the error to the form and return
    None (the services' transaction leaves nothing behind)."""
    user, d = request.user, form.cleaned_data
    try:
        ids = form.record_ids()
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    records = sel.records_of_tenant(user, ids)
    if len(records) != len(ids):
        form.add_error(None, _("Some of the chosen records were not found."))
        return None
    try:
        if d["kind"] == TransferKind.HANDOVER:
            return svc.handover_create(
                tenant=request.tenant, records=records, by=user, note=d["note"]
            )
        unit = next(u for u in units if u.pk == d["unit"])
        return svc.transfer_create(
            tenant=request.tenant, from_unit=unit, records=records, by=user, note=d["note"]
        )
    except PermissionDenied:
        form.add_error(None, _("You are not an archivist of every chosen record's code."))
    except ValidationError as exc:
        form_refusal(form, exc)
    return None


# --- downloads ---


def _filename(number: str, extension: str) -> str:
    return f"{get_valid_filename(number.replace('/', '-')) or 'daftar'}.{extension}"


@login_required
def transfer_pdf(request, pk):
    """The list (a handover: its berita acara) as filed when it was received, signed once its
    official signed it; before that, rendered as it stands."""
    transfer = sel.transfer_get_for_user(request.user, pk)
    filed = sel.transfer_report_file(transfer)
    if filed is not None:
        with filed.file.open("rb") as fh:
            content = fh.read()
        return _attachment(content, "application/pdf", _filename(filed.record.number, "pdf"))
    if transfer.kind == TransferKind.HANDOVER:
        content = svc.handover_pdf(transfer)
        name = _filename(svc.handover_number(transfer), "pdf")
    else:
        content = svc.transfer_list_pdf(transfer)
        name = _filename(svc.list_number(transfer), "pdf")
    return _attachment(content, "application/pdf", name)


@login_required
def transfer_csv(request, pk):
    transfer = sel.transfer_get_for_user(request.user, pk)
    content = ("\ufeff" + svc.transfer_list_csv(transfer)).encode()  # BOM: Excel reads UTF-8
    return _attachment(
        content, "text/csv; charset=utf-8", _filename(svc.list_number(transfer), "csv")
    )


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _export_back(request, **_kw) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("archive:records")


def _ids(values: list[str]) -> set[int]:
    """Whole positive numbers that fit a database id; anything else is dropped."""
    return {int(v) for v in (v.strip() for v in values) if v.isdigit() and len(v) < 19}


@post_action(_export_back)
def records_export(request):
    """The chosen records (`record`, repeated) as a ZIP of their files and a manifest. Ids of
    records the user may not open (`Record.objects.visible_to`), of another tenant or of no
    record are ignored: they are left out of the ZIP. When none is left, or more than
    `export.MAX_RECORDS` are chosen, a message says so on the page the form came from."""
    raw = request.POST.getlist("record")
    if len(raw) > export.MAX_RECORDS:
        raise ValidationError(
            _("Export at most %(n)s records at a time.") % {"n": export.MAX_RECORDS}
        )
    archive = export.records_export_zip(records=sorted(_ids(raw)), by=request.user)
    name = f"arsip-{timezone.localdate():%Y%m%d}.zip"
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")
