"""Dispositions: issue (or prepare for the head), confirm, open, report, cancel, and the
due-date notices."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from core.uploads import stored_name, upload_inspect
from notifications.kinds import Kind
from notifications.services import notify
from organizations.models import Position, Tenant, User
from workflows.choices import Urgency
from workflows.transitions import row_lock, transition_fire

from .. import hooks, selectors
from .. import permissions as policy
from ..choices import (
    DeliveryState,
    DispositionState,
)
from ..models import (
    Delivery,
    Disposition,
    DispositionInstruction,
)
from .common import (
    letter_notify,
    letter_url,
    notice_subject,
    tenant_today,
    transition_record,
)


def _instructions_check(tenant_id: int, codes: list[str]) -> list[str]:
    """The chosen instruction codes, once each; ValidationError unless all are the tenant's."""
    codes = list(dict.fromkeys(codes))
    known = set(
        DispositionInstruction.objects.filter(
            tenant_id=tenant_id, code__in=codes, is_active=True
        ).values_list("code", flat=True)
    )
    if not codes or known != set(codes):
        raise ValidationError({"instructions": _("Choose instructions from the list.")})
    return codes


@transaction.atomic
def disposition_create(
    *,
    delivery: Delivery,
    by: User,
    to_positions: list[Position],
    instructions: list[str],
    note: str = "",
    due_date: dt.date | None = None,
    urgency: str = Urgency.BIASA,
    parent: Disposition | None = None,
    prepare: bool = False,
) -> list[Disposition]:
    """Disposition a delivery (or pass a disposition further down) to positions below, one
    disposition per position; the TU may `prepare` one for the head to confirm. Raises
    PermissionDenied, TransitionNotAllowed (the delivery is closed), ValidationError (bad
    input, or a unit without a head to issue it)."""
    delivery = row_lock(delivery)
    if parent is not None:
        parent = row_lock(parent)
    _issuer_check(delivery, by, parent=parent, prepare=prepare)
    issued_as = policy.disposition_issuer(delivery, parent=parent)
    codes = _instructions_check(delivery.tenant_id, instructions)
    allowed = {p.pk for p in policy.positions_below(issued_as)}
    targets = list(dict.fromkeys(to_positions))
    if not targets or any(p.pk not in allowed for p in targets):
        raise ValidationError({"to_positions": _("Choose positions below yours.")})
    if due_date is not None and due_date < tenant_today(delivery.unit.tenant):
        raise ValidationError({"due_date": _("The due date has passed.")})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("Unknown urgency.")})
    fields = {
        "note": note,
        "due_date": due_date,
        "urgency": urgency,
        "instructions": codes,
        "parent": parent,
        "issued_at": None if prepare else timezone.now(),
    }
    made = [
        _disposition_save(delivery, by, issued_as, pos, prepare=prepare, **fields)
        for pos in targets
    ]
    if not prepare:
        _delivery_start(delivery, by, issued_as)
        for d in made:
            _disposition_issued(d, by)
    else:
        notify(
            policy.position_users(
                [issued_as.pk], level=delivery.security, tenant_id=delivery.tenant_id
            ),
            Kind.DISPOSITION_RECEIVED,
            delivery,
            text=_("Disposition prepared for you to confirm: %(s)s")
            % {"s": notice_subject(delivery.letter)},
            url=letter_url(delivery.letter),
        )
    return made


def _issuer_check(
    delivery: Delivery, by: User, *, parent: Disposition | None, prepare: bool
) -> None:
    """May `by` disposition this delivery: pass `parent` further down, prepare one for the
    head, or issue one? Raises PermissionDenied, TransitionNotAllowed."""
    if parent is not None:
        if parent.delivery_id != delivery.pk or not policy.can_disposition_further(by, parent):
            raise PermissionDenied
    elif prepare:
        if not policy.can_prepare_disposition(by, delivery):
            raise PermissionDenied
    else:
        if delivery.state in (DeliveryState.DONE, DeliveryState.RETRACTED):
            raise TransitionNotAllowed("the delivery is closed")
        if not policy.can_disposition_delivery(by, delivery):
            raise PermissionDenied


def _disposition_save(
    delivery: Delivery,
    by: User,
    issued_as: Position,
    pos: Position,
    *,
    prepare: bool,
    note: str,
    instructions: list[str],
    **fields,
) -> Disposition:
    """One disposition to `pos`, issued now (or prepared for the head), with its audit row."""
    d = Disposition(
        tenant_id=delivery.tenant_id,
        delivery=delivery,
        letter_id=delivery.letter_id,
        issued_by=None if prepare else by,
        issued_as=issued_as,
        prepared_by=by if prepare else None,
        to_position=pos,
        instructions=instructions,
        note=note,
        security=delivery.security,
        state=DispositionState.PREPARED if prepare else DispositionState.ISSUED,
        **fields,
    )
    d.save()
    action = "disposition.prepared" if prepare else "disposition.created"
    transition_record(d, "", action=action, by=by, position=issued_as, note=note, save=False)
    return d


def _delivery_start(delivery: Delivery, by: User, position: Position) -> None:
    """A delivery whose first disposition is issued is in progress (and read, if it was not)."""
    if delivery.state in (DeliveryState.DELIVERED, DeliveryState.READ):
        fired = transition_fire(delivery, "start")
        if delivery.first_read_at is None:
            delivery.first_read_at, delivery.first_read_by = timezone.now(), by
        transition_record(delivery, fired, action="delivery.started", by=by, position=position)


def _disposition_issued(d: Disposition, by: User) -> None:
    """Tell the assignees of an issued disposition, and let the hooks follow it."""
    letter = d.letter
    letter_notify(
        policy.position_users([d.to_position_id], level=d.delivery.security, tenant_id=d.tenant_id),
        Kind.DISPOSITION_RECEIVED,
        letter,
        _("Disposition: %(s)s"),
        about=d,
    )
    hooks.disposition_issued(d, by=by)


@transaction.atomic
def disposition_confirm(*, disposition: Disposition, by: User) -> Disposition:
    """The head confirms a disposition the TU prepared. Raises TransitionNotAllowed,
    PermissionDenied."""
    disposition = row_lock(disposition)
    fired = transition_fire(disposition, "confirm", by=by, issuer=by)
    issued_as = disposition.issued_as
    transition_record(disposition, fired, action="disposition.confirmed", by=by, position=issued_as)
    delivery = Delivery.objects.select_for_update().get(pk=disposition.delivery_id)
    _delivery_start(delivery, by, issued_as)
    _disposition_issued(disposition, by)
    return disposition


@transaction.atomic
def disposition_open(*, disposition: Disposition, by: User) -> Disposition:
    """The assignee reads a disposition (first read only). Raises PermissionDenied."""
    disposition = row_lock(disposition)
    if disposition.state != DispositionState.ISSUED:
        return disposition
    fired = transition_fire(disposition, "open", by=by, reader=by)
    position = disposition.to_position
    transition_record(disposition, fired, action="disposition.read", by=by, position=position)
    return disposition


@transaction.atomic
def disposition_report(
    *, disposition: Disposition, by: User, text: str, upload: UploadedFile | None = None
) -> Disposition:
    """The assignee reports back (laporan tindak lanjut) to whoever issued it. Raises
    ValidationError, TransitionNotAllowed, PermissionDenied."""
    disposition = row_lock(disposition)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write what was done.")})
    info = upload_inspect(upload) if upload is not None else None
    fired = transition_fire(disposition, "report", by=by, reporter=by, text=text)
    if info is not None:
        upload.seek(0)
        disposition.report_file.save(stored_name(info), upload, save=False)
        disposition.report_file_name = info.original_name
    transition_record(
        disposition,
        fired,
        action="disposition.reported",
        by=by,
        position=disposition.to_position,
        note=text,
    )
    issuer = [disposition.issued_by] if disposition.issued_by else []
    notify(
        issuer
        or policy.position_users(
            [disposition.issued_as_id],
            level=disposition.delivery.security,
            tenant_id=disposition.tenant_id,
        ),
        Kind.DISPOSITION_REPORTED,
        disposition,
        text=_("Reported: %(s)s") % {"s": notice_subject(disposition.letter)},
        url=letter_url(disposition.letter),
    )
    return disposition


@transaction.atomic
def disposition_cancel(*, disposition: Disposition, by: User) -> Disposition:
    """The issuer cancels a disposition that has not been read yet. Raises
    TransitionNotAllowed, PermissionDenied."""
    disposition = row_lock(disposition)
    fired = transition_fire(disposition, "cancel", by=by)
    issued_as = disposition.issued_as
    transition_record(disposition, fired, action="disposition.cancelled", by=by, position=issued_as)
    return disposition


def disposition_due_notify(*, now: dt.datetime | None = None) -> int:
    """Tell assignees once when a disposition falls due soon and once when it is overdue, by
    each tenant's own date. Returns how many dispositions were notified."""
    now = now or timezone.now()
    count = 0
    for tenant in Tenant.objects.all():
        today = timezone.localtime(now, ZoneInfo(tenant.time_zone)).date()
        for kind, text in (
            (Kind.OVERDUE, _("Overdue: %(s)s (due %(d)s)")),
            (Kind.DUE_SOON, _("Due soon: %(s)s (due %(d)s)")),
        ):
            field = "overdue_notified_at" if kind == Kind.OVERDUE else "due_soon_notified_at"
            for d in selectors.dispositions_due_unnotified(
                tenant_id=tenant.pk, kind=kind, today=today
            ):
                with transaction.atomic():
                    # Claim first: a second sweep running at once updates nothing and skips.
                    claimed = Disposition.objects.filter(pk=d.pk, **{field: None}).update(
                        **{field: now}
                    )
                    if not claimed:
                        continue
                    notify(
                        policy.position_users(
                            [d.to_position_id], level=d.delivery.security, tenant_id=d.tenant_id
                        ),
                        kind,
                        d,
                        text=text
                        % {"s": notice_subject(d.letter), "d": d.due_date.strftime("%d-%m-%Y")},
                        url=letter_url(d.letter),
                    )
                count += 1
    return count
