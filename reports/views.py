"""Report pages: the leadership view, statistics, agenda books (thin: parse, select, render)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render

from correspondence.selectors import counters_for

from . import agenda, charts, selectors
from .permissions import report_units


def _scope(request):
    units = report_units(request.user, request.tenant) if request.tenant else None
    if units is None:
        raise PermissionDenied
    unit_id = request.GET.get("unit", "")
    if unit_id:
        unit = units.filter(pk=int(unit_id) if unit_id.isdigit() else 0).first()
        if unit is None:
            raise Http404
        units = units.filter(path__startswith=unit.path)
    return units


def _period(request, tenant) -> tuple[dt.date, dt.date]:
    today = selectors.tenant_today(tenant)
    try:
        start = dt.date.fromisoformat(request.GET.get("from") or "")
    except ValueError:
        start = today.replace(day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("to") or "")
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return start, min(end, start + dt.timedelta(days=366 * 2))


@login_required
def leadership(request):
    units = _scope(request)
    tenant = request.tenant
    trend = selectors.monthly_trend(tenant, units)
    overdue = selectors.overdue_dispositions(tenant, units)
    context = {
        "counters": counters_for(request.user),
        "owed": selectors.statistics(tenant, units, *_period(request, tenant)).overdue_by_unit[:8],
        "overdue_total": overdue.count(),
        "today": selectors.tenant_today(tenant),
        "chart": charts.bar_chart(
            trend, [("sent", "Terkirim", "#1a5f7a"), ("received", "Diterima", "#f4a261")]
        ),
        "trend": trend,
    }
    return render(request, "reports/leadership.html", context)


@login_required
def statistics_page(request):
    units = _scope(request)
    start, end = _period(request, request.tenant)
    stats = selectors.statistics(request.tenant, units, start, end)
    return render(
        request,
        "reports/statistics.html",
        {
            "stats": stats,
            "start": start,
            "end": end,
            "units": units.order_by("path"),
        },
    )


@login_required
def agenda_book(request, kind: str):
    if kind not in ("incoming", "outgoing"):
        raise Http404
    units = _scope(request)
    tenant = request.tenant
    start, end = _period(request, tenant)
    tz = ZoneInfo(tenant.time_zone)
    if kind == "incoming":
        header = agenda.INCOMING
        rows = agenda.incoming_rows(selectors.agenda_incoming(tenant, units, start, end), tz)
        title = "Buku Agenda Surat Masuk"
    else:
        header = agenda.OUTGOING
        rows = agenda.outgoing_rows(selectors.agenda_outgoing(tenant, units, start, end), tz)
        title = "Buku Agenda Surat Keluar"
    subtitle = f"{tenant.name} · {start:%d-%m-%Y} s.d. {end:%d-%m-%Y}"
    name = f"agenda-{kind}-{start:%Y%m%d}-{end:%Y%m%d}"
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return _file(agenda.as_csv(header, rows), "text/csv; charset=utf-8", f"{name}.csv")
    if fmt == "xlsx":
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _file(agenda.as_xlsx(title, header, rows), mime, f"{name}.xlsx")
    if fmt == "pdf":
        return _file(agenda.as_pdf(title, subtitle, header, rows), "application/pdf", f"{name}.pdf")
    return render(
        request,
        "reports/agenda.html",
        {
            "title": title,
            "subtitle": subtitle,
            "header": header,
            "rows": rows,
            "kind": kind,
            "start": start,
            "end": end,
        },
    )


def _file(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
