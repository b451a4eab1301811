"""How far each security level reaches in a unit (SKKAAD): tenant data with defaults that
follow the rules (NASKAH-RULES §3.3, §3.11).

The holder of the post a document is addressed to, and people a disposition names, always
read it. Who else in the receiving unit does depends on the level:

| level          | unit head | inbox delegates | roles                    |
|----------------|-----------|-----------------|--------------------------|
| Biasa          | yes       | yes             | registry clerk, TU       |
| Terbatas       | yes       | yes             | TU (secretary)           |
| Rahasia        | no        | yes             | none                     |
| Sangat Rahasia | no        | no              | none                     |

A tenant changes a level in its tenant file (`security_levels`), and may name posts (by code)
or echelons whose holders read the level in their unit and the units above it up to their
OPD. Whoever reads a level reads every level below it (`reach_for` returns the cumulative
reach).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from core.memo import request_memo
from organizations.access import access_remembered
from organizations.choices import RoleKind
from organizations.selectors import units_up_to_opd

from .choices import SecurityLevel
from .models import SecurityReach


@dataclass(frozen=True)
class Reach:
    level: str
    unit_head: bool
    delegates: bool
    roles: tuple[str, ...] = ()
    position_codes: tuple[str, ...] = ()
    echelons: tuple[str, ...] = ()

    def names_posts(self) -> bool:
        return bool(self.position_codes or self.echelons)

    def post_matches(self, code: str, echelon: str) -> bool:
        """Whether a post of this code and echelon is one the level names."""
        if code in self.position_codes:
            return True
        return bool(echelon) and any(
            echelon == e or echelon.startswith(e + ".") for e in self.echelons
        )

    def posts_q(self) -> Q:
        """The posts this level names, as a filter on Position (nothing when it names none)."""
        q = Q(pk__in=[])
        if self.position_codes:
            q |= Q(code__in=self.position_codes)
        for e in self.echelons:
            q |= Q(echelon=e) | Q(echelon__startswith=e + ".")
        return q


LEVELS = [
    SecurityLevel.BIASA,
    SecurityLevel.TERBATAS,
    SecurityLevel.RAHASIA,
    SecurityLevel.SANGAT_RAHASIA,
]

DEFAULT_REACH = {
    SecurityLevel.BIASA: Reach(
        SecurityLevel.BIASA,
        unit_head=True,
        delegates=True,
        roles=(RoleKind.REGISTRY_CLERK, RoleKind.SECRETARY),
    ),
    SecurityLevel.TERBATAS: Reach(
        SecurityLevel.TERBATAS, unit_head=True, delegates=True, roles=(RoleKind.SECRETARY,)
    ),
    SecurityLevel.RAHASIA: Reach(SecurityLevel.RAHASIA, unit_head=False, delegates=True),
    SecurityLevel.SANGAT_RAHASIA: Reach(
        SecurityLevel.SANGAT_RAHASIA, unit_head=False, delegates=False
    ),
}

# The roles a level may name: those that work a unit's inbox.
READING_ROLES = [RoleKind.REGISTRY_CLERK, RoleKind.SECRETARY]


def reach_for(tenant_id: int | None) -> dict[str, Reach]:
    """Every level's reach for a tenant: its own rows over the defaults, made cumulative (who
    reads a level reads every level below it), once per request."""
    if tenant_id is None:
        return _cumulative(dict(DEFAULT_REACH))

    def compute() -> dict[str, Reach]:
        reach = dict(DEFAULT_REACH)
        for row in SecurityReach.objects.filter(tenant_id=tenant_id):
            reach[row.level] = Reach(
                level=row.level,
                unit_head=row.unit_head,
                delegates=row.delegates,
                roles=tuple(row.roles),
                position_codes=tuple(row.position_codes),
                echelons=tuple(row.echelons),
            )
        return _cumulative(reach)

    return request_memo(("security-reach", tenant_id), compute)


def _cumulative(reach: dict[str, Reach]) -> dict[str, Reach]:
    """Each level's reach joined with the reach of every level above it."""
    out: dict[str, Reach] = {}
    above: Reach | None = None
    for level in reversed(LEVELS):
        r = reach[level]
        if above is not None:
            r = Reach(
                level=level,
                unit_head=r.unit_head or above.unit_head,
                delegates=r.delegates or above.delegates,
                roles=_union(r.roles, above.roles),
                position_codes=_union(r.position_codes, above.position_codes),
                echelons=_union(r.echelons, above.echelons),
            )
        out[level] = above = r
    return {level: out[level] for level in LEVELS}


def _union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def named_post_units(tenant_id: int, reach: dict[str, Reach], posts) -> dict[str, set[int]]:
    """The units each level's named posts and echelons reach for a user: for every post of
    theirs that a level names (`posts`: (unit path, code, echelon)), that post's unit and the
    units above it up to its OPD, never beyond (a Kepala Bidang reads their dinas's mail, not
    the Wali Kota's)."""
    named = {
        level: {path for path, code, echelon in posts if r.post_matches(code, echelon)}
        for level, r in reach.items()
        if r.names_posts()
    }
    paths = set().union(*named.values()) if named else set()
    if not paths:
        return {}
    chains = units_up_to_opd(tenant_id, paths)
    return {level: {u for p in ps for u in chains.get(p, [])} for level, ps in named.items()}


def reach_of(user) -> dict[str, Reach]:
    """`reach_for` the user's tenant, kept with who handles what across requests (a change of
    a level's reach starts a new generation of those facts)."""
    tenant_id = getattr(user, "tenant_id", None)
    if tenant_id is None or not getattr(user, "pk", None):
        return reach_for(tenant_id)
    return access_remembered(user, "security-reach", lambda: reach_for(tenant_id))
