"""The archive's own reports (berita acara) filed as permanent records of the records unit:
the berita acara pemusnahan of an executed disposal proposal, and the filing step a
handover's berita acara penyerahan shares with it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import Tenant
from organizations.selectors import positions_held
from workflows.transitions import row_lock, transition_fire, transition_save

from .. import pdf
from ..choices import Fate, FileKind, RecordState
from ..models import Classification, DisposalProposal, Record
from . import records as filing
from .common import settings_for

REPORT_CODE = "000.5"  # Kearsipan, where the berita acara is filed


def report_classification(tenant_id: int, code: str = REPORT_CODE) -> Classification:
    """The tenant's code for archive management documents ("000.5"), or the nearest one that
    exists: its parents, then the first active code. Raises ValidationError (no file plan)."""
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
    the records unit. Raises ValidationError (no records unit and no position to stand for
    it, or no file plan)."""
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
    record = row_lock(record)
    # Filed active, the report goes straight to permanent: one audit row for both steps.
    if record.state == RecordState.ACTIVE:
        transition_fire(record, "deactivate", at=now)
    if record.state == RecordState.INACTIVE:
        transition_fire(record, "make_permanent", at=now)
    record.fate = Fate.PERMANENT
    transition_save(
        record,
        "",
        action="record.made_permanent",
        by=by,
        note="report",
        update_fields=["state", "closed_at", "fate", "updated_at"],
    )
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


def _executor_title(user) -> str:
    held = positions_held(user).first()
    return held.title if held is not None else ""


def disposal_report_file(
    proposal: DisposalProposal,
    *,
    destroyed: list[Record],
    made_permanent: list[Record],
    by,
    now,
) -> Record:
    """Write and file the berita acara pemusnahan of an executed proposal. Raises
    ValidationError (see `file_permanent_report`)."""
    tenant = Tenant.objects.get(pk=proposal.tenant_id)
    day = timezone.localdate(now)
    number = f"{REPORT_CODE}/BA-PMS/{proposal.number}/{day.year}"
    settings = settings_for(tenant.pk)
    content = pdf.disposal_report_pdf(
        heading=pdf.heading_for(tenant, settings.records_unit),
        number=number,
        city=tenant.city,
        day=day,
        destroyed=[pdf.row_for(r) for r in destroyed],
        permanent=[pdf.row_for(r) for r in made_permanent],
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
