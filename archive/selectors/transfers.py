"""Reads of transfers (pemindahan) and handovers (penyerahan): the lists a user may see, one
list for a user, the units and records a user may put on a new list."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from organizations.choices import RoleKind
from organizations.models import Unit

from ..choices import FileKind, RecordState, TransferKind, TransferState
from ..models import ArchiveSettings, Record, RecordFile, Transfer
from ..permissions import can_view_transfer
from ..querysets import ALL, archivist_scope

# The services refuse a record that is on a draft, sent or received list of the same kind.
TAKEN = [TransferState.DRAFT, TransferState.SENT, TransferState.RECEIVED]


def _anonymous(user) -> bool:
    return not user.is_authenticated or user.tenant_id is None


def transfers_visible_to(user) -> QuerySet[Transfer]:
    """Lists the user may open (agrees with `can_view_transfer`): all of them for an archivist
    of the records unit; else their own, those they are named to sign, and those whose every
    record has a code the user is archivist of. Newest first, with the number of records."""
    if _anonymous(user):
        return Transfer.objects.none()
    qs = Transfer.objects.filter(tenant_id=user.tenant_id)
    scope = archivist_scope(user)
    if scope != ALL:
        allowed = Q(created_by_id=user.pk) | Q(report_signer_id=user.pk)
        if scope:
            outside = Transfer.records.through.objects.filter(transfer_id=OuterRef("pk")).exclude(
                record__classification_id__in=scope
            )
            allowed |= ~Exists(outside)
        qs = qs.filter(allowed)
    return qs.select_related("from_unit", "to_unit", "created_by").annotate(
        n_records=Count("records")
    )


def transfer_list(user, *, kind: str = "") -> QuerySet[Transfer]:
    """The transfers (or handovers, or both when `kind` is empty) the user may open."""
    qs = transfers_visible_to(user)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def transfer_get_for_user(user, pk) -> Transfer:
    """One list the user may open; a missing, hidden or foreign one is a 404."""
    if _anonymous(user):
        raise Http404
    try:
        transfer = Transfer.objects.select_related(
            "from_unit", "to_unit", "created_by", "received_by", "report", "report_signer"
        ).get(tenant_id=user.tenant_id, pk=int(pk))
    except (Transfer.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not can_view_transfer(user, transfer):
        raise Http404
    return transfer


def transfer_report_file(transfer: Transfer) -> RecordFile | None:
    """The PDF filed when the list was received (its record's kept file), if any. Whoever
    may open the list may read it: it is the list they could already download."""
    if transfer.report_id is None:
        return None
    return (
        RecordFile.objects.filter(
            record_id=transfer.report_id, kind=FileKind.MINUTES, deleted_at__isnull=True
        )
        .exclude(file="")
        .select_related("record")
        .order_by("pk")
        .first()
    )


def records_unit_id(tenant_id: int) -> int | None:
    """The tenant's records unit, if named (a read: never creates the settings row)."""
    return (
        ArchiveSettings.objects.filter(tenant_id=tenant_id)
        .values_list("records_unit_id", flat=True)
        .first()
    )


def transfer_units(user) -> QuerySet[Unit]:
    """Creating units whose inactive records the user may list for transfer: every unit but
    the records unit for its archivists; else the units the user is records officer of."""
    if _anonymous(user):
        return Unit.objects.none()
    scope = archivist_scope(user)
    if not scope:
        return Unit.objects.none()
    qs = Unit.objects.filter(tenant_id=user.tenant_id, is_active=True)
    if scope != ALL:
        qs = qs.filter(roles__user_id=user.pk, roles__kind=RoleKind.RECORDS_OFFICER)
    records_unit = records_unit_id(user.tenant_id)
    if records_unit is not None:
        qs = qs.exclude(pk=records_unit)
    return qs.distinct().order_by("path")


def transfer_candidates(
    user, *, kind: str, unit_id: int | None = None, classification: str = ""
) -> QuerySet[Record]:
    """Records the user may put on a new list of `kind`, not already on one: a unit's inactive
    records of the codes the user is archivist of (a transfer), or permanent records (a
    handover, records-unit archivists only). `classification` includes the codes under it."""
    scope = archivist_scope(user)
    if _anonymous(user) or not scope:
        return Record.objects.none()
    qs = Record.objects.filter(tenant_id=user.tenant_id)
    if kind == TransferKind.HANDOVER:
        if scope != ALL:
            return Record.objects.none()
        qs = qs.filter(state=RecordState.PERMANENT)
        if unit_id:
            qs = qs.filter(unit_id=unit_id)
    else:
        if not unit_id:
            return Record.objects.none()
        qs = qs.filter(state=RecordState.INACTIVE, unit_id=unit_id)
        if scope != ALL:
            qs = qs.filter(classification_id__in=scope)
    if classification:
        qs = qs.filter(
            Q(classification__code=classification)
            | Q(classification__code__startswith=classification + ".")
        )
    taken = Transfer.records.through.objects.filter(
        record_id=OuterRef("pk"), transfer__kind=kind, transfer__state__in=TAKEN
    )
    return (
        qs.exclude(Exists(taken))
        .select_related("classification", "unit")
        .order_by("classification__code", "document_date", "pk")
    )


def records_of_tenant(user, ids: list[int]) -> list[Record]:
    """The records of the user's tenant with these ids; a foreign or unknown id is simply
    missing from the answer (the caller compares the counts)."""
    if _anonymous(user) or not ids:
        return []
    return list(Record.objects.filter(tenant_id=user.tenant_id, pk__in=ids))
