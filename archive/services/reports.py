"""The archive's own reports (berita acara, lists) filed as permanent records of the records
unit: the berita acara pemusnahan of an executed disposal proposal, the filing step the
transfers' lists and the handovers' berita acara penyerahan share with it, and the electronic
signature of any of them by the official its act names (`report_sign`).

A report is filed when its act is done (a proposal carried out, a list received), so the act
and its record exist together, then awaits its signer. The signature is an incremental
revision: the signed PDF begins with the filed bytes unchanged, so the record's file is
replaced by the signed one (its SHA-256 with it) and the audit chain keeps the hash and length
of what was filed: anyone can cut the signed file there and find the original."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from organizations.models import Tenant
from organizations.selectors import positions_held
from workflows.transitions import row_lock, transition_fire, transition_save

from .. import pdf
from ..choices import Decision, Fate, FileKind, RecordState
from ..models import Classification, DisposalProposal, Record, RecordFile
from ..permissions import can_act_in_tenant, can_sign_disposal_report
from ..registry import act_signer
from . import records as filing
from .common import log, settings_for

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


def report_signer_of(proposal: DisposalProposal):
    """The official who gave the proposal its final approval (the last step's decider), who
    signs its berita acara; None while that step is undecided."""
    last = proposal.approvals.select_related("decided_by").order_by("-step").first()
    return last.decided_by if last is not None and last.decision == Decision.APPROVED else None


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
    approvers = _approver_signers(proposal)
    signed_by = approvers[-1] if approvers and report_signer_of(proposal) else None
    content = pdf.disposal_report_pdf(
        heading=pdf.heading_for(tenant, settings.records_unit),
        number=number,
        city=tenant.city,
        day=day,
        destroyed=[pdf.row_for(r) for r in destroyed],
        permanent=[pdf.row_for(r) for r in made_permanent],
        approvers=approvers,
        executor=pdf.Signer(role="Pelaksana,", name=by.display_name, title=_executor_title(by)),
        e_signer=signed_by,
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


# --- the electronic signature of a filed report ---


@transaction.atomic
def report_sign[A: models.Model](
    *,
    act: A,
    by,
    passphrase: str,
    second_factor: bool,
    may_sign: Callable[[object, A], bool],
    reason: str,
    action: str,
) -> A:
    """The official an act (a disposal proposal, a transfer: any document with `report`,
    `report_signer` and `report_signed_at`) names signs its filed report with their signing
    passphrase (typed for this signature, never kept): the record's file becomes the signed
    PDF. `may_sign` is the act's policy, `reason` the signature's reason (the record's number
    is added), `action` the act's audit action. Raises PermissionDenied (not that official; no
    second factor), TransitionNotAllowed (not waiting for a signature: signed already) or
    ValidationError (a wrong passphrase, coded "wrong_passphrase"; no usable certificate; a
    provider that did not answer; a filed file that no longer matches its hash): then nothing
    changed."""
    act = row_lock(act)
    if not can_act_in_tenant(by, act.tenant_id) or act.report_signer_id != by.pk:
        raise PermissionDenied
    if not may_sign(by, act):
        raise TransitionNotAllowed("the report is not waiting for a signature")
    if not second_factor:
        raise PermissionDenied(
            _("Signing needs two-step verification: confirm the code from your authenticator.")
        )
    signer = act_signer()
    if signer is None:
        raise ValidationError(_("Electronic signing is not available on this server."))
    record, row, filed = _report_file(act)
    tenant = Tenant.objects.get(pk=act.tenant_id)
    signed = signer.sign(
        filed,
        user=by,
        passphrase=passphrase,
        reason=f"{reason} {record.number}",
        location=tenant.city,
    )
    if not signed.startswith(filed):  # an incremental signature leaves the filed bytes alone
        raise ValidationError(_("The signature would change the filed berita acara."))
    before, now = row.sha256, timezone.now()
    _file_replace(row, signed)
    Record.objects.filter(pk=record.pk).update(updated_at=now)
    log(
        record,
        action="record.signed",
        by=by,
        source=before,
        target=row.sha256,
        note=f"{row.name}: the first {len(filed)} bytes are the file as filed",
    )
    act.report_signed_at = now
    act.save(update_fields=["report_signed_at"])
    log(act, action=action, by=by, note=f"record:{record.pk}")
    return act


def disposal_report_sign(
    *, proposal: DisposalProposal, by, passphrase: str, second_factor: bool
) -> DisposalProposal:
    """The official who gave the final approval signs the filed berita acara pemusnahan (see
    `report_sign`, which says what it raises)."""
    return report_sign(
        act=proposal,
        by=by,
        passphrase=passphrase,
        second_factor=second_factor,
        may_sign=can_sign_disposal_report,
        reason="Penandatanganan berita acara pemusnahan arsip",
        action="proposal.report_signed",
    )


def _report_file(act) -> tuple[Record, RecordFile, bytes]:
    """The act's filed report's record and its PDF (both locked) with the PDF's bytes,
    checked against the hash it was filed with. Raises ValidationError."""
    record = Record.objects.select_for_update().get(pk=act.report_id)
    row = (
        RecordFile.objects.select_for_update()
        .filter(record=record, kind=FileKind.MINUTES, deleted_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if record.state == RecordState.DESTROYED or row is None or not row.file:
        raise ValidationError(_("The berita acara is no longer kept; nothing was signed."))
    with row.file.open("rb") as fh:
        filed = fh.read()
    if filing.sha256_of(filed) != row.sha256:
        raise ValidationError(
            _(
                "The stored berita acara no longer matches the hash it was filed with, so it "
                "is not signed. Tell the administrator."
            )
        )
    return record, row, filed


def _file_replace(row: RecordFile, content: bytes) -> None:
    """Store `content` as the row's file (named by its hash, as filing names files); the old
    stored file goes once this commits (a rollback keeps it and leaves the new one unused)."""
    storage, old = row.file.storage, row.file.name
    digest = filing.sha256_of(content)
    row.file.save(f"{digest[:32]}.pdf", ContentFile(content), save=False)
    row.size, row.sha256 = len(content), digest
    row.save(update_fields=["file", "size", "sha256"])

    def _drop() -> None:
        with contextlib.suppress(OSError):
            storage.delete(old)

    transaction.on_commit(_drop)
