"""Reads for the organisation used by more than one caller."""

from __future__ import annotations

import copy
import datetime as dt
import time

from django.core.cache import cache
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import Http404
from django.http.request import split_domain_port
from django.utils import timezone

from .access import access_remembered
from .choices import RoleKind, UnitKind
from .models import Assignment, Position, Tenant, TenantDomain, Unit, UnitRole, User

_CACHE_VERSION_KEY = "naskah:tenant-cache-version"
_TTL = 300


def _version() -> int:
    return cache.get_or_set(_CACHE_VERSION_KEY, 1, None)


# Each process also keeps host → tenant for a few seconds, sparing two cache round trips on
# every request; another process sees a tenant or domain change within LOCAL_SECONDS.
LOCAL_SECONDS = 5.0
_LOCAL_MAX = 1000  # hosts kept per process (a flood of odd Host headers only empties it)
_local: dict[str, tuple[float, Tenant | bool]] = {}


def tenant_local_clear() -> None:
    """Forget the hosts this process keeps (the shared cache is left as it is)."""
    _local.clear()


def tenant_cache_clear() -> None:
    """Forget cached host → tenant lookups (after a tenant or a domain changes)."""
    tenant_local_clear()
    try:
        cache.incr(_CACHE_VERSION_KEY)
    except ValueError:
        cache.set(_CACHE_VERSION_KEY, 2, None)


def tenant_for_host(host: str) -> Tenant | None:
    """The active tenant that owns a request host, or None; cached across requests."""
    name, _port = split_domain_port(host)
    name = name.lower().rstrip(".")
    now = time.monotonic()
    kept = _local.get(name)
    if kept is not None and kept[0] > now:
        return copy.copy(kept[1]) or None  # a copy: requests never share one instance
    key = f"naskah:tenant-host:{_version()}:{name}"
    tenant = cache.get(key)
    if tenant is None:
        domain = (
            TenantDomain.objects.select_related("tenant")
            .filter(host=name, tenant__is_active=True)
            .first()
        )
        tenant = domain.tenant if domain else False
        cache.set(key, tenant, _TTL)
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[name] = (now + LOCAL_SECONDS, copy.copy(tenant))
    return tenant or None


def tenant_by_slug(slug: str) -> Tenant | None:
    """An active tenant by slug, or None."""
    return Tenant.objects.filter(slug=slug, is_active=True).first() if slug else None


def tenant_list_public() -> QuerySet[Tenant]:
    """Active tenants with their hosts, for the platform landing page."""
    return Tenant.objects.filter(is_active=True).prefetch_related("domains").order_by("name")


def get_for_tenant_or_404(queryset: QuerySet, tenant: Tenant, **lookup):
    """Fetch a tenant's row; a missing row and another tenant's row give the same 404."""
    try:
        return queryset.filter(tenant=tenant).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assignments_current(*, on: dt.date | None = None) -> QuerySet[Assignment]:
    """Assignments in force on a date (default: today in the active time zone)."""
    return Assignment.objects.current(on or timezone.localdate())


def positions_held(user: User, *, on: dt.date | None = None) -> QuerySet[Position]:
    """Positions a user holds on a date, definitive or acting."""
    if not user.is_authenticated:
        return Position.objects.none()
    on = on or timezone.localdate()
    held = Assignment.objects.current(on).filter(user_id=user.pk).values("position_id")
    return Position.objects.filter(pk__in=held, tenant_id=user.tenant_id).select_related("unit")


def position_holders(position: Position, *, on: dt.date | None = None) -> list[Assignment]:
    """Who holds a position on a date: definitive first, then acting."""
    on = on or timezone.localdate()
    rows = list(Assignment.objects.current(on).filter(position=position).select_related("user"))
    return sorted(rows, key=lambda a: (a.is_acting, a.start_date))


def unit_head_position(unit: Unit) -> Position | None:
    """The active head post of a unit, if it has one."""
    return Position.objects.filter(unit=unit, is_head=True, is_active=True).first()


def unit_ancestor_heads(unit: Unit, *, include_self: bool = True) -> list[Position]:
    """Head posts from a unit up to its root, nearest first (one query)."""
    paths = [unit.path[: i * Unit.steplen] for i in range(1, unit.depth + 1)]
    if not include_self:
        paths = paths[:-1]
    heads = Position.objects.filter(
        tenant_id=unit.tenant_id, unit__path__in=paths, is_head=True, is_active=True
    ).select_related("unit")
    return sorted(heads, key=lambda p: -len(p.unit.path))


def unit_tree(tenant: Tenant, *, on: dt.date | None = None) -> list[Unit]:
    """All units of a tenant in tree order, with positions and their current holders."""
    on = on or timezone.localdate()
    current = Assignment.objects.current(on).select_related("user")
    return list(
        Unit.objects.for_tenant(tenant)
        .prefetch_related(
            Prefetch(
                "positions",
                queryset=Position.objects.filter(is_active=True).prefetch_related(
                    Prefetch("assignments", queryset=current, to_attr="current_assignments")
                ),
            )
        )
        .order_by("path")
    )


def user_has_role(user: User, kind: RoleKind | str, *, unit: Unit | None = None) -> bool:
    """Whether a user has a role for a unit, or tenant-wide when unit is None."""
    if not user.is_authenticated or user.tenant_id is None:
        return False
    qs = UnitRole.objects.filter(user_id=user.pk, kind=kind, tenant_id=user.tenant_id)
    return (
        qs.filter(unit=unit).exists() if unit is not None else qs.filter(unit__isnull=True).exists()
    )


def user_units_with_role(user: User, kind: RoleKind | str) -> QuerySet[Unit]:
    """Units for which a user has a role."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(roles__user_id=user.pk, roles__kind=kind, tenant_id=user.tenant_id)


def user_roles(user: User) -> QuerySet[UnitRole]:
    """A user's roles with their units."""
    return UnitRole.objects.filter(user=user).select_related("unit")


def units_up_to_opd(tenant_id: int, paths: set[str]) -> dict[str, list[int]]:
    """For each unit path, the unit and the units above it up to its OPD (the first that is
    a top unit or of an OPD kind), never beyond: one query for all of them."""
    steplen = Unit.steplen
    prefixes = {p[: i * steplen] for p in paths for i in range(1, len(p) // steplen + 1)}
    found = {
        path: (pk, kind, depth)
        for path, pk, kind, depth in Unit.objects.filter(
            tenant_id=tenant_id, path__in=prefixes
        ).values_list("path", "pk", "kind", "depth")
    }
    opd = set(UnitKind.opd_kinds())
    out: dict[str, list[int]] = {}
    for path in paths:
        chain = []
        for i in range(len(path) // steplen, 0, -1):
            row = found.get(path[: i * steplen])
            if row is None:
                continue
            pk, kind, depth = row
            chain.append(pk)
            if depth == 1 or kind in opd:
                break
        out[path] = chain
    return out


def unit_roles_of(user: User) -> list[tuple[int, str]]:
    """(unit id, role kind) of the user's roles for units of their own tenant, kept with who
    handles what across requests."""

    def compute() -> list[tuple[int, str]]:
        return list(
            UnitRole.objects.filter(
                user_id=user.pk, unit__isnull=False, unit__tenant_id=user.tenant_id
            ).values_list("unit_id", "kind")
        )

    return access_remembered(user, "unit-roles", compute)


def user_list_for_tenant(tenant: Tenant) -> QuerySet[User]:
    """Active users of a tenant, by name."""
    return User.objects.filter(tenant=tenant, is_active=True).order_by("name", "username")


def user_list_active_with_email() -> QuerySet[User]:
    """Active users of every tenant who have an e-mail address, with their tenant."""
    return (
        User.objects.filter(is_active=True, tenant__isnull=False)
        .exclude(email="")
        .select_related("tenant")
        .order_by("pk")
    )


def units_with_parent(tenant: Tenant) -> QuerySet[Unit]:
    """A tenant's units in tree order, each annotated with its parent's id (one query)."""
    parent = Unit.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen),
    ).values("pk")[:1]
    return Unit.objects.filter(tenant=tenant).annotate(parent_id=Subquery(parent)).order_by("path")
