"""Outage pages: a unit's outage sheet (HTML, PDF, JSON for the offline store), recording an
outage, registering a letter made by hand under an outage number, and a register in order."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import date_long
from core.offline import offline_page

from .. import outagepolicy
from .. import selectors_outage as sel
from .. import services as svc
from ..models import LetterType
from ..outageforms import OutageEndForm, OutageForm, OutageLetterForm
from ..pdf.outage import outage_instructions, outage_sheet_pdf
from .common import form_errors, letter_url

REGISTER_PAGE = 100


def _sheet_units(request):
    """The units whose sheets the request shows: the user's, or the one `?unit=` names (a unit
    the user may not see is a 404)."""
    units = outagepolicy.outage_sheet_units(request.user)
    wanted = request.GET.get("unit", "")
    if wanted:
        if not wanted.isdigit() or not units.filter(pk=int(wanted)).exists():
            raise Http404
        units = units.filter(pk=int(wanted))
    return units


@login_required
@offline_page
def outage_sheet(request):
    """The outage sheets of the user's units, with what to do during and after an outage."""
    units = _sheet_units(request)
    return render(
        request,
        "correspondence/outage_sheet.html",
        {
            "sheets": sel.outage_sheets(units),
            "instructions": outage_instructions(),
            "registers": outagepolicy.outage_register_units(request.user).exists(),
            "unit_param": request.GET.get("unit", ""),
        },
    )


@login_required
def outage_sheet_download(request):
    """The same sheets as a PDF to print."""
    if not request.user.tenant_id:
        raise Http404
    sheets = sel.outage_sheets(_sheet_units(request))
    data = outage_sheet_pdf(
        sheets, tenant=request.user.tenant, printed_on=date_long(timezone.localdate())
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="nomor-darurat.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def outage_numbers(request):
    """The user's units' outage numbers as JSON, for the app's offline store."""
    data = sel.outage_numbers_data(request.user)
    data["instructions"] = outage_instructions()
    data["generated_at"] = timezone.now().isoformat(timespec="seconds")
    response = JsonResponse(data)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
def outages(request):
    """Tenant administrators record an outage (also after the fact) and end it; everyone who
    registers letters made by hand sees them and the letters registered so far."""
    tenant = request.user.tenant
    manage = tenant is not None and outagepolicy.can_manage_outages(request.user, tenant)
    units = outagepolicy.outage_sheet_units(request.user)
    if not manage and not units.exists():
        raise Http404
    form = OutageForm(request.POST or None)
    if request.method == "POST":
        if not manage:
            raise Http404
        if form.is_valid():
            try:
                svc.outage_record(tenant=tenant, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("Outage recorded."))
                return redirect("correspondence:outages")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "correspondence/outages.html",
        {
            "form": form if manage else None,
            "end_form": OutageEndForm(),
            "outages": sel.outages_of(tenant)[:50],
            "used": sel.outage_letters(units)[:100],
            "held": sel.outage_numbers_held(outagepolicy.outage_register_units(request.user)),
        },
        status=status,
    )


@require_POST
@login_required
def outage_end(request, pk):
    outage = sel.outage_for_admin(request.user, pk)
    if outage is None:
        raise Http404
    form = OutageEndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give a valid time."))
        svc.outage_end(outage=outage, by=request.user, ended_at=form.cleaned_data["ended_at"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("correspondence:outages")
    messages.success(request, _("Outage ended."))
    return redirect("correspondence:outages")


@login_required
def outage_letter_new(request, pk):
    """Register the letter made by hand under one outage number of the clerk's unit."""
    reservation = sel.outage_number_for_user(request.user, pk)
    if reservation is None:
        raise Http404
    form = OutageLetterForm(request.POST or None, request.FILES or None, reservation=reservation)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            scan = data.pop("scan")
            try:
                letter, warning = svc.outage_letter_register(
                    reservation=reservation,
                    by=request.user,
                    scan=scan,
                    data=svc.HandMadeLetter(
                        **data | {k: list(data[k]) for k in ("to_units", "cc_units", "addresses")}
                    ),
                )
            except svc.OutageNumberTaken as exc:
                form.add_error(None, str(exc))
                status = 409
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                if warning:
                    messages.warning(request, warning)
                messages.success(request, _("Registered as %(n)s.") % {"n": letter.number})
                return redirect(letter_url(letter))
    return render(
        request,
        "correspondence/outage_letter_form.html",
        {"form": form, "reservation": reservation},
        status=status,
    )


def _int(value: str, default: int) -> int:
    return int(value) if value.isdigit() else default


@login_required
def number_register(request):
    """A register in number order, every number with what it became (a letter, a held outage
    number, void with its reason): for the unit's clerk or TU and tenant administrators."""
    units = outagepolicy.register_book_units(request.user)
    if not units.exists():
        raise Http404
    unit = units.first()
    if request.GET.get("unit"):
        unit = units.filter(pk=_int(request.GET["unit"], 0)).first()
        if unit is None:  # another unit's register, or another tenant's: as if unknown
            raise Http404
    types = LetterType.objects.filter(tenant_id=unit.tenant_id, is_active=True)
    letter_type = types.filter(pk=_int(request.GET.get("type", ""), 0)).first() or types.first()
    if letter_type is None:
        raise Http404
    year = _int(request.GET.get("year", ""), timezone.localdate().year)
    last = sel.register_last(unit.tenant, unit, letter_type, year)
    page = Paginator(range(1, last + 1), REGISTER_PAGE).get_page(request.GET.get("page"))
    seqs = range(page[0], page[len(page) - 1] + 1) if last else range(1, 1)
    return render(
        request,
        "correspondence/number_register.html",
        {
            "units": units,
            "types": types,
            "unit": unit,
            "letter_type": letter_type,
            "year": year,
            "last": last,
            "page": page,
            "entries": sel.register_entries(unit.tenant, unit, letter_type, year, seqs),
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        },
    )
