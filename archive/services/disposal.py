"""The end of a record's life: the daily retention sweep, disposal proposals approved in turn
by the tenant's named positions, their execution (files deleted, metadata kept as a tombstone,
a berita acara pemusnahan filed as a permanent record, then signed electronically by the
official who gave the final approval) and reviews. Legal holds are in
`holds` (re-exported here), the berita acara in `reports`.

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
from workflows.transitions import row_lock, transition_fire, transition_run, transition_save

from ..choices import Decision, Fate, ProposalState, RecordState, TextState
from ..models import DisposalApproval, DisposalItem, DisposalProposal, Record, RecordFile
from ..permissions import can_act_in_tenant, can_decide_step, can_manage_disposal
from ..selectors.disposal import OPEN, held_record_ids, records_in_open_proposal
from .common import log, next_number, settings_for, settings_lock
from .holds import hold_add_records, hold_place, hold_release
from .reports import disposal_report_file, disposal_report_sign, report_signer_of

__all__ = [
    "MAX_EXTEND_YEARS",
    "Execution",
    "disposal_report_sign",
    "hold_add_records",
    "hold_place",
    "hold_release",
    "proposal_cancel",
    "proposal_create",
    "proposal_decide",
    "proposal_execute",
    "proposal_item_decide",
    "proposal_item_remove",
    "proposal_submit",
    "record_review_extend",
    "retention_sweep",
]

MAX_EXTEND_YEARS = 30


def _today() -> dt.date:
    return timezone.localdate()


def _manage(by, tenant_id: int) -> None:
    if not can_manage_disposal(by, tenant_id):
        raise PermissionDenied


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
        fired = transition_fire(record, "deactivate", at=now)
        transition_save(
            record,
            fired,
            action="record.deactivated",
            update_fields=["state", "closed_at", "updated_at"],
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
    proposal = row_lock(item.proposal)
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
    proposal = row_lock(item.proposal)
    _manage(by, proposal.tenant_id)
    if proposal.state != ProposalState.DRAFT:
        raise ValidationError(_("Only a draft proposal can be changed."))
    DisposalItem.objects.filter(pk=item.pk, proposal=proposal).delete()
    log(proposal, action="proposal.item_removed", by=by, note=f"record:{item.record_id}")


def _approver_positions(proposal: DisposalProposal) -> list[Position]:
    """The tenant's disposal approvers, in order; raises ValidationError if one is missing."""
    approver_ids = list(settings_for(proposal.tenant_id).disposal_approvers or [])
    positions = {
        p.pk: p
        for p in Position.objects.filter(
            pk__in=approver_ids, tenant_id=proposal.tenant_id, is_active=True
        )
    }
    if not approver_ids or any(pk not in positions for pk in approver_ids):
        raise ValidationError(_("Name the disposal approvers in the archive settings first."))
    return [positions[pk] for pk in approver_ids]


@transaction.atomic
def proposal_submit(*, proposal: DisposalProposal, by) -> DisposalProposal:
    """Send a draft to its approvers (the tenant's disposal approvers, in order). Raises
    PermissionDenied, ValidationError (review items undecided, records on hold, no approvers)
    or TransitionNotAllowed."""
    proposal = row_lock(proposal)
    _manage(by, proposal.tenant_id)
    items = proposal.items.all()
    if not items.exists():
        raise ValidationError(_("The proposal has no records."))
    if items.filter(action=Fate.REVIEW).exists():
        raise ValidationError(_("Decide every record marked for review first."))
    held = held_record_ids()
    if Record.objects.filter(disposal_items__proposal=proposal, pk__in=held).exists():
        raise ValidationError(_("Some records are under a legal hold: take them out first."))
    positions = _approver_positions(proposal)
    fired = transition_fire(proposal, "submit")
    proposal.save(update_fields=["state"])
    proposal.approvals.all().delete()  # a draft has none; kept simple if resubmitted
    DisposalApproval.objects.bulk_create(
        [
            DisposalApproval(proposal=proposal, step=i, position=position)
            for i, position in enumerate(positions, start=1)
        ]
    )
    transition_save(proposal, fired, action="proposal.submitted", by=by, save=False)
    return proposal


@transaction.atomic
def proposal_decide(
    *, proposal: DisposalProposal, by, decision: str, note: str = ""
) -> DisposalProposal:
    """The holder of the current step's position approves or rejects. The last approval
    approves the proposal; a rejection ends it and frees its records. Raises
    PermissionDenied (not the current approver), ValidationError or TransitionNotAllowed."""
    proposal = row_lock(proposal)
    if not can_act_in_tenant(by, proposal.tenant_id):
        raise PermissionDenied
    if decision not in (Decision.APPROVED, Decision.REJECTED):
        raise ValidationError(_("Approve or reject."))
    if decision == Decision.REJECTED and not note.strip():
        raise ValidationError({"note": _("Say why the proposal is rejected.")})
    if proposal.state != ProposalState.PENDING:
        raise ValidationError(_("This proposal is not waiting for approval."))
    step = proposal.approvals.select_for_update().filter(decision="").order_by("step").first()
    if not can_decide_step(by, step):
        raise PermissionDenied
    step.decision, step.decided_by, step.decided_at = decision, by, timezone.now()
    step.note = note.strip()
    step.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    log(proposal, action=f"proposal.step_{decision}", by=by, target=str(step.step), note=note)
    if decision == Decision.REJECTED:
        name, action = "reject", "proposal.rejected"
    elif not proposal.approvals.filter(decision="").exists():
        name, action = "approve", "proposal.approved"
    else:
        return proposal
    fired = transition_fire(proposal, name)
    transition_save(proposal, fired, action=action, by=by, update_fields=["state"])
    return proposal


@transaction.atomic
def proposal_cancel(*, proposal: DisposalProposal, by, note: str = "") -> DisposalProposal:
    """Withdraw a draft or pending proposal (its records are free again). Raises
    PermissionDenied or TransitionNotAllowed."""
    proposal = row_lock(proposal)
    _manage(by, proposal.tenant_id)
    return transition_run(
        proposal,
        "cancel",
        action="proposal.cancelled",
        by=by,
        check_perm=False,
        lock=False,
        note=note,
        update_fields=["state"],
    )


@dataclass
class Execution:
    """What carrying out a proposal did: the records destroyed, made permanent, and skipped
    (with the reason)."""

    proposal: DisposalProposal
    destroyed: list[Record] = field(default_factory=list)
    made_permanent: list[Record] = field(default_factory=list)
    skipped: list[tuple[Record, str]] = field(default_factory=list)


def _delete_stored(names: list[tuple[object, str]]) -> None:
    for storage, name in names:
        with contextlib.suppress(OSError):  # already gone: the row is the tombstone anyway
            storage.delete(name)


def _tombstone(record: Record, now, *, by, note: str) -> None:
    """Destroy the record: its files leave storage (after commit), its metadata stays."""
    stored = []
    for f in RecordFile.objects.select_for_update().filter(record=record, deleted_at__isnull=True):
        stored += [(x.storage, x.name) for x in (f.file, f.ocr_file) if x]
        f.file = f.ocr_file = ""
        f.text = ""
        f.text_state = TextState.SKIPPED
        f.deleted_at = now
        f.save(update_fields=["file", "ocr_file", "text", "text_state", "deleted_at"])
    transition_run(
        record,
        "destroy",
        action="record.destroyed",
        by=by,
        check_perm=False,
        lock=False,  # locked by the proposal's execution
        note=note,
        update_fields=["state", "closed_at", "body", "attachment_text", "updated_at"],
        on_commit=[lambda: _delete_stored(stored)] if stored else [],
        at=now,
    )


def _execute_item(item: DisposalItem, record: Record, result: Execution, *, by, now) -> None:
    """Destroy the item's record or make it permanent, as the proposal decided."""
    note = f"proposal:{result.proposal.number}"
    if item.action == Fate.PERMANENT:
        transition_run(
            record,
            "make_permanent",
            action="record.made_permanent",
            by=by,
            check_perm=False,
            lock=False,
            note=note,
            update_fields=["state", "closed_at", "updated_at"],
            at=now,
        )
        result.made_permanent.append(record)
    else:
        _tombstone(record, now, by=by, note=note)
        result.destroyed.append(record)


@transaction.atomic
def proposal_execute(*, proposal: DisposalProposal, by) -> Execution:
    """Carry out an approved proposal: destroy (files deleted, tombstone kept) or make
    permanent each record, skipping (and reporting) any put under a hold since; file the
    berita acara pemusnahan as a permanent record. Raises PermissionDenied or
    ValidationError."""
    proposal = row_lock(proposal)
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
        elif record.state != RecordState.INACTIVE:
            result.skipped.append((record, _("no longer inactive")))
        else:
            _execute_item(item, record, result, by=by, now=now)
    fired = transition_fire(proposal, "execute", at=now, actor=by)
    if result.destroyed or result.made_permanent:
        proposal.report = disposal_report_file(
            proposal,
            destroyed=result.destroyed,
            made_permanent=result.made_permanent,
            by=by,
            now=now,
        )
        # It awaits the electronic signature of the official who gave the final approval.
        proposal.report_signer = report_signer_of(proposal)
    transition_save(
        proposal,
        fired,
        action="proposal.executed",
        by=by,
        note=f"destroyed={len(result.destroyed)} permanent={len(result.made_permanent)} "
        f"skipped={len(result.skipped)}",
        update_fields=["state", "executed_at", "executed_by", "report", "report_signer"],
    )
    return result


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
    record = row_lock(record)
    if DisposalItem.objects.filter(
        record=record, proposal__state__in=[ProposalState.PENDING, ProposalState.APPROVED]
    ).exists():
        raise ValidationError(_("The record is in a proposal waiting for approval."))
    before = record.inactive_until
    transition_fire(record, "extend", years=years)
    record.save(update_fields=["state", "inactive_until", "updated_at"])
    DisposalItem.objects.filter(record=record, proposal__state=ProposalState.DRAFT).delete()
    # The state stays inactive: this row's source and target are the end dates.
    log(
        record,
        action="record.retention_extended",
        by=by,
        source=before.isoformat(),
        target=record.inactive_until.isoformat(),
        note=f"{years}",
    )
    return record
