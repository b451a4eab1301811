"""The file plan (classification codes with their retention rule) and the tenant's archive
settings, loaded from the tenant file or from the default scheme."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import Unit
from workflows.choices import SecurityLevel

from ..choices import Fate
from ..models import Classification
from ..permissions import can_manage_file_plan
from .common import log, settings_lock

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "file_plan_default.yaml"


@dataclass
class Code:
    """One code of a file plan as it is written in a file (what it leaves out it inherits)."""

    code: str
    title: str
    description: str = ""
    active: int | None = None
    inactive: int | None = None
    fate: str | None = None
    security: str | None = None
    units: list[str] = field(default_factory=list)


def parent_code(code: str) -> str | None:
    """ "000.1.2" → "000.1" → "000"; a top-level code has none."""
    return code.rsplit(".", 1)[0] if "." in code else None


def default_codes() -> list[Code]:
    return [Code(**row) for row in yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))]


@transaction.atomic
def file_plan_load(*, tenant, codes: list[Code]) -> int:
    """Create or update the tenant's codes (parents before children, inheriting retention
    rules). Codes not in the list are kept. Raises ValidationError naming the bad code."""
    existing = {c.code: c for c in Classification.objects.filter(tenant=tenant)}
    made = 0
    for entry in sorted(
        codes, key=lambda c: [int(p) if p.isdigit() else p for p in c.code.split(".")]
    ):
        up = parent_code(entry.code)
        parent = existing.get(up) if up else None
        if up and parent is None:
            raise ValidationError(
                _("%(code)s: its parent code %(parent)s is not in the file plan.")
                % {"code": entry.code, "parent": up}
            )
        fate = entry.fate or (parent.fate if parent else Fate.DESTROY)
        security = entry.security or (parent.default_security if parent else SecurityLevel.BIASA)
        if fate not in Fate.values or security not in SecurityLevel.values:
            raise ValidationError(
                _("%(code)s: unknown fate or security level.") % {"code": entry.code}
            )
        values = {
            "title": entry.title,
            "description": entry.description,
            "parent": parent,
            "depth": entry.code.count(".") + 1,
            "active_years": entry.active
            if entry.active is not None
            else (parent.active_years if parent else 2),
            "inactive_years": entry.inactive
            if entry.inactive is not None
            else (parent.inactive_years if parent else 3),
            "fate": fate,
            "default_security": security,
            "is_active": True,
        }
        obj = existing.get(entry.code)
        if obj is None:
            obj = Classification(tenant=tenant, code=entry.code, **values)
            made += 1
        else:
            for key, value in values.items():
                setattr(obj, key, value)
        obj.full_clean(exclude=["tenant"], validate_unique=False)
        obj.save()
        existing[entry.code] = obj
        if entry.units:
            units = list(Unit.objects.filter(tenant=tenant, code__in=entry.units))
            missing = set(entry.units) - {u.code for u in units}
            if missing:
                raise ValidationError(
                    _("%(code)s: unknown units %(units)s.")
                    % {"code": entry.code, "units": ", ".join(sorted(missing))}
                )
            obj.units.set(units)
    return made


def file_plan_ensure_default(tenant) -> int:
    """Give a tenant without a file plan the default scheme; returns the codes made."""
    if Classification.objects.filter(tenant=tenant).exists():
        return 0
    return file_plan_load(tenant=tenant, codes=default_codes())


@transaction.atomic
def classification_update(*, classification: Classification, by, **changes) -> Classification:
    """Change a code's title or retention rule (new filings use it; records already filed
    keep their dates). Raises PermissionDenied or ValidationError."""
    if not can_manage_file_plan(by, classification.tenant):
        raise PermissionDenied
    allowed = {
        "title",
        "description",
        "active_years",
        "inactive_years",
        "fate",
        "default_security",
        "is_active",
    }
    if set(changes) - allowed:
        raise ValidationError(_("These fields cannot be changed here."))
    obj = Classification.objects.select_for_update().get(pk=classification.pk)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    log_target = ", ".join(f"{k}={v}" for k, v in sorted(changes.items()))
    log(obj, action="classification.updated", by=by, note=log_target)
    return obj


@transaction.atomic
def archive_settings_set(
    *,
    tenant,
    records_unit=None,
    static_archive: str = "",
    disposal_approvers: list | None = None,
    loan_days: int | None = None,
):
    """Set the tenant's records unit, static archive, disposal approvers (positions, in order)
    and loan period. Raises ValidationError for a position or unit of another tenant."""
    obj = settings_lock(tenant.pk)
    if records_unit is not None:
        if records_unit.tenant_id != tenant.pk:
            raise ValidationError(_("The records unit must belong to the tenant."))
        obj.records_unit = records_unit
    if static_archive:
        obj.static_archive = static_archive
    if disposal_approvers is not None:
        if any(p.tenant_id != tenant.pk for p in disposal_approvers):
            raise ValidationError(_("Disposal approvers must be positions of the tenant."))
        obj.disposal_approvers = [p.pk for p in disposal_approvers]
    if loan_days is not None:
        obj.loan_days = loan_days
    obj.full_clean()
    obj.save()
    return obj
