"""The tenant file's `security_levels` section: how far each security level reaches in a unit
(see `workflows.reach`). A level the file leaves out keeps its default; a field an entry
leaves out keeps the level's default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from organizations.choices import RoleKind
from organizations.models import Position
from organizations.tenantfile import CODE, Section, Strict, TenantFileError
from organizations.validators import ECHELON

from .choices import SecurityLevel
from .models import SecurityReach
from .reach import DEFAULT_REACH, READING_ROLES


class SecurityLevelEntry(Strict):
    level: SecurityLevel
    unit_head: bool | None = None
    delegates: bool | None = None
    roles: list[RoleKind] | None = None
    positions: list[Annotated[str, Field(pattern=CODE, max_length=40)]] = []
    echelons: list[Annotated[str, Field(pattern=ECHELON)]] = []


def _load(tenant, entries: list[SecurityLevelEntry], base_dir: Path) -> dict[str, int]:
    made = 0
    seen: set[str] = set()
    for i, e in enumerate(entries):
        where = f"security_levels[{i}] ({e.level})"
        if e.level in seen:
            raise TenantFileError(f"{where}: this level is set twice.")
        seen.add(e.level)
        wrong = [r for r in (e.roles or []) if r not in READING_ROLES]
        if wrong:
            allowed = ", ".join(READING_ROLES)
            raise TenantFileError(f"{where} > roles: {', '.join(wrong)} (use {allowed}).")
        known = set(
            Position.objects.filter(tenant=tenant, code__in=e.positions).values_list(
                "code", flat=True
            )
        )
        unknown = [c for c in e.positions if c not in known]
        if unknown:
            raise TenantFileError(f"{where} > positions: no post has the code {unknown[0]}.")
        default = DEFAULT_REACH[e.level]
        _, created = SecurityReach.objects.update_or_create(
            tenant=tenant,
            level=e.level,
            defaults={
                "unit_head": default.unit_head if e.unit_head is None else e.unit_head,
                "delegates": default.delegates if e.delegates is None else e.delegates,
                "roles": [str(r) for r in (default.roles if e.roles is None else e.roles)],
                "position_codes": e.positions,
                "echelons": e.echelons,
            },
        )
        made += created
    # A level the file no longer sets goes back to its default.
    SecurityReach.objects.filter(tenant=tenant).exclude(level__in=seen).delete()
    return {"security levels": made} if made else {}


SECTIONS = [Section("security_levels", SecurityLevelEntry, _load, order=5)]
