"""Figures computed in SQL: agenda books, statistics, turnaround percentiles, overdue work.

Percentiles are nearest-rank (`percentile_disc` on PostgreSQL; the same rank fetched with
ORDER BY/OFFSET on SQLite), so both engines give the same figure: the median of an even count
is the lower middle value.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from correspondence.choices import DispositionState, LetterState, StepState
from correspondence.models import Delivery, Disposition, Letter, ReviewStep

OPEN = [DispositionState.ISSUED, DispositionState.READ]
SIGNED = [LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED]


class PercentileDisc(Aggregate):
    function = "PERCENTILE_DISC"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=fraction, **extra)


@dataclass
class Turnaround:
    n: int
    median: dt.timedelta | None
    p90: dt.timedelta | None


def _turnaround(qs: QuerySet, expression) -> Turnaround:
    qs = qs.annotate(_d=ExpressionWrapper(expression, output_field=DurationField())).filter(
        _d__isnull=False
    )
    if connection.vendor == "postgresql":
        row = qs.aggregate(
            n=Count("pk"), median=PercentileDisc("_d", 0.5), p90=PercentileDisc("_d", 0.9)
        )
        return Turnaround(row["n"], row["median"], row["p90"])
    n = qs.count()
    ordered = qs.order_by("_d").values_list("_d", flat=True)

    def rank(p):
        return ordered[max(0, math.ceil(p * n) - 1)] if n else None

    return Turnaround(n, rank(0.5), rank(0.9))


def _range(tenant, date_from: dt.date, date_to: dt.date):
    tz = ZoneInfo(tenant.time_zone)
    start = dt.datetime.combine(date_from, dt.time.min, tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tz)
    return start, end


def tenant_today(tenant) -> dt.date:
    return timezone.localtime(timezone.now(), ZoneInfo(tenant.time_zone)).date()


# --- agenda books ---
def agenda_incoming(tenant, units, date_from: dt.date, date_to: dt.date) -> QuerySet[Delivery]:
    """Deliveries to the units in the period, in agenda order, with whom they were
    dispositioned to (one query)."""
    start, end = _range(tenant, date_from, date_to)
    return (
        Delivery.objects.filter(
            tenant=tenant, unit__in=units, delivered_at__gte=start, delivered_at__lt=end
        )
        .select_related("letter__unit", "letter__tenant", "unit")
        .prefetch_related("dispositions__to_position")
        .order_by("unit__path", "agenda_year", "agenda_seq")
    )


def agenda_outgoing(tenant, units, date_from: dt.date, date_to: dt.date) -> QuerySet[Letter]:
    """Letters numbered in the units' registers in the period, in number order."""
    start, end = _range(tenant, date_from, date_to)
    return (
        Letter.objects.filter(
            tenant=tenant,
            number_unit__in=units,
            state__in=SIGNED,
            signed_at__gte=start,
            signed_at__lt=end,
        )
        .select_related("letter_type", "number_unit")
        .prefetch_related("recipients__unit", "recipients__position", "recipients__address")
        .order_by("number_unit__path", "letter_type__code", "number_year", "number_seq")
    )


# --- statistics ---
@dataclass
class Statistics:
    sent_by_type: list[dict]
    sent_by_classification: list[dict]
    sent_by_security: list[dict]
    received_by_type: list[dict]
    received_by_classification: list[dict]
    received_by_security: list[dict]
    to_first_read: Turnaround
    to_first_disposition: Turnaround
    to_done: Turnaround
    overdue_by_unit: list[dict]
    overdue_by_position: list[dict]
    waiting_in_review: list[dict]
    signatures_by_signer: list[dict]


def _sent(tenant, units, start, end):
    return Letter.objects.filter(
        tenant=tenant,
        number_unit__in=units,
        state__in=SIGNED,
        signed_at__gte=start,
        signed_at__lt=end,
    )


def _received(tenant, units, start, end):
    return Delivery.objects.filter(
        tenant=tenant, unit__in=units, delivered_at__gte=start, delivered_at__lt=end
    )


def _grouped(qs, field: str, label: str) -> list[dict]:
    return list(qs.values(key=F(field)).annotate(n=Count("pk")).order_by("-n", "key"))


def overdue_dispositions(tenant, units) -> QuerySet[Disposition]:
    """Open dispositions to positions in the units whose due date has passed in the
    tenant's own calendar."""
    return Disposition.objects.filter(
        tenant=tenant,
        to_position__unit__in=units,
        state__in=OPEN,
        due_date__lt=tenant_today(tenant),
    )


def statistics(tenant, units, date_from: dt.date, date_to: dt.date) -> Statistics:
    start, end = _range(tenant, date_from, date_to)
    sent = _sent(tenant, units, start, end)
    received = _received(tenant, units, start, end)
    today = tenant_today(tenant)
    overdue = overdue_dispositions(tenant, units)
    waiting = (
        ReviewStep.objects.filter(
            state=StepState.PENDING,
            letter__state=LetterState.IN_REVIEW,
            letter__tenant=tenant,
            letter__unit__in=units,
        )
        .order_by("reached_at")
        .values("letter_id", "letter__subject", "position__title", "reached_at")[:10]
    )
    return Statistics(
        sent_by_type=_grouped(sent, "letter_type__name", "type"),
        sent_by_classification=_grouped(sent, "classification_code", "classification"),
        sent_by_security=_grouped(sent, "security", "security"),
        received_by_type=_grouped(received, "letter__letter_type__name", "type"),
        received_by_classification=_grouped(received, "letter__classification_code", "c"),
        received_by_security=_grouped(received, "security", "security"),
        to_first_read=_turnaround(received, F("first_read_at") - F("delivered_at")),
        # One join grouped by delivery (a correlated subquery per row took seconds on a
        # year of a city's deliveries).
        to_first_disposition=_turnaround(
            received.filter(dispositions__issued_at__isnull=False).annotate(
                _first=Min("dispositions__issued_at")
            ),
            F("_first") - F("delivered_at"),
        ),
        to_done=_turnaround(received, F("done_at") - F("delivered_at")),
        overdue_by_unit=list(
            overdue.values(key=F("to_position__unit__name"))
            .annotate(n=Count("pk"), oldest=Min("due_date"))
            .order_by("-n", "key")
        ),
        overdue_by_position=list(
            overdue.values(key=F("to_position__title"))
            .annotate(n=Count("pk"), oldest=Min("due_date"))
            .order_by("-n", "key")
        ),
        waiting_in_review=[
            {
                **w,
                "days": (
                    today - timezone.localtime(w["reached_at"], ZoneInfo(tenant.time_zone)).date()
                ).days,
            }
            for w in waiting
        ],
        signatures_by_signer=list(
            sent.values(key=F("signed_by__name")).annotate(n=Count("pk")).order_by("-n", "key")
        ),
    )


def monthly_trend(tenant, units, *, months: int = 12) -> list[dict]:
    """Letters sent and received per month for the last `months` months (tenant time)."""
    tz = ZoneInfo(tenant.time_zone)
    today = tenant_today(tenant)
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(index // 12, index % 12 + 1, 1)
    start, end = _range(tenant, first, today)
    sent = dict(
        _sent(tenant, units, start, end)
        .annotate(m=TruncMonth("signed_at", tzinfo=tz))
        .values_list("m")
        .annotate(n=Count("pk"))
    )
    received = dict(
        _received(tenant, units, start, end)
        .annotate(m=TruncMonth("delivered_at", tzinfo=tz))
        .values_list("m")
        .annotate(n=Count("pk"))
    )
    sent = {k.date() if isinstance(k, dt.datetime) else k: v for k, v in sent.items()}
    received = {k.date() if isinstance(k, dt.datetime) else k: v for k, v in received.items()}
    rows, month = [], first
    while month <= today:
        rows.append(
            {"month": month, "sent": sent.get(month, 0), "received": received.get(month, 0)}
        )
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return rows
