"""Moving records on: the transfer (pemindahan) of a creating unit's inactive records to the
records unit, and the handover (penyerahan) of permanent records to the regional static
archive, each with its list (PDF and CSV) and, for the handover, its berita acara.

When a list is received, what proves the move is filed as a permanent record of the records
unit: the transfer's list, or the handover's berita acara penyerahan with its list. The
giving side answers for what it hands over, so the head of the unit handing over (the
creating unit, or the records unit for a handover) is named on it and signs it electronically
from the list's page (`transfer_report_sign`); the archivist who receives is named as the
receiver but holds no signing post."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Tenant
from organizations.selectors import position_holders, unit_ancestor_heads
from workflows.transitions import row_lock_for, transition_fire, transition_run, transition_save

from .. import pdf
from ..choices import RecordState, TransferKind, TransferState
from ..models import Record, Transfer
from ..permissions import (
    can_act_in_tenant,
    can_create_handover,
    can_create_transfer,
    can_manage_transfer,
    can_receive_transfer,
    can_sign_transfer_report,
)
from .common import PLACE_FIELDS, log, next_number, settings_for, settings_lock
from .reports import file_permanent_report, report_sign

OPEN = [TransferState.DRAFT, TransferState.SENT]
CSV_COLUMNS = [
    "no",
    "code",
    "number",
    "description",
    "date",
    "quantity",
    "medium",
    "box",
    "folder",
    "location",
    "unit",
]


def _records(tenant_id: int, records: list[Record]) -> list[Record]:
    ids = {r.pk for r in records}
    if not ids:
        raise ValidationError(_("Choose at least one record."))
    found = list(
        Record.objects.select_for_update()
        .filter(pk__in=ids, tenant_id=tenant_id)
        .select_related("classification")
    )
    if len(found) != len(ids):
        raise PermissionDenied
    return found


def _not_in_open(kind: str, ids: list[int], *, received_too: bool = False) -> None:
    states = [*OPEN, TransferState.RECEIVED] if received_too else OPEN
    if Transfer.objects.filter(kind=kind, state__in=states, records__pk__in=ids).exists():
        raise ValidationError(_("Some of these records are already in another list."))


@transaction.atomic
def transfer_create(
    *, tenant: Tenant, from_unit, records: list[Record], by, note: str = ""
) -> Transfer:
    """List a creating unit's inactive records for transfer to the records unit. Raises
    PermissionDenied (not an archivist of every record's code) or ValidationError."""
    settings = settings_lock(tenant.pk)
    if from_unit.tenant_id != tenant.pk or not can_act_in_tenant(by, tenant.pk):
        raise PermissionDenied
    found = _records(tenant.pk, records)
    if not can_create_transfer(by, from_unit, found):
        raise PermissionDenied
    if settings.records_unit is None:
        raise ValidationError(_("Name the records unit in the archive settings first."))
    if from_unit.pk == settings.records_unit_id:
        raise ValidationError(_("The records unit does not transfer to itself."))
    for r in found:
        if r.state != RecordState.INACTIVE:
            raise ValidationError(_("%(record)s is not inactive.") % {"record": r})
        if r.unit_id != from_unit.pk:
            raise ValidationError(_("%(record)s was created by another unit.") % {"record": r})
    return _list_open(
        tenant,
        TransferKind.TRANSFER,
        found,
        by,
        note,
        from_unit=from_unit,
        to_unit=settings.records_unit,
        receiver=settings.records_unit.name,
    )


@transaction.atomic
def handover_create(*, tenant: Tenant, records: list[Record], by, note: str = "") -> Transfer:
    """List permanent records for handover to the static archive. Raises PermissionDenied
    (not an archivist of the records unit) or ValidationError."""
    settings = settings_lock(tenant.pk)
    if not can_create_handover(by, tenant):
        raise PermissionDenied
    if settings.records_unit is None or not settings.static_archive:
        raise ValidationError(
            _("Name the records unit and the static archive in the archive settings first.")
        )
    found = _records(tenant.pk, records)
    for r in found:
        if r.state != RecordState.PERMANENT:
            raise ValidationError(_("%(record)s is not a permanent record.") % {"record": r})
    return _list_open(
        tenant,
        TransferKind.HANDOVER,
        found,
        by,
        note,
        from_unit=settings.records_unit,
        receiver=settings.static_archive,
    )


def _list_open(tenant: Tenant, kind: str, found: list[Record], by, note: str, **ends) -> Transfer:
    """A new numbered list of `kind` holding `found` (none of them on another open list),
    from and to the `ends` given, logged as created."""
    _not_in_open(kind, [r.pk for r in found], received_too=True)
    transfer = Transfer.objects.create(
        tenant=tenant,
        kind=kind,
        note=note,
        created_by=by,
        number=next_number(Transfer, tenant.pk, kind=kind),
        **ends,
    )
    transfer.records.add(*found)
    log(transfer, action=f"{kind}.created", by=by, target=transfer.state)
    return transfer


def _manage_step(
    transfer: Transfer, by, name: str, done: str, saves: tuple[str, ...] = (), **kwargs
) -> Transfer:
    """Lock the list, ask the policy, run `name` (with `kwargs`), save the state and the
    fields `saves`, and log `<kind>.<done>`."""
    transfer = row_lock_for(transfer, by, can_manage_transfer)
    return transition_run(
        transfer,
        name,
        action=f"{transfer.kind}.{done}",
        by=by,
        check_perm=False,
        lock=False,
        update_fields=["state", *saves],
        **kwargs,
    )


@transaction.atomic
def transfer_send(*, transfer: Transfer, by) -> Transfer:
    """Send the list (and the boxes) on. Raises PermissionDenied or TransitionNotAllowed."""
    return _manage_step(transfer, by, "send", "sent", ("sent_at",), at=timezone.now())


def _place(place: dict[str, str] | None) -> dict[str, str]:
    """The place fields given, trimmed to their columns' lengths (empty ones left out)."""
    return {
        k: (v or "").strip()[: 30 if k != "building" else 120]
        for k, v in (place or {}).items()
        if k in PLACE_FIELDS and (v or "").strip()
    }


@transaction.atomic
def transfer_receive(*, transfer: Transfer, by, place: dict[str, str] | None = None) -> Transfer:
    """The records unit receives a transfer (optionally giving the records' new place), or
    confirms the static archive received a handover; the list (a handover: its berita acara)
    is filed as a permanent record awaiting the signature of the giving unit's head. Raises
    PermissionDenied, TransitionNotAllowed or ValidationError (no file plan to file it)."""
    transfer = row_lock_for(transfer, by, can_receive_transfer)
    now = timezone.now()
    fired = transition_fire(transfer, "receive", at=now, actor=by)
    place = _place(place)
    records = list(transfer.records.select_for_update())
    if place and transfer.kind == TransferKind.TRANSFER:
        Record.objects.filter(pk__in=[r.pk for r in records]).update(**place, updated_at=now)
    for record in records:
        log(
            record,
            action=f"record.{transfer.kind}_received",
            by=by,
            note=f"{transfer.kind}:{transfer.number}",
        )
    _list_file(transfer, by=by, now=now)
    transition_save(
        transfer,
        fired,
        action=f"{transfer.kind}.received",
        by=by,
        update_fields=["state", "received_at", "received_by", "report", "report_signer"],
    )
    return transfer


def _list_file(transfer: Transfer, *, by, now) -> None:
    """File the received list (a handover: its berita acara with the list), ready to be signed
    by the head of the unit handing over, and name that official on the transfer."""
    responsible = report_signer_of(transfer)
    giver = None
    if responsible is not None:
        user, position = responsible
        giver = pdf.Signer(role="Yang menyerahkan,", name=user.display_name, title=position.title)
        transfer.report_signer = user
    if transfer.kind == TransferKind.HANDOVER:
        number, title = handover_number(transfer), "Berita acara penyerahan arsip statis"
        content = handover_pdf(transfer, day=timezone.localdate(now), giver=giver)
        filename = f"berita-acara-penyerahan-{transfer.number}.pdf"
    else:
        number, title = list_number(transfer), "Daftar arsip inaktif yang dipindahkan"
        content = transfer_list_pdf(transfer, giver=giver)
        filename = f"daftar-arsip-inaktif-dipindahkan-{transfer.number}.pdf"
    transfer.report = file_permanent_report(
        source=transfer,
        title=f"{title} {number}",
        number=number,
        content=content,
        by=by,
        now=now,
        filename=filename,
    )


def report_signer_of(transfer: Transfer) -> tuple | None:
    """Who answers for a list on the giving side, as (user, position): the holder of the head
    post of the unit handing over (definitive first, then acting); while that post is vacant
    or missing, of the nearest head post above it. None when no head post up the tree is
    held."""
    for position in unit_ancestor_heads(transfer.from_unit):
        holders = position_holders(position)
        if holders:
            return holders[0].user, position
    return None


def transfer_report_sign(*, transfer: Transfer, by, passphrase: str, second_factor: bool):
    """The head of the unit handing over signs the received list (a handover: its berita
    acara) filed as a record; see `reports.report_sign`, which says what it raises."""
    what = (
        "berita acara penyerahan arsip statis"
        if transfer.kind == TransferKind.HANDOVER
        else "daftar arsip inaktif yang dipindahkan"
    )
    return report_sign(
        act=transfer,
        by=by,
        passphrase=passphrase,
        second_factor=second_factor,
        may_sign=can_sign_transfer_report,
        reason=f"Penandatanganan {what}",
        action=f"{transfer.kind}.report_signed",
    )


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, by) -> Transfer:
    """Withdraw a list not yet received. Raises PermissionDenied or TransitionNotAllowed."""
    return _manage_step(transfer, by, "cancel", "cancelled")


# --- the lists ---


def transfer_records(transfer: Transfer) -> list[Record]:
    """The records of a list, by code and date."""
    return list(
        transfer.records.select_related("classification", "unit").order_by(
            "classification__code", "document_date", "pk"
        )
    )


def list_number(transfer: Transfer) -> str:
    """The number printed on a transfer's or handover's list."""
    kind = "PMD" if transfer.kind == TransferKind.TRANSFER else "DAS"
    return f"000.5/{kind}/{transfer.number}/{timezone.localdate(transfer.created_at).year}"


def handover_number(transfer: Transfer) -> str:
    """The number of a handover's berita acara."""
    return f"000.5/BA-PNY/{transfer.number}/{timezone.localdate(transfer.created_at).year}"


def transfer_list_csv(transfer: Transfer) -> str:
    """The list as CSV (code, number, description, date, quantity, medium, box, folder,
    location, unit)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for i, r in enumerate(transfer_records(transfer), start=1):
        text = f"{r.title}. {r.description}".strip() if r.description else r.title
        writer.writerow(
            [
                i,
                r.classification.code,
                r.number,
                text,
                r.document_date.isoformat(),
                r.quantity,
                r.medium,
                r.box,
                r.folder,
                r.location,
                r.unit.name,
            ]
        )
    return out.getvalue()


def _signers(transfer: Transfer, giver: pdf.Signer | None = None) -> list[pdf.Signer]:
    """Who hands over (`giver`, the official who signs; else the list's maker) and who
    receives."""
    if giver is None:
        giver = pdf.Signer(
            role="Yang menyerahkan,",
            name=transfer.created_by.display_name,
            title=transfer.from_unit.name,
        )
    receiving = transfer.receiver or (transfer.to_unit.name if transfer.to_unit else "")
    received = transfer.received_by.display_name if transfer.received_by else ""
    return [giver, pdf.Signer(role="Yang menerima,", name=received, title=receiving)]


def transfer_list_pdf(transfer: Transfer, *, giver: pdf.Signer | None = None) -> bytes:
    """Daftar arsip inaktif yang dipindahkan, or daftar arsip statis yang diserahkan. With
    `giver`, that official signs it electronically (it is made ready for the signature)."""
    tenant = Tenant.objects.get(pk=transfer.tenant_id)
    title = (
        "Daftar arsip inaktif yang dipindahkan"
        if transfer.kind == TransferKind.TRANSFER
        else "Daftar arsip statis yang diserahkan"
    )
    day = timezone.localdate(transfer.sent_at or transfer.created_at)
    return pdf.records_list_pdf(
        heading=pdf.heading_for(tenant, transfer.from_unit),
        title=title,
        number=list_number(transfer),
        place_date=f"{tenant.city}, {pdf.date_long(day)}",
        rows=[pdf.row_for(r) for r in transfer_records(transfer)],
        signers=_signers(transfer, giver),
        e_signer=giver,
    )


def handover_pdf(transfer: Transfer, *, day=None, giver: pdf.Signer | None = None) -> bytes:
    """Berita acara penyerahan arsip statis with the list of the records handed over (signed
    electronically by `giver`, as `transfer_list_pdf`)."""
    tenant = Tenant.objects.get(pk=transfer.tenant_id)
    day = day or timezone.localdate(transfer.received_at or transfer.sent_at or timezone.now())
    return pdf.handover_report_pdf(
        heading=pdf.heading_for(tenant, transfer.from_unit),
        number=handover_number(transfer),
        city=tenant.city,
        day=day,
        receiver=transfer.receiver or settings_for(tenant.pk).static_archive,
        rows=[pdf.row_for(r) for r in transfer_records(transfer)],
        signers=_signers(transfer, giver),
        e_signer=giver,
    )
