"""Reads of disposal proposals and legal holds for the pages: who may see which, with the
counts and current step a list needs in one query."""

from __future__ import annotations

import re

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from core.query import id_or_404
from organizations.selectors import positions_held

from ..choices import ProposalState
from ..models import DisposalApproval, DisposalItem, DisposalProposal, LegalHold, Record, RecordFile
from ..permissions import can_manage_disposal, is_records_unit_archivist

# A record in a proposal in one of these states is not proposed again.
OPEN = [ProposalState.DRAFT, ProposalState.PENDING, ProposalState.APPROVED]


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


def proposals_visible_to(user) -> QuerySet[DisposalProposal]:
    """Proposals the user may open, newest first: all of the tenant for an archivist of the
    records unit, else those with a step for a position the user holds; each with its number
    of items and its current step (number and position title)."""
    if not user.is_authenticated or user.tenant_id is None:
        return DisposalProposal.objects.none()
    qs = DisposalProposal.objects.filter(tenant_id=user.tenant_id)
    if not is_records_unit_archivist(user):
        steps = DisposalApproval.objects.filter(position__in=positions_held(user).values("pk"))
        qs = qs.filter(pk__in=steps.values("proposal_id"))
    waiting = DisposalApproval.objects.filter(proposal=OuterRef("pk"), decision="").order_by("step")
    return qs.annotate(
        item_count=Count("items"),
        step_no=Subquery(waiting.values("step")[:1]),
        step_title=Subquery(waiting.values("position__title")[:1]),
    ).order_by("-created_at", "-pk")


def proposal_get_for_user(user, pk) -> DisposalProposal:
    """One proposal the user may open; a hidden or another tenant's one is a 404."""
    try:
        return (
            proposals_visible_to(user)
            .select_related("created_by", "executed_by", "report_signer")
            .get(pk=id_or_404(pk))
        )
    except DisposalProposal.DoesNotExist:
        raise Http404 from None


def proposal_items(proposal: DisposalProposal) -> QuerySet[DisposalItem]:
    """The proposal's items with their records, each flagged `is_held` if under a hold now."""
    return (
        proposal.items.select_related("record", "record__classification", "record__unit")
        .annotate(is_held=Exists(held_record_ids().filter(record_id=OuterRef("record_id"))))
        .order_by("record__classification__code", "record__document_date", "pk")
    )


def proposal_steps(proposal: DisposalProposal) -> list[DisposalApproval]:
    """The approval steps in order, with position and who decided."""
    return list(proposal.approvals.select_related("position", "decided_by").order_by("step"))


def proposal_item(proposal: DisposalProposal, pk) -> DisposalItem | None:
    """One item of the proposal, or None (already removed, or not an id)."""
    try:
        return proposal.items.filter(pk=int(pk)).first()
    except (ValueError, TypeError, OverflowError):
        return None


def proposal_decided_by(proposal: DisposalProposal, user) -> bool:
    """Whether the user already decided a step of the proposal (a second click)."""
    return proposal.approvals.filter(decided_by_id=user.pk).exists()


def proposal_report_files(user, proposal: DisposalProposal) -> list[RecordFile]:
    """The kept files of the proposal's berita acara, if the user may open that record."""
    if proposal.report_id is None:
        return []
    if not Record.objects.visible_to(user).filter(pk=proposal.report_id).exists():
        return []
    return list(RecordFile.objects.filter(record_id=proposal.report_id, deleted_at__isnull=True))


def holds_visible_to(user) -> QuerySet[LegalHold]:
    """The tenant's legal holds for those who manage disposal (nobody else), active first,
    each with its number of records."""
    if not user.is_authenticated or user.tenant_id is None or not can_manage_disposal(user):
        return LegalHold.objects.none()
    return (
        LegalHold.objects.filter(tenant_id=user.tenant_id)
        .select_related("created_by", "released_by")
        .annotate(record_count=Count("records"))
        .order_by(F("released_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def hold_get_for_user(user, pk) -> LegalHold:
    """One hold the user may manage; else 404."""
    try:
        return holds_visible_to(user).get(pk=id_or_404(pk))
    except LegalHold.DoesNotExist:
        raise Http404 from None


def hold_records(hold: LegalHold) -> QuerySet[Record]:
    """The records under a hold, by code and date."""
    return hold.records.select_related("classification", "unit").order_by(
        "classification__code", "document_date", "pk"
    )


def _references(text: str) -> list[str]:
    refs: list[str] = []
    for part in re.split(r"[\n,;]+", text):
        part = part.strip()
        # "12 13 #14" on one line is three ids; a record number may itself hold spaces.
        refs.extend(part.split() if re.fullmatch(r"[#0-9\s]*", part) else [part])
    return list(dict.fromkeys(refs))


def records_by_reference(tenant_id: int, text: str) -> tuple[list[Record], list[str]]:
    """The tenant's records named in free text, one reference per line or separated by commas:
    a record's id ("123" or "#123") or its number as written on it ("000.1/12/2024", which may
    name several records). Returns the records found and the references that named none."""
    refs = _references(text)
    ids = {int(r.lstrip("#")): r for r in refs if re.fullmatch(r"#?[0-9]{1,15}", r)}
    numbers = [r for r in refs if r not in ids.values()]
    found = list(
        Record.objects.filter(tenant_id=tenant_id)
        .filter(Q(pk__in=list(ids)) | Q(number__in=numbers))
        .select_related("classification")
        .order_by("classification__code", "document_date", "pk")
    )
    named = {r.pk for r in found} | {r.number for r in found}
    missing = [ref for pk, ref in ids.items() if pk not in named]
    missing += [ref for ref in numbers if ref not in named]
    return found, missing
