"""The end of a record's life: the daily retention sweep, disposal proposals approved in turn
by the tenant's named positions, their execution (files deleted, metadata kept as a tombstone,
a berita acara pemusnahan filed as a permanent record), reviews and legal holds.

The sweep makes one draft proposal per tenant per run with every record that fell due and is
neither under an active hold nor already in an open proposal, so running it twice (or two
workers at once: the tenant's settings row is locked) proposes nothing twice."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Position, Tenant
from organizations.selectors import position_holders, positions_held

from .. import pdf
from ..choices import Decision, Fate, FileKind, ProposalState, RecordState, TextState
from ..models import (
    Classification,
    DisposalApproval,
    DisposalItem,
    DisposalProposal,
    LegalHold,
    Record,
    RecordFile,
)
from ..permissions import can_manage_disposal, can_view_proposal
from .common import log, next_number, settings_for, settings_lock

OPEN = [ProposalState.DRAFT, ProposalState.PENDING, ProposalState.APPROVED]
REPORT_CODE = "000.5"  # Kearsipan, where the berita acara is filed
MAX_EXTEND_YEARS = 30


def _today() -> dt.date:
    return timezone.localdate()


def held_record_ids():
    """Ids of records under at least one active legal hold (a subquery)."""
    return LegalHold.records.through.objects.filter(legalhold__released_at__isnull=True).values(
        "record_id"
    )


def records_in_open_proposal(tenant_id: int):
    """Ids of the tenant's records already in a draft, pending or approved proposal."""
    return DisposalItem.objects.filter(
        proposal__tenant_id=tenant_id, proposal__state__in=OPEN
    ).values("record_id")


# --- the daily sweep ---


def retention_sweep(*, today: dt.date | None = None, tenant_id: int | None = None) -> dict:
    """Move records whose active period ended to inactive and propose for disposal those
    whose inactive period ended, tenant by tenant (or for one tenant). Safe to run twice.
    Returns counts."""
    today = today or _today()
    counts = {"deactivated": 0, "proposed": 0, "proposals": 0, "held": 0}
    tenants = (
        Record.objects.filter(state__in=RecordState.held())
        .values_list("tenant_id", flat=True)
        .distinct()
        .order_by()
    )
    if tenant_id is not None:
        tenants = tenants.filter(tenant_id=tenant_id)
    for each in list(tenants):
        for key, value in _sweep_tenant(each, today).items():
            counts[key] += value
    return counts


@transaction.atomic
def _sweep_tenant(tenant_id: int, today: dt.date) -> dict:
    settings_lock(tenant_id)  # one sweep (or proposal) per tenant at a time
    now = timezone.now()
    due_active = Record.objects.select_for_update().filter(
        tenant_id=tenant_id, state=RecordState.ACTIVE, active_until__lte=today
    )
    deactivated = 0
    for record in due_active:
        record.deactivate(at=now)
        record.save(update_fields=["state", "closed_at", "updated_at"])
        log(
            record,
            action="record.deactivated",
            source=RecordState.ACTIVE,
            target=RecordState.INACTIVE,
        )
        deactivated += 1
    due = Record.objects.filter(
        tenant_id=tenant_id, state=RecordState.INACTIVE, inactive_until__lte=today
    ).exclude(pk__in=records_in_open_proposal(tenant_id))
    held = due.filter(pk__in=held_record_ids()).count()
    ready = list(due.not_on_hold().order_by("classification__code", "document_date", "pk"))
    proposals = 0
    if ready:
        proposal = _proposal_new(
            tenant_id,
            ready,
            by=None,
            note=_("Proposed by the retention sweep of %(day)s.") % {"day": today.isoformat()},
        )
        log(proposal, action="proposal.created", target=proposal.state, note="sweep")
        proposals = 1
    return {
        "deactivated": deactivated,
        "proposed": len(ready),
        "proposals": proposals,
        "held": held,
    }


def _proposal_new(tenant_id: int, records: list[Record], *, by, note: str) -> DisposalProposal:
    proposal = DisposalProposal.objects.create(
        tenant_id=tenant_id,
        number=next_number(DisposalProposal, tenant_id),
        note=note,
        created_by=by,
        created_at=timezone.now(),
    )
    DisposalItem.objects.bulk_create(
        [DisposalItem(proposal=proposal, record=r, action=r.fate) for r in records]
    )
    return proposal


# --- proposals ---


def _lock(proposal: DisposalProposal) -> DisposalProposal:
    return DisposalProposal.objects.select_for_update().get(pk=proposal.pk)


def _manage(by, tenant_id: int) -> None:
    if not by.is_authenticated or by.tenant_id != tenant_id or not can_manage_disposal(by):
        raise PermissionDenied


@transaction.atomic
def proposal_create(
    *, tenant: Tenant, records: list[Record], by, note: str = ""
) -> DisposalProposal:
    """An archivist of the records unit proposes records whose inactive period ended.
    Raises PermissionDenied or ValidationError (not due, on hold, already proposed)."""
    _manage(by, tenant.pk)
    settings_lock(tenant.pk)
    if not records:
        raise ValidationError(_("Choose at least one record."))
    ids = [r.pk for r in records]
    found = list(Record.objects.select_for_update().filter(pk__in=ids, tenant_id=tenant.pk))
    if len(found) != len(set(ids)):
        raise PermissionDenied
    today = _today()
    for record in found:
        if record.state != RecordState.INACTIVE or not record.is_inactive_period_over(today):
            raise ValidationError(
                _("%(record)s has not reached the end of its retention.") % {"record": record}
            )
    if Record.objects.filter(pk__in=ids).filter(pk__in=held_record_ids()).exists():
        raise ValidationError(_("Some of these records are under a legal hold."))
    if DisposalItem.objects.filter(record_id__in=ids, proposal__state__in=OPEN).exists():
        raise ValidationError(_("Some of these records are already in an open proposal."))
    proposal = _proposal_new(tenant.pk, found, by=by, note=note)
    log(proposal, action="proposal.created", by=by, target=proposal.state)
    return proposal


@transaction.atomic
def proposal_item_decide(
    *, item: DisposalItem, action: str, by, years: int = 0
) -> DisposalItem | None:
    """Decide a draft proposal's item: destroy, permanent, or keep `years` more (the record
    leaves the proposal; returns None). Raises PermissionDenied or ValidationError."""
    proposal = _lock(item.proposal)
    _manage(by, proposal.tenant_id)
    if proposal.state != ProposalState.DRAFT:
        raise ValidationError(_("Only a draft proposal can be changed."))
    item = DisposalItem.objects.select_for_update().get(pk=item.pk, proposal=proposal)
    if action == "extend":
        record_review_extend(record=item.record, years=years, by=by)
        return None
    if action not in (Fate.DESTROY, Fate.PERMANENT):
        raise ValidationError(_("Choose destroy, permanent or keep longer."))
    if item.action != action:
        item.action = action
        item.save(update_fields=["action"])
        log(
            proposal,
            action="proposal.item_decided",
            by=by,
            target=action,
            note=f"record:{item.record_id}",
        )
    return item


@transaction.atomic
def proposal_item_remove(*, item: DisposalItem, by) -> None:
    """Take a record out of a draft proposal. Raises PermissionDenied or ValidationError."""
    proposal = _lock(item.proposal)
    _manage(by, proposal.tenant_id)
    if proposal.state != ProposalState.DRAFT:
        raise ValidationError(_("Only a draft proposal can be changed."))
    DisposalItem.objects.filter(pk=item.pk, proposal=proposal).delete()
    log(proposal, action="proposal.item_removed", by=by, note=f"record:{item.record_id}")


@transaction.atomic
def proposal_submit(*, proposal: DisposalProposal, by) -> DisposalProposal:
    """Send a draft to its approvers (the tenant's disposal approvers, in order). Raises
    PermissionDenied, ValidationError (review items undecided, records on hold, no approvers)
    or TransitionNotAllowed."""
    proposal = _lock(proposal)
    _manage(by, proposal.tenant_id)
    items = proposal.items.all()
    if not items.exists():
        raise ValidationError(_("The proposal has no records."))
    if items.filter(action=Fate.REVIEW).exists():
        raise ValidationError(_("Decide every record marked for review first."))
    held = held_record_ids()
    if Record.objects.filter(disposal_items__proposal=proposal, pk__in=held).exists():
        raise ValidationError(_("Some records are under a legal hold: take them out first."))
    approver_ids = list(settings_for(proposal.tenant_id).disposal_approvers or [])
    positions = {
        p.pk: p
        for p in Position.objects.filter(
            pk__in=approver_ids, tenant_id=proposal.tenant_id, is_active=True
        )
    }
    if not approver_ids or any(pk not in positions for pk in approver_ids):
        raise ValidationError(_("Name the disposal approvers in the archive settings first."))
    proposal.submit()
    proposal.save(update_fields=["state"])
    proposal.approvals.all().delete()  # a draft has none; kept simple if resubmitted
    DisposalApproval.objects.bulk_create(
        [
            DisposalApproval(proposal=proposal, step=i, position=positions[pk])
            for i, pk in enumerate(approver_ids, start=1)
        ]
    )
    log(
        proposal,
        action="proposal.submitted",
        by=by,
        source=ProposalState.DRAFT,
        target=proposal.state,
    )
    return proposal


def current_step(proposal: DisposalProposal) -> DisposalApproval | None:
    """The first step still waiting for its decision."""
    return proposal.approvals.filter(decision="").order_by("step").first()


def can_decide_proposal(user, proposal: DisposalProposal) -> bool:
    """The user holds the position of the proposal's current step."""
    if proposal.state != ProposalState.PENDING or user.tenant_id != proposal.tenant_id:
        return False
    step = current_step(proposal)
    return step is not None and positions_held(user).filter(pk=step.position_id).exists()


@transaction.atomic
def proposal_decide(
    *, proposal: DisposalProposal, by, decision: str, note: str = ""
) -> DisposalProposal:
    """The holder of the current step's position approves or rejects. The last approval
    approves the proposal; a rejection ends it and frees its records. Raises
    PermissionDenied (not the current approver), ValidationError or TransitionNotAllowed."""
    proposal = _lock(proposal)
    if not by.is_authenticated or by.tenant_id != proposal.tenant_id:
        raise PermissionDenied
    if decision not in (Decision.APPROVED, Decision.REJECTED):
        raise ValidationError(_("Approve or reject."))
    if decision == Decision.REJECTED and not note.strip():
        raise ValidationError({"note": _("Say why the proposal is rejected.")})
    if proposal.state != ProposalState.PENDING:
        raise ValidationError(_("This proposal is not waiting for approval."))
    step = proposal.approvals.select_for_update().filter(decision="").order_by("step").first()
    if step is None or not positions_held(by).filter(pk=step.position_id).exists():
        raise PermissionDenied
    step.decision, step.decided_by, step.decided_at = decision, by, timezone.now()
    step.note = note.strip()
    step.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    log(proposal, action=f"proposal.step_{decision}", by=by, target=str(step.step), note=note)
    if decision == Decision.REJECTED:
        proposal.reject()
        proposal.save(update_fields=["state"])
        log(
            proposal,
            action="proposal.rejected",
            by=by,
            source=ProposalState.PENDING,
            target=proposal.state,
        )
    elif not proposal.approvals.filter(decision="").exists():
        proposal.approve()
        proposal.save(update_fields=["state"])
        log(
            proposal,
            action="proposal.approved",
            by=by,
            source=ProposalState.PENDING,
            target=proposal.state,
        )
    return proposal


@transaction.atomic
def proposal_cancel(*, proposal: DisposalProposal, by, note: str = "") -> DisposalProposal:
    """Withdraw a draft or pending proposal (its records are free again). Raises
    PermissionDenied or TransitionNotAllowed."""
    proposal = _lock(proposal)
    _manage(by, proposal.tenant_id)
    before = proposal.state
    proposal.cancel()
    proposal.save(update_fields=["state"])
    log(
        proposal,
        action="proposal.cancelled",
        by=by,
        source=before,
        target=proposal.state,
        note=note,
    )
    return proposal


@dataclass
class Execution:
    proposal: DisposalProposal
    destroyed: list[Record] = field(default_factory=list)
    made_permanent: list[Record] = field(default_factory=list)
    skipped: list[tuple[Record, str]] = field(default_factory=list)


def _delete_stored(names: list[tuple[object, str]]) -> None:
    for storage, name in names:
        with contextlib.suppress(OSError):  # already gone: the row is the tombstone anyway
            storage.delete(name)


def _tombstone(record: Record, now) -> None:
    """Destroy the record: its files leave storage (after commit), its metadata stays."""
    stored = []
    for f in RecordFile.objects.select_for_update().filter(record=record, deleted_at__isnull=True):
        if f.file:
            stored.append((f.file.storage, f.file.name))
        f.file = ""
        f.text = ""
        f.text_state = TextState.SKIPPED
        f.deleted_at = now
        f.save(update_fields=["file", "text", "text_state", "deleted_at"])
    record.destroy(at=now)
    record.save(update_fields=["state", "closed_at", "body", "attachment_text", "updated_at"])
    if stored:
        transaction.on_commit(lambda: _delete_stored(stored))


@transaction.atomic
def proposal_execute(*, proposal: DisposalProposal, by) -> Execution:
    """Carry out an approved proposal: destroy (files deleted, tombstone kept) or make
    permanent each record, skipping (and reporting) any put under a hold since; file the
    berita acara pemusnahan as a permanent record. Raises PermissionDenied or
    ValidationError."""
    proposal = _lock(proposal)
    _manage(by, proposal.tenant_id)
    if proposal.state != ProposalState.APPROVED:
        raise ValidationError(_("Only an approved proposal can be carried out."))
    now = timezone.now()
    result = Execution(proposal=proposal)
    items = list(proposal.items.select_related("record__classification", "record__unit"))
    # A subquery, not a list of ids: a city's first sweep can hold more records than the
    # 65,535 parameters one PostgreSQL statement may carry.
    ids = proposal.items.values("record_id")
    locked = {
        r.pk: r
        for r in Record.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("classification", "unit")
    }
    held = set(
        Record.objects.filter(pk__in=ids)
        .filter(pk__in=held_record_ids())
        .values_list("pk", flat=True)
    )
    for item in items:
        record = locked[item.record_id]
        if record.pk in held:
            result.skipped.append((record, _("under a legal hold")))
            log(record, action="record.disposal_skipped", by=by, note="legal hold")
            continue
        if record.state != RecordState.INACTIVE:
            result.skipped.append((record, _("no longer inactive")))
            continue
        if item.action == Fate.PERMANENT:
            record.make_permanent(at=now)
            record.save(update_fields=["state", "closed_at", "updated_at"])
            log(
                record,
                action="record.made_permanent",
                by=by,
                source=RecordState.INACTIVE,
                target=record.state,
                note=f"proposal:{proposal.number}",
            )
            result.made_permanent.append(record)
        else:
            _tombstone(record, now)
            log(
                record,
                action="record.destroyed",
                by=by,
                source=RecordState.INACTIVE,
                target=record.state,
                note=f"proposal:{proposal.number}",
            )
            result.destroyed.append(record)
    proposal.execute(at=now, by=by)
    if result.destroyed or result.made_permanent:
        proposal.report = _file_report(proposal, result, by=by, now=now)
    proposal.save(update_fields=["state", "executed_at", "executed_by", "report"])
    log(
        proposal,
        action="proposal.executed",
        by=by,
        source=ProposalState.APPROVED,
        target=proposal.state,
        note=f"destroyed={len(result.destroyed)} permanent={len(result.made_permanent)} "
        f"skipped={len(result.skipped)}",
    )
    return result


def report_classification(tenant_id: int, code: str = REPORT_CODE) -> Classification:
    """The tenant's code for archive management documents ("000.5"), or the nearest one that
    exists: its parents, then the first active code."""
    candidates = [code]
    while "." in candidates[-1]:
        candidates.append(candidates[-1].rsplit(".", 1)[0])
    found = {
        c.code: c
        for c in Classification.objects.filter(
            tenant_id=tenant_id, code__in=candidates, is_active=True
        )
    }
    for c in candidates:
        if c in found:
            return found[c]
    first = Classification.objects.filter(tenant_id=tenant_id, is_active=True).order_by("code")
    if not first.exists():
        raise ValidationError(_("The tenant has no file plan to file the report under."))
    return first.first()


def file_permanent_report(
    *, source, title: str, number: str, content: bytes, by, now, filename: str
) -> Record:
    """File a generated report (berita acara) of the archive itself as a permanent record of
    the records unit."""
    from . import records as filing

    tenant_id = source.tenant_id
    unit = settings_for(tenant_id).records_unit
    if unit is None:
        held = positions_held(by).first()
        if held is None:
            raise ValidationError(_("Name the records unit in the archive settings first."))
        unit = held.unit
    classification = report_classification(tenant_id)
    record = filing.record_file_from_source(
        source=source,
        classification_code=classification.code,
        unit=unit,
        title=title,
        document_date=timezone.localdate(now),
        security=classification.default_security,
        files=[
            filing.FileSpec(
                name=filename,
                content=content,
                content_type="application/pdf",
                kind=FileKind.MINUTES,
            )
        ],
        by=by,
        number=number,
    )
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.state == RecordState.ACTIVE:
        record.deactivate(at=now)
    if record.state == RecordState.INACTIVE:
        record.make_permanent(at=now)
    record.fate = Fate.PERMANENT
    record.save(update_fields=["state", "closed_at", "fate", "updated_at"])
    log(record, action="record.made_permanent", by=by, target=record.state, note="report")
    return record


def _approver_signers(proposal: DisposalProposal) -> list[pdf.Signer]:
    rows = proposal.approvals.select_related("position", "decided_by").order_by("step")
    return [
        pdf.Signer(
            role="Menyetujui,",
            name=a.decided_by.display_name if a.decided_by else "",
            title=a.position.title,
            date=timezone.localdate(a.decided_at) if a.decided_at else None,
        )
        for a in rows
    ]


def _file_report(proposal: DisposalProposal, result: Execution, *, by, now) -> Record:
    tenant = Tenant.objects.get(pk=proposal.tenant_id)
    day = timezone.localdate(now)
    number = f"{REPORT_CODE}/BA-PMS/{proposal.number}/{day.year}"
    settings = settings_for(tenant.pk)
    content = pdf.disposal_report_pdf(
        heading=pdf.heading_for(tenant, settings.records_unit),
        number=number,
        city=tenant.city,
        day=day,
        destroyed=[pdf.row_for(r) for r in result.destroyed],
        permanent=[pdf.row_for(r) for r in result.made_permanent],
        approvers=_approver_signers(proposal),
        executor=pdf.Signer(role="Pelaksana,", name=by.display_name, title=_executor_title(by)),
    )
    return file_permanent_report(
        source=proposal,
        title=f"Berita acara pemusnahan arsip {number}",
        number=number,
        content=content,
        by=by,
        now=now,
        filename=f"berita-acara-pemusnahan-{proposal.number}.pdf",
    )


def _executor_title(user) -> str:
    held = positions_held(user).first()
    return held.title if held is not None else ""


def proposal_holders(proposal: DisposalProposal) -> dict[int, list]:
    """Who holds each step's position today (step -> users), for pages."""
    return {
        a.step: [x.user for x in position_holders(a.position)]
        for a in proposal.approvals.select_related("position")
    }


def can_see_proposal(user, proposal: DisposalProposal) -> bool:
    return can_view_proposal(user, proposal)


# --- reviews ---


@transaction.atomic
def record_review_extend(*, record: Record, years: int, by) -> Record:
    """A review keeps an inactive record `years` more; it leaves any draft proposal. Raises
    PermissionDenied, ValidationError or TransitionNotAllowed."""
    _manage(by, record.tenant_id)
    if not isinstance(years, int) or not 1 <= years <= MAX_EXTEND_YEARS:
        raise ValidationError(
            {"years": _("Keep it between 1 and %(n)s years more.") % {"n": MAX_EXTEND_YEARS}}
        )
    record = Record.objects.select_for_update().get(pk=record.pk)
    if DisposalItem.objects.filter(
        record=record, proposal__state__in=[ProposalState.PENDING, ProposalState.APPROVED]
    ).exists():
        raise ValidationError(_("The record is in a proposal waiting for approval."))
    before = record.inactive_until
    record.extend(years=years)
    record.save(update_fields=["state", "inactive_until", "updated_at"])
    DisposalItem.objects.filter(record=record, proposal__state=ProposalState.DRAFT).delete()
    log(
        record,
        action="record.retention_extended",
        by=by,
        source=before.isoformat(),
        target=record.inactive_until.isoformat(),
        note=f"{years}",
    )
    return record


# --- legal holds ---


def _hold_records(tenant_id: int, records: list[Record]) -> list[Record]:
    ids = {r.pk for r in records}
    found = list(Record.objects.filter(pk__in=ids, tenant_id=tenant_id))
    if len(found) != len(ids):
        raise PermissionDenied
    gone = [r for r in found if r.state == RecordState.DESTROYED]
    if gone:
        raise ValidationError(_("%(record)s is already destroyed.") % {"record": gone[0]})
    return found


@transaction.atomic
def hold_place(*, tenant: Tenant, title: str, reason: str, records: list[Record], by) -> LegalHold:
    """Put records under a legal hold (a court case, an audit): none of them can be
    disposed of until it is released. Raises PermissionDenied or ValidationError."""
    _manage(by, tenant.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the hold a title.")})
    found = _hold_records(tenant.pk, records)
    hold = LegalHold.objects.create(
        tenant=tenant, title=title.strip()[:200], reason=reason.strip(), created_by=by
    )
    hold.records.add(*found)
    log(hold, action="hold.placed", by=by, note=reason.strip())
    for record in found:
        log(record, action="record.held", by=by, note=f"hold:{hold.pk}")
    return hold


@transaction.atomic
def hold_add_records(*, hold: LegalHold, records: list[Record], by) -> int:
    """Add records to an active hold. Raises PermissionDenied or ValidationError."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    _manage(by, hold.tenant_id)
    if not hold.is_active:
        raise ValidationError(_("This hold has been released."))
    found = _hold_records(hold.tenant_id, records)
    new = [r for r in found if not hold.records.filter(pk=r.pk).exists()]
    hold.records.add(*new)
    for record in new:
        log(record, action="record.held", by=by, note=f"hold:{hold.pk}")
    if new:
        log(hold, action="hold.records_added", by=by, note=", ".join(str(r.pk) for r in new))
    return len(new)


@transaction.atomic
def hold_release(*, hold: LegalHold, reason: str, by) -> LegalHold:
    """Release a hold (its records may be disposed of again unless another hold keeps
    them). Raises PermissionDenied or ValidationError."""
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    _manage(by, hold.tenant_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for releasing the hold.")})
    if not hold.is_active:
        raise ValidationError(_("This hold has already been released."))
    hold.released_at, hold.released_by = timezone.now(), by
    hold.release_reason = reason.strip()
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    log(hold, action="hold.released", by=by, note=reason.strip())
    return hold
