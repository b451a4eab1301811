"""Reads of records, case files and the file plan, used by pages, the API and other apps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Min, Q, QuerySet
from django.http import Http404

from core.query import filter_given
from workflows.selectors import transition_log_for

from ..models import CaseFile, Classification, Record, RecordFile

# --- records ---


@dataclass(frozen=True)
class RecordNarrowing:
    """The filters the record list and the search page share (every one optional)."""

    unit: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    medium: str = ""
    security: str = ""
    state: str = ""


@dataclass(frozen=True)
class RecordFilters(RecordNarrowing):
    """The filters of the record list."""

    classification: str = ""  # a code; its children are included
    case_file: int | None = None
    vital: bool = False


def record_filter(qs: QuerySet[Record], f: RecordFilters) -> QuerySet[Record]:
    """Apply the list filters (a classification includes the codes under it)."""
    if f.classification:
        qs = qs.filter(
            Q(classification__code=f.classification)
            | Q(classification__code__startswith=f.classification + ".")
        )
    return filter_given(
        qs,
        {
            "unit_id": f.unit,
            "document_date__gte": f.date_from,
            "document_date__lte": f.date_to,
            "medium": f.medium,
            "security": f.security,
            "state": f.state,
            "case_file_id": f.case_file,
            "is_vital": f.vital,
        },
    )


def record_list(user, f: RecordFilters | None = None) -> QuerySet[Record]:
    """Records the user may open, filtered, newest document first."""
    qs = Record.objects.visible_to(user)
    if f is not None:
        qs = record_filter(qs, f)
    return qs.select_related("classification", "unit", "case_file").order_by(
        "-document_date", "-id"
    )


@dataclass
class Facets:
    classification: list[tuple[str, str, int]] = field(default_factory=list)  # code, title, n
    unit: list[tuple[int, str, int]] = field(default_factory=list)
    state: list[tuple[str, int]] = field(default_factory=list)
    medium: list[tuple[str, int]] = field(default_factory=list)
    security: list[tuple[str, int]] = field(default_factory=list)


def record_facets(qs: QuerySet[Record]) -> Facets:
    """Counts per top-level classification, unit, state, medium and security for a filtered
    list (five grouped queries, whatever the number of rows)."""
    base = qs.order_by()
    facets = Facets()
    tops: dict[str, int] = {}
    for code, n in base.values_list("classification__code").annotate(n=Count("id")):
        top = code.split(".")[0]
        tops[top] = tops.get(top, 0) + n
    titles = dict(
        Classification.objects.filter(code__in=list(tops), depth=1)
        .filter(tenant_id__in=base.values("tenant_id")[:1])
        .values_list("code", "title")
    )
    facets.classification = [(c, titles.get(c, ""), n) for c, n in sorted(tops.items())]
    facets.unit = sorted(
        base.values_list("unit_id", "unit__name").annotate(n=Count("id")),
        key=lambda row: -row[2],
    )[:20]
    for name in ("state", "medium", "security"):
        setattr(facets, name, sorted(base.values_list(name).annotate(n=Count("id"))))
    return facets


def record_get_for_user(user, pk) -> Record:
    """One record the user may open; a missing, hidden or foreign record is a 404."""
    try:
        return (
            Record.objects.visible_to(user)
            .select_related("classification", "unit", "case_file", "filed_by", "source_type")
            .get(pk=int(pk))
        )
    except (Record.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def record_file_get_for_user(user, record_pk, file_pk) -> RecordFile:
    """A kept file of a record the user may open; else 404."""
    record = record_get_for_user(user, record_pk)
    try:
        return record.files.get(pk=int(file_pk), deleted_at__isnull=True)
    except (RecordFile.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def record_history(record: Record):
    """The record's audit chain, oldest first."""
    return transition_log_for(record)


def record_for_source(source) -> Record | None:
    """The record a document of another app was filed as, if any."""
    ct = ContentType.objects.get_for_model(source, for_concrete_model=False)
    return (
        Record.objects.filter(tenant_id=source.tenant_id, source_type=ct, source_id=source.pk)
        .select_related("classification")
        .first()
    )


def record_of_sources_for_user(user, sources: list) -> Record | None:
    """The first of these documents' records (in the order given) that the user may open."""
    for source in sources:
        record = record_for_source(source)
        if record is not None and Record.objects.visible_to(user).filter(pk=record.pk).exists():
            return record
    return None


def thread_case_file(record: Record) -> CaseFile | None:
    """The open case file proposed for a record: its unit's one that its letter thread is
    already in."""
    if not record.thread_key or record.case_file_id:
        return None
    return (
        CaseFile.objects.filter(
            tenant_id=record.tenant_id,
            is_closed=False,
            classification_id=record.classification_id,
            unit_id=record.unit_id,  # each side keeps its own berkas of a thread
        )
        .filter(Q(thread_key=record.thread_key) | Q(records__thread_key=record.thread_key))
        .order_by("-id")
        .first()
    )


# --- file plan and case files ---


def file_plan(tenant) -> list[Classification]:
    """The tenant's codes in tree order, each with the number of records filed under it."""
    rows = list(
        Classification.objects.filter(tenant=tenant).annotate(n=Count("records")).order_by("code")
    )

    def key(c: Classification):
        return [int(p) if p.isdigit() else p for p in c.code.split(".")]

    return sorted(rows, key=key)


def case_file_list(user, *, classification: str = "") -> QuerySet[CaseFile]:
    """The case files the user may see, with the count and date range of the records in
    each that the user may open (never of the others)."""
    qs = CaseFile.objects.visible_to(user)
    if classification:
        qs = qs.filter(classification__code__startswith=classification)
    mine = Q(records__in=Record.objects.visible_to(user).values("pk"))
    return (
        qs.select_related("classification", "unit")
        .annotate(
            items=Count("records", filter=mine),
            first=Min("records__document_date", filter=mine),
            last=Max("records__document_date", filter=mine),
        )
        .order_by("-id")
    )
