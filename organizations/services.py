"""Writes for the organisation: tenants (from the tenant file), units, positions, assignments."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from .access import access_changed
from .choices import AssignmentKind, RegionalRole, RoleKind, UnitKind
from .models import Assignment, Position, Tenant, TenantDomain, Unit, UnitRole, User
from .selectors import tenant_cache_clear
from .tenantfile import (
    ParsedTenantFile,
    PositionEntry,
    TenantFileError,
    UnitEntry,
    UnitLetterhead,
    UserEntry,
    parse,
    registered_sections,
)


class _Counts(dict):
    def bump(self, key: str, n: int = 1) -> None:
        self[key] = self.get(key, 0) + n


def _clean(obj, where: str, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        details = "; ".join(
            f"{field}: {' '.join(str(m) for m in msgs)}" for field, msgs in exc.message_dict.items()
        )
        raise TenantFileError(f"{where}: {details}") from exc


def _save_counted(obj, where: str, counts, what: str, exclude: list[str] | None = None) -> None:
    """Validate and save a row the tenant file creates or changes, and count it as `what`."""
    _clean(obj, where, exclude)
    obj.save()
    counts.bump(what)


def _apply(obj, values: dict) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def tenant_load_file(path: Path, *, dry_run: bool = False) -> dict[str, int]:
    """Create or update a tenant from its file, all or nothing. Raises TenantFileError."""
    parsed = parse(path)
    return tenant_load(parsed, dry_run=dry_run)


class _DryRun(Exception):
    pass


def tenant_load(parsed: ParsedTenantFile, *, dry_run: bool = False) -> dict[str, int]:
    """Apply a parsed tenant file in one transaction (rolled back when dry_run)."""
    counts = _Counts()
    try:
        with transaction.atomic():
            tenant = _load_tenant(parsed, counts)
            units = _load_units(parsed, tenant, counts)
            _load_users(parsed, tenant, units, counts)
            for section in registered_sections():
                # A section absent from the file still loads (with no entries), so an app
                # can give every tenant its defaults.
                entries = parsed.sections.get(section.name) or []
                for key, n in section.load(tenant, entries, parsed.base_dir).items():
                    counts.bump(key, n)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except IntegrityError as exc:
        raise TenantFileError(f"{parsed.source}: the database refused the file: {exc}") from exc
    finally:
        tenant_cache_clear()
    return dict(counts)


def _load_tenant(parsed: ParsedTenantFile, counts: _Counts) -> Tenant:
    t = parsed.core.tenant
    where = f"{parsed.source}: tenant ({t.slug})"
    values = {
        "name": t.name,
        "app_name": t.app_name,
        "short_name": t.short_name,
        "city": t.city,
        "region": t.region,
        "time_zone": t.time_zone.value,
        "primary_colour": t.colours.primary.lower(),
        "accent_colour": t.colours.accent.lower(),
        "letterhead_government": t.letterhead.government,
        "letterhead_address": t.letterhead.address,
        "letterhead_phone": t.letterhead.phone,
        "letterhead_email": t.letterhead.email,
        "letterhead_website": t.letterhead.website,
        "number_pattern": t.number_pattern,
        "max_reviewers": t.max_reviewers,
        "mail_from_name": t.mail_from.name,
        "mail_from_address": t.mail_from.address,
    }
    tenant = Tenant.objects.select_for_update().filter(slug=t.slug).first()
    if tenant is None:
        tenant = Tenant(slug=t.slug, **values)
        _save_counted(tenant, where, counts, "tenants created", exclude=["logo"])
    elif _apply(tenant, values):
        _save_counted(tenant, where, counts, "tenants updated", exclude=["logo"])
    if t.logo:
        _load_logo(parsed, tenant, where, counts)
    _load_domains(parsed, tenant, where, counts)
    return tenant


def _load_logo(parsed: ParsedTenantFile, tenant: Tenant, where: str, counts: _Counts) -> None:
    """Store the tenant file's logo when it differs from the stored one."""
    t = parsed.core.tenant
    logo_path = (parsed.base_dir / t.logo).resolve()
    try:
        content = logo_path.read_bytes()
    except OSError as exc:
        raise TenantFileError(f"{where} > logo: cannot read {logo_path} ({exc.strerror}).") from exc
    current = b""
    if tenant.logo:
        try:
            with tenant.logo.open("rb") as fh:
                current = fh.read()
        except OSError:
            current = b""
    if hashlib.sha256(current).digest() != hashlib.sha256(content).digest():
        tenant.logo.save(f"{t.slug}{logo_path.suffix.lower()}", ContentFile(content), save=True)
        counts.bump("logos stored")


def _load_domains(parsed: ParsedTenantFile, tenant: Tenant, where: str, counts: _Counts) -> None:
    """The tenant's hosts as the file lists them, the first one primary; a host another tenant
    holds raises TenantFileError."""
    t = parsed.core.tenant
    hosts = [h.strip().lower() for h in t.domains]
    for i, host in enumerate(hosts):
        clash = TenantDomain.objects.filter(host=host).exclude(tenant=tenant).first()
        if clash:
            raise TenantFileError(
                f"{where} > domains[{i}] ({host}): already used by tenant {clash.tenant.slug}."
            )
    TenantDomain.objects.filter(tenant=tenant).exclude(host__in=hosts).delete()
    TenantDomain.objects.filter(tenant=tenant).update(is_primary=False)
    for i, host in enumerate(hosts):
        _, created = TenantDomain.objects.update_or_create(
            host=host, defaults={"tenant": tenant, "is_primary": i == 0}
        )
        if created:
            counts.bump("domains created")


def _positions_for(parsed: ParsedTenantFile, entry: UnitEntry) -> list[PositionEntry]:
    templates = parsed.core.position_templates.get(entry.kind, [])
    explicit = {p.code: p for p in entry.positions}
    has_own_head = any(p.head for p in entry.positions)
    merged: list[PositionEntry] = []
    for tpl in templates:
        # A unit's own positions win: same code, or its own head instead of the template's.
        if tpl.code in explicit or (tpl.head and has_own_head):
            continue
        short = entry.short_name or entry.name
        merged.append(
            tpl.model_copy(update={"title": tpl.title.format(name=entry.name, short_name=short)})
        )
    return merged + list(entry.positions)


def _load_units(parsed: ParsedTenantFile, tenant: Tenant, counts: _Counts) -> dict[str, Unit]:
    existing = {u.code: u for u in Unit.objects.filter(tenant=tenant)}
    seen: dict[str, str] = {}
    units: dict[str, Unit] = {}

    def walk(entries: list[UnitEntry], parent: Unit | None, trail: str) -> None:
        for i, entry in enumerate(entries):
            where = f"{parsed.source}: {trail}[{i}] ({entry.code})"
            if entry.code in seen:
                raise TenantFileError(
                    f"{where}: unit code {entry.code} is used twice (also at {seen[entry.code]})."
                )
            seen[entry.code] = where
            values = {
                "name": entry.name,
                "short_name": entry.short_name,
                "kind": entry.kind.value,
                "is_active": entry.active,
                # Only the lines the file gives: the others fall back to the tenant's.
                "letterhead": {
                    k: v
                    for k, v in (entry.letterhead or UnitLetterhead()).model_dump().items()
                    if v
                },
            }
            unit = existing.get(entry.code)
            if unit is None:
                probe = Unit(tenant=tenant, code=entry.code, **values)
                _clean(probe, where, exclude=["path", "depth", "numchild"])
                unit = unit_create(tenant=tenant, parent=parent, code=entry.code, **values)
                counts.bump("units created")
            else:
                path_before = unit.path
                unit = unit_move(unit=unit, parent=parent)
                if unit.path != path_before:
                    counts.bump("units moved")
                if _apply(unit, values):
                    _save_counted(
                        unit, where, counts, "units updated", exclude=["path", "depth", "numchild"]
                    )
            units[entry.code] = unit
            _load_positions(parsed, tenant, unit, entry, where, counts)
            walk(entry.children, unit, f"{trail}[{i}] ({entry.code}) > children")

    walk(parsed.core.units, None, "units")
    return units


def _load_positions(
    parsed: ParsedTenantFile,
    tenant: Tenant,
    unit: Unit,
    entry: UnitEntry,
    where: str,
    counts: _Counts,
) -> None:
    existing = {p.code: p for p in Position.objects.filter(unit=unit)}
    heads = [p.code for p in _positions_for(parsed, entry) if p.head]
    if len(heads) > 1:
        raise TenantFileError(f"{where} > positions: more than one head ({', '.join(heads)}).")
    for j, pos in enumerate(_positions_for(parsed, entry)):
        values = {
            "title": pos.title,
            "is_head": pos.head,
            "can_sign": pos.signer,
            "echelon": pos.echelon,
            "sort_order": pos.order,
            "regional_role": _regional_role(pos, unit, entry),
            "is_active": True,
        }
        position = existing.get(pos.code)
        if position is None:
            position = Position(tenant=tenant, unit=unit, code=pos.code, **values)
            _clean(position, f"{where} > positions[{j}] ({pos.code})")
            position.save()
            counts.bump("positions created")
        elif _apply(position, values):
            _clean(position, f"{where} > positions[{j}] ({pos.code})")
            position.save()
            counts.bump("positions updated")


def _regional_role(pos: PositionEntry, unit: Unit, entry: UnitEntry) -> str:
    """The post's regional role as the file gives it; not given, inferred only in the regional
    head's office (a top-level unit of kind office): its head is the regional head (kdh), its
    other signers the vice (wkdh). The Sekda is never inferred: a secretariat under the root
    may as well be the DPRD's, so the file names it."""
    if pos.regional_role is not None:
        return pos.regional_role.value
    if unit.depth != 1 or entry.kind != UnitKind.OFFICE:
        return RegionalRole.NONE.value
    if pos.head:
        return RegionalRole.HEAD.value
    return RegionalRole.VICE_HEAD.value if pos.signer else RegionalRole.NONE.value


def position_by_ref(ref: str, tenant: Tenant, where: str) -> Position:
    """The post a tenant file names as UNIT_CODE:POSITION_CODE; TenantFileError names `where`."""
    unit_code, pos_code = ref.split(":", 1)
    position = (
        Position.objects.filter(tenant=tenant, unit__code=unit_code, code=pos_code)
        .select_related("unit")
        .first()
    )
    if position is None:
        raise TenantFileError(f"{where}: position {ref} does not exist in this file.")
    return position


def _load_users(
    parsed: ParsedTenantFile, tenant: Tenant, units: dict[str, Unit], counts: _Counts
) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(parsed.core.users):
        where = f"{parsed.source}: users[{i}] ({entry.username})"
        if entry.username in seen:
            raise TenantFileError(f"{where}: username is used twice.")
        seen.add(entry.username)
        user = _load_user(entry, tenant, where, counts)
        for j, a in enumerate(entry.assignments):
            a_where = f"{where} > assignments[{j}] ({a.position})"
            position = position_by_ref(a.position, tenant, a_where)
            assignment = Assignment.objects.filter(
                user=user, position=position, kind=a.kind.value, start_date=a.start
            ).first()
            if assignment is None:
                assignment = Assignment(
                    tenant=tenant,
                    user=user,
                    position=position,
                    kind=a.kind.value,
                    start_date=a.start,
                    end_date=a.end,
                    decree=a.decree,
                )
                _clean(assignment, a_where)
                _check_definitive_overlap(assignment, a_where)
                assignment.save()
                counts.bump("assignments created")
            elif _apply(assignment, {"end_date": a.end, "decree": a.decree}):
                _clean(assignment, a_where)
                _check_definitive_overlap(assignment, a_where)
                assignment.save()
                counts.bump("assignments updated")
        for j, r in enumerate(entry.roles):
            r_where = f"{where} > roles[{j}] ({r.role.value})"
            unit = None
            if r.unit:
                unit = units.get(r.unit) or Unit.objects.filter(tenant=tenant, code=r.unit).first()
                if unit is None:
                    raise TenantFileError(f"{r_where}: unit {r.unit} does not exist in this file.")
            elif r.role not in (RoleKind.TENANT_ADMIN,):
                raise TenantFileError(f"{r_where}: role {r.role.value} needs a unit.")
            _, created = UnitRole.objects.get_or_create(
                tenant=tenant, user=user, kind=r.role.value, unit=unit
            )
            if created:
                counts.bump("roles created")


def _load_user(entry: UserEntry, tenant: Tenant, where: str, counts: _Counts) -> User:
    values = {
        "name": entry.name,
        "email": entry.email,
        "nip": entry.nip,
        "nik": entry.nik,
        "phone": entry.phone,
        "rank": entry.rank,
        "is_active": entry.active,
    }
    user = User.objects.filter(username=entry.username).first()
    if user is not None and user.tenant_id != tenant.pk:
        raise TenantFileError(f"{where}: username already belongs to another tenant.")
    if user is None:
        user = User(username=entry.username, tenant=tenant, **values)
        if entry.password:
            user.set_password(entry.password)
        else:
            user.set_unusable_password()
        _save_counted(user, where, counts, "users created")
    elif _apply(user, values):
        _save_counted(user, where, counts, "users updated", exclude=["password"])
    if entry.nip and User.objects.filter(tenant=tenant, nip=entry.nip).exclude(pk=user.pk).exists():
        raise TenantFileError(f"{where} > nip: NIP {entry.nip} already belongs to another user.")
    return user


def _check_definitive_overlap(assignment: Assignment, where: str) -> None:
    try:
        assignment_check_overlap(assignment)
    except ValidationError as exc:
        raise TenantFileError(f"{where}: {' '.join(exc.messages)}") from exc


def assignment_check_overlap(assignment: Assignment) -> None:
    """Refuse a second definitive holder of a position for overlapping dates. Raises ValidationError."""
    if assignment.kind != AssignmentKind.DEFINITIVE:
        return
    clash = Assignment.objects.filter(
        position_id=assignment.position_id, kind=AssignmentKind.DEFINITIVE
    ).exclude(pk=assignment.pk)
    clash = clash.filter(start_date__lte=assignment.end_date or dt.date.max)
    clash = clash.exclude(end_date__lt=assignment.start_date)
    other = clash.select_related("user").first()
    if other:
        raise ValidationError(
            "This position already has a definitive holder (%(user)s) from %(start)s.",
            params={"user": other.user.display_name, "start": other.start_date},
            code="definitive_overlap",
        )


@transaction.atomic
def assignment_create(
    *,
    user: User,
    position: Position,
    kind: str = AssignmentKind.DEFINITIVE,
    start_date: dt.date,
    end_date: dt.date | None = None,
    decree: str = "",
) -> Assignment:
    """Put a user in a position for a period. Raises ValidationError on a clash or foreign tenant."""
    if user.tenant_id != position.tenant_id:
        raise ValidationError("The user and the position belong to different tenants.")
    Position.objects.select_for_update().get(pk=position.pk)  # serialise holders of one post
    assignment = Assignment(
        tenant_id=position.tenant_id,
        user=user,
        position=position,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        decree=decree,
    )
    assignment_check_overlap(assignment)  # first: its message names the current holder
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment, end_date: dt.date) -> Assignment:
    """End an assignment on a date (transfer, end of Plt). Raises ValidationError."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.end_date = end_date
    assignment.full_clean()
    assignment.save(update_fields=["end_date"])
    return assignment


@transaction.atomic
def role_grant(*, user: User, kind: str, unit: Unit | None = None) -> UnitRole:
    """Give a user a role for a unit (or tenant-wide). Raises ValidationError on a foreign unit."""
    if unit is not None and unit.tenant_id != user.tenant_id:
        raise ValidationError("The unit belongs to another tenant.")
    role, _ = UnitRole.objects.get_or_create(
        tenant_id=user.tenant_id, user=user, kind=kind, unit=unit
    )
    return role


@transaction.atomic
def unit_create(*, tenant: Tenant, parent: Unit | None, **fields) -> Unit:
    """Add a unit under a parent (or as a root) of the same tenant. Raises ValidationError."""
    if parent is not None and parent.tenant_id != tenant.pk:
        raise ValidationError("The parent unit belongs to another tenant.")
    probe = Unit(tenant=tenant, **fields)
    probe.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Unit.objects.add_root(create_kwargs={"tenant": tenant, **fields})
    return Unit.objects.add_child(parent, create_kwargs={"tenant": tenant, **fields})


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Move a unit (with its subtree) under another unit of its tenant, or to the top."""
    if parent is not None:
        if parent.tenant_id != unit.tenant_id:
            raise ValidationError("The parent unit belongs to another tenant.")
        if parent.path.startswith(unit.path):
            raise ValidationError("A unit cannot be moved under itself or its own sub-unit.")
    current = Unit.objects.get_parent(unit, update=True)
    if (current.pk if current else None) == (parent.pk if parent else None):
        return unit
    if parent is None:
        Unit.objects.move(
            unit, Unit.objects.filter(depth=1).order_by("path").first(), "last-sibling"
        )
    else:
        Unit.objects.move(unit, Unit.objects.get(pk=parent.pk), "last-child")
    access_changed(unit.tenant_id)  # a move rewrites paths in bulk, without signals
    unit.refresh_from_db()
    return unit
