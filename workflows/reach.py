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
or echelons whose holders read the level in their unit and the units above it. Whoever reads
a level reads every level below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from naskah.memo import request_memo
from organizations.choices import RoleKind

from .choices import SecurityLevel


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
    """Every level's reach for a tenant: its own rows over the defaults (once per request)."""
    if tenant_id is None:
        return dict(DEFAULT_REACH)

    def compute() -> dict[str, Reach]:
        from .models import SecurityReach

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
        return reach

    return request_memo(("security-reach", tenant_id), compute)


def reach_closed[T](per_level: dict[str, set[T]]) -> dict[str, set[T]]:
    """Whoever reads a level reads every level below it: each level's set joined with the sets
    of the levels above it (Sangat Rahasia's readers read Rahasia, and so on down)."""
    out: dict[str, set[T]] = {}
    above: set[T] = set()
    for level in reversed(LEVELS):
        above = above | per_level.get(level, set())
        out[level] = set(above)
    return out


def reach_of(user) -> dict[str, Reach]:
    """`reach_for` the user's tenant, kept with who handles what across requests (a change of
    a level's reach starts a new generation of those facts)."""
    from organizations.access import access_remembered

    tenant_id = getattr(user, "tenant_id", None)
    if tenant_id is None or not getattr(user, "pk", None):
        return reach_for(tenant_id)
    return access_remembered(user, "security-reach", lambda: reach_for(tenant_id))
