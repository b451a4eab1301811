"""Pages of the archive: record list with facets, record page, files, direct filing, CSV
import, the file plan and case files (thin: parse, call a service or selector, render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.actions import form_refusal, post_action
from core.files import download_response
from workflows.services import security_event_by

from .. import permissions as policy
from .. import selectors
from ..forms import CaseFileForm, ImportForm, RecordEditForm, RecordFilterForm, RecordForm
from ..models import CaseFile, Classification
from ..services import imports
from ..services import records as svc
from ..services.common import PLACE_FIELDS

PAGE = 50


@login_required
def record_list(request):
    form = RecordFilterForm(request.GET or None, tenant=request.tenant)
    qs = selectors.record_list(request.user, form.filters())
    q = (request.GET.get("q") or "").strip()[:200]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(number__icontains=q))
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "archive/records.html",
        {
            "form": form,
            "page": page,
            "facets": selectors.record_facets(qs),
            "can_file": policy.can_file_record(request.user),
            "query": _without_page(request.GET),
        },
    )


@login_required
def record_detail(request, pk):
    user = request.user
    record = selectors.record_get_for_user(user, pk)
    if record.is_confidential:
        security_event_by(
            user,
            "record.opened",
            target=record,
            detail={"security": record.security},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    can_edit = policy.can_edit_record(user, record)
    context = {
        "record": record,
        "files": record.files.all(),
        "history": selectors.record_history(record),
        "holds": record.holds.filter(released_at__isnull=True),
        "can_edit": can_edit,
        "can_borrow": policy.can_request_loan(user, record),
        "can_hold": policy.can_hold_record(user, record),
        "edit_form": RecordEditForm(initial={f: getattr(record, f) for f in svc.EDITABLE}),
    }
    if can_edit:
        context["proposed_case"] = selectors.thread_case_file(record)
        context["case_files"] = CaseFile.objects.filter(
            tenant_id=record.tenant_id,
            is_closed=False,
            classification_id=record.classification_id,
        )[:50]
    return render(request, "archive/record.html", context)


@login_required
def record_file(request, pk, file_pk, *, ocr=False):
    """A record's file as it was filed or, with `ocr`, the searchable PDF/A OCR made of it."""
    user = request.user
    f = selectors.record_file_get_for_user(user, pk, file_pk)
    stored = f.ocr_file if ocr else f.file
    if not stored:
        raise Http404
    if f.record.is_confidential:
        security_event_by(
            user,
            "record.file_downloaded",
            target=f.record,
            detail={"file": f.pk, "name": f.name} | ({"copy": "ocr"} if ocr else {}),
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    return download_response(
        request,
        stored,
        filename=f"{f.name.rsplit('.', 1)[0]}.ocr.pdf" if ocr else f.name,
        content_type="application/pdf" if ocr else f.content_type,
        confidential=f.record.is_confidential,
    )


def _back(request, pk=None, **kwargs) -> str:
    return reverse("archive:record", args=[pk]) if pk else reverse("archive:records")


@post_action(_back)
def record_action(request, pk, action):
    user = request.user
    record = selectors.record_get_for_user(user, pk)
    post = request.POST
    if action == "edit":
        form = RecordEditForm(post)
        if not form.is_valid():
            raise ValidationError([e for errs in form.errors.values() for e in errs])
        svc.record_update(record=record, by=user, **form.cleaned_data)
        messages.success(request, _("Record updated."))
    elif action == "files":
        svc.record_files_add(record=record, uploads=request.FILES.getlist("files"), by=user)
        messages.success(request, _("Files added; their text is being read for the search."))
    elif action == "reclassify":
        code = Classification.objects.filter(
            tenant_id=record.tenant_id, code=post.get("code", "").strip()
        ).first()
        if code is None:
            raise ValidationError(_("Unknown classification code."))
        svc.record_reclassify(record=record, classification=code, by=user)
        messages.success(request, _("Classification corrected; retention dates follow it."))
    elif action == "case-file":
        case = CaseFile.objects.filter(
            tenant_id=record.tenant_id, pk=_int(post.get("case_file"))
        ).first()
        if case is None:
            raise ValidationError(_("Choose a case file."))
        svc.casefile_add(case_file=case, records=[record], by=user)
        messages.success(request, _("Filed in case file %(n)s.") % {"n": case})
    elif action == "new-case-file":
        form = CaseFileForm(post)
        if not form.is_valid():
            raise ValidationError(_("Give the case file a title."))
        case = svc.casefile_create(
            tenant=request.tenant,
            classification=record.classification,
            unit=record.unit,
            by=user,
            thread_key=record.thread_key,
            records=[record],
            **form.cleaned_data,
        )
        messages.success(request, _("Case file %(n)s opened.") % {"n": case})
    else:
        raise PermissionDenied
    return redirect("archive:record", pk=record.pk)


def _without_page(params) -> str:
    """The list's filters as a query string, for the pager's links."""
    params = params.copy()
    params.pop("page", None)
    return params.urlencode()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def record_new(request):
    user = request.user
    if not policy.can_file_record(user):
        raise PermissionDenied
    form = RecordForm(request.POST or None, request.FILES or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        location = {k: data.pop(k) for k in PLACE_FIELDS}
        try:
            record = svc.record_create(
                tenant=request.tenant,
                by=user,
                uploads=data.pop("files"),
                location=location,
                **data,
            )
        except PermissionDenied:
            form.add_error("classification", _("You are not an archivist of this code."))
        except ValidationError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("Record filed."))
            return redirect("archive:record", pk=record.pk)
    return render(request, "archive/record_form.html", {"form": form})


@login_required
def record_import(request):
    user = request.user
    if not policy.can_file_record(user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = imports.records_import_csv(
                tenant=request.tenant,
                csv_file=form.cleaned_data["csv_file"],
                uploads=form.cleaned_data["files"],
                by=user,
            )
        except ValidationError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("%(n)s records filed.") % {"n": len(made)})
            return redirect("archive:records")
    return render(
        request, "archive/record_import.html", {"form": form, "columns": imports.CSV_COLUMNS}
    )


@login_required
def file_plan(request):
    return render(
        request,
        "archive/file_plan.html",
        {
            "codes": selectors.file_plan(request.tenant),
            "can_manage": policy.can_manage_file_plan(request.user, request.tenant),
        },
    )


@login_required
def case_files(request):
    qs = selectors.case_file_list(request.user, classification=request.GET.get("code", ""))
    return render(
        request,
        "archive/case_files.html",
        {"page": Paginator(qs, PAGE).get_page(request.GET.get("page"))},
    )


@login_required
def case_file(request, pk):
    case = selectors.case_file_list(request.user).filter(pk=_int(pk)).first()
    if case is None:
        raise Http404
    items = selectors.record_list(request.user).filter(case_file=case)
    return render(
        request,
        "archive/case_file.html",
        {
            "case": case,
            "items": items,
            "can_close": policy.can_close_case_file(request.user, case),
        },
    )


@post_action(lambda request, pk: reverse("archive:case-file", args=[pk]))
def case_file_close(request, pk):
    case = selectors.case_file_list(request.user).filter(pk=_int(pk)).first()
    if case is None:
        raise PermissionDenied
    svc.casefile_close(case_file=case, by=request.user)
    messages.success(request, _("Case file closed."))
    return redirect("archive:case-file", pk=case.pk)
