"""The tenant file's `file_plan` and `archive` sections. A tenant's first load brings the
default scheme (archive/data/file_plan_default.yaml); `file_plan` adds or overrides codes."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from pydantic import Field

from organizations.models import Position, Unit
from organizations.tenantfile import Section, Strict, TenantFileError
from workflows.choices import SecurityLevel

from .choices import Fate
from .models import Classification
from .services.fileplan import Code, archive_settings_set, default_codes, file_plan_load

CLASS_CODE = r"^\d{3}(\.\d+)*$"


class CodeEntry(Strict):
    code: str = Field(pattern=CLASS_CODE, max_length=30)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=2000)
    active: int | None = Field(default=None, ge=0, le=100)
    inactive: int | None = Field(default=None, ge=0, le=100)
    fate: Fate | None = None
    security: SecurityLevel | None = None
    units: list[str] = []


class ArchiveEntry(Strict):
    records_unit: str = Field(default="", max_length=40)
    static_archive: str = Field(default="", max_length=200)
    disposal_approvers: list[str] = Field(default=[], description="UNIT_CODE:POSITION_CODE")
    loan_days: int = Field(default=14, ge=1, le=365)


def _load_file_plan(tenant, entries: list[CodeEntry], base_dir: Path) -> dict[str, int]:
    own = [Code(**e.model_dump()) for e in entries]
    # The tenant's codes go on top of the default scheme (which a first load brings in); a
    # code the file names replaces the default one with the same code.
    fresh = not Classification.objects.filter(tenant=tenant).exists()
    named = {c.code for c in own}
    codes = [c for c in default_codes() if c.code not in named] if fresh else []
    codes += own
    if not codes:
        return {}
    try:
        made = file_plan_load(tenant=tenant, codes=codes)
    except ValidationError as exc:
        raise TenantFileError(f"file_plan: {'; '.join(exc.messages)}") from exc
    return {"classifications": made} if made else {}


def _load_archive(tenant, entries: list[ArchiveEntry], base_dir: Path) -> dict[str, int]:
    for e in entries[-1:]:  # one entry is expected; the last one wins
        unit = None
        if e.records_unit:
            unit = Unit.objects.filter(tenant=tenant, code=e.records_unit).first()
            if unit is None:
                raise TenantFileError(f"archive: unknown records unit {e.records_unit!r}.")
        approvers = []
        for ref in e.disposal_approvers:
            unit_code, _sep, pos_code = ref.partition(":")
            pos = Position.objects.filter(
                tenant=tenant, unit__code=unit_code, code=pos_code
            ).first()
            if pos is None:
                raise TenantFileError(f"archive: unknown disposal approver {ref!r}.")
            approvers.append(pos)
        archive_settings_set(
            tenant=tenant,
            records_unit=unit,
            static_archive=e.static_archive,
            disposal_approvers=approvers,
            loan_days=e.loan_days,
        )
    return {}


SECTIONS = [
    Section("file_plan", CodeEntry, _load_file_plan, order=40),
    Section("archive", ArchiveEntry, _load_archive, order=41),
]
