"""The load generator's tenants and people: the demo tenants (cloned under new slugs when more
are asked for), each filled to N users with posts, registry clerks, staff and TOTP devices."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bench.generators.state import GeneratorState
from correspondence.models import LetterType
from organizations.access import access_changed
from organizations.choices import AssignmentKind, RoleKind
from organizations.models import Assignment, Position, Tenant, Unit, UnitRole, User

TENANT_FILES = ["medan.yaml", "tangerang.yaml", "samarinda.toml"]
BENCH_PASSWORD = "Bench-Load-2026"
TOTP_SECRET = b"naskah-bench-totp"
FIRST = ["Andi", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hendra", "Indah", "Joko"]
LAST = ["Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Pratama", "Saragih", "Tarigan"]


def totp_key_for(username: str) -> str:
    """The benchmark personas' TOTP keys (hex), derivable by the load scripts."""
    return hmac.new(TOTP_SECRET, username.encode(), hashlib.sha1).hexdigest()


@dataclasses.dataclass
class TenantWorld:
    tenant: Tenant
    zone: ZoneInfo
    units: dict[int, Unit]
    heads: dict[int, Position]  # unit id -> head position
    children: dict[int, list[int]]  # unit id -> child unit ids with a head
    signing_units: list[int]
    unit_users: dict[int, list[int]]  # unit id -> user ids working there
    position_user: dict[int, int]  # position id -> holder
    types: list[LetterType]
    busy_unit: int | None = None


class People(GeneratorState):
    """Tenants' organisations as the letters need them, read back into a `TenantWorld`."""

    def _clone_file(self, path: Path, i: int) -> Path:
        """A copy of a demo tenant under another slug, host and usernames."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        slug = f"{data['tenant']['slug']}{i}"
        data["tenant"].update(slug=slug, name=f"{data['tenant']['name']} {i}", domains=[])
        data["tenant"]["domains"] = [f"{slug}.localhost"]
        data["tenant"].pop("logo", None)
        for user in data.get("users", []):
            user["username"] = user["username"].replace("medan.", f"{slug}.", 1)
            user.pop("email", None)
        out = Path(settings.BASE_DIR) / "var" / "loadgen" / f"{slug}.yaml"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return out

    def _world(self, tenant: Tenant) -> TenantWorld:
        units = {u.pk: u for u in Unit.objects.filter(tenant=tenant, is_active=True)}
        heads = {
            p.unit_id: p
            for p in Position.objects.filter(tenant=tenant, is_head=True, is_active=True)
        }
        self._people(tenant, units, heads)
        position_user = dict(
            Assignment.objects.filter(tenant=tenant, end_date__isnull=True).values_list(
                "position_id", "user_id"
            )
        )
        unit_users: dict[int, list[int]] = defaultdict(list)
        for unit_id, user_id in UnitRole.objects.filter(
            tenant=tenant, unit__isnull=False
        ).values_list("unit_id", "user_id"):
            unit_users[unit_id].append(user_id)
        children: dict[int, list[int]] = defaultdict(list)
        for unit in units.values():
            parent = unit.path[: -Unit.steplen]
            for other in units.values():
                if other.path == parent and unit.pk in heads:
                    children[other.pk].append(unit.pk)
        signing = [u for u, p in heads.items() if p.can_sign]
        types = list(LetterType.objects.filter(tenant=tenant, is_active=True))
        return TenantWorld(
            tenant=tenant,
            zone=ZoneInfo(tenant.time_zone),
            units=units,
            heads=heads,
            children=dict(children),
            signing_units=signing,
            unit_users=dict(unit_users),
            position_user=position_user,
            types=types,
        )

    def _people(self, tenant: Tenant, units: dict[int, Unit], heads: dict[int, Position]) -> None:
        """Fill the tenant to N users: every vacant head post held, a registry clerk per
        signing unit, the rest staff spread over units; all share the benchmark password and
        the ones who need a second factor get a TOTP device with a derivable key."""
        have = User.objects.filter(tenant=tenant).count()
        want = max(0, self.plan.users_per_tenant - have)
        held = set(
            Assignment.objects.filter(tenant=tenant, end_date__isnull=True).values_list(
                "position_id", flat=True
            )
        )
        vacant = [
            p for p in Position.objects.filter(tenant=tenant, is_active=True) if p.pk not in held
        ]
        users = self._new_users(tenant, want)
        User.objects.bulk_create(users, batch_size=2000)
        start = timezone.localdate() - dt.timedelta(days=800)
        pool = iter(users)
        assignments, roles = [], []
        for position in vacant:
            user = next(pool, None)
            if user is None:
                break
            assignments.append(_definitive(tenant, user, position, start))
        signing_units = [u for u, p in heads.items() if p.can_sign]
        for unit_id in signing_units:
            user = next(pool, None)
            if user is None:
                break
            roles.append(
                UnitRole(tenant=tenant, user=user, kind=RoleKind.REGISTRY_CLERK, unit_id=unit_id)
            )
        posts, staff_assignments, staff_roles = self._staff(tenant, units, pool, start)
        Position.objects.bulk_create(posts, batch_size=2000)
        Assignment.objects.bulk_create(assignments + staff_assignments, batch_size=2000)
        UnitRole.objects.bulk_create(roles + staff_roles, batch_size=2000)
        access_changed(tenant.pk)  # bulk rows send no signals; a reused cache must not answer
        self._totp(tenant)
        self.stats["users"] += len(users)

    def _new_users(self, tenant: Tenant, want: int) -> list[User]:
        """`want` users (not saved yet) with the benchmark password and made-up names."""
        users = []
        for n in range(want):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            users.append(
                User(
                    tenant=tenant,
                    username=f"{tenant.slug}.u{n:05d}",
                    password=self.password,
                    first_name=first,
                    last_name=last,
                    name=f"{first} {last}, S.Sos.",
                    nip=f"19{self.rng.randint(70, 99)}{tenant.pk % 100:02d}{n:012d}",  # 18 digits
                    date_joined=self.now,
                )
            )
        return users

    def _staff(self, tenant: Tenant, units: dict[int, Unit], pool, start: dt.date):
        """Everybody left in `pool` is a pelaksana: a post of their own in a random unit
        (drafting needs a post). Returns the new posts, their assignments and the roles."""
        unit_ids = list(units)
        posts, assignments, roles = [], [], []
        for n, user in enumerate(pool):
            unit = units[self.rng.choice(unit_ids)]
            roles.append(UnitRole(tenant=tenant, user=user, kind=RoleKind.STAFF, unit=unit))
            post = Position(
                tenant=tenant,
                unit=unit,
                code=f"PELAKSANA-{n + 1:04d}",
                sort_order=500,
                title=f"Pelaksana {unit.short_name or unit.name}",
            )
            posts.append(post)
            assignments.append(_definitive(tenant, user, post, start))
        return posts, assignments, roles

    def _totp(self, tenant: Tenant) -> None:
        """A confirmed TOTP device for everybody who must verify a second factor."""
        TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
        signers = Assignment.objects.filter(end_date__isnull=True, position__can_sign=True)
        admins = UnitRole.objects.filter(kind=RoleKind.TENANT_ADMIN)
        users = (
            User.objects.filter(tenant=tenant)
            .filter(Q(pk__in=signers.values("user_id")) | Q(pk__in=admins.values("user_id")))
            .exclude(pk__in=TOTPDevice.objects.values("user_id"))
        )
        TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(user=u, name="bench", key=totp_key_for(u.username), confirmed=True)
                for u in users
            ],
            batch_size=2000,
        )


def _definitive(tenant: Tenant, user: User, position: Position, start: dt.date) -> Assignment:
    return Assignment(
        tenant=tenant,
        user=user,
        position=position,
        kind=AssignmentKind.DEFINITIVE,
        start_date=start,
    )
