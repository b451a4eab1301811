"""City-scale load data for benchmarks: tenants, people, letters, deliveries, dispositions,
review steps, grants, attachments and audit chains, written with bulk COPY (PostgreSQL) rather
than through the services, so a million letters take minutes instead of days.

The rows look like what the services write (same states, numbers, agenda numbers, grants and
hash-chained audit rows that `verify_audit` accepts) so the benchmarks read realistic tables.
Only for an empty benchmark database: it never runs against a tenant with letters.

This module runs the generation; the parts live beside it: `people` (tenants, users, posts,
TOTP devices), `mail` (each letter with its version, grant, attachment, steps and audit
chain), `inbox` (deliveries and dispositions), `tables` (the COPY writers and their columns)
and `state` (what they share: the random stream, ids, counters, audit chains). Every random
draw happens in a fixed order, so the same seed gives the same data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from bench.generators.mail import SENT_STATES, STATE_WEIGHTS, Mail
from bench.generators.people import (
    BENCH_PASSWORD,
    TENANT_FILES,
    People,
    TenantWorld,
    totp_key_for,
)
from bench.generators.tables import (
    SEQUENCED,
    next_id,
    orphan_references,
    reset_sequences,
    skip_triggers,
    writers,
)
from correspondence.models import Delivery, Disposition, Letter, NumberCounter, Recipient
from organizations.choices import UnitKind
from organizations.models import Tenant
from organizations.services import tenant_load
from organizations.tenantfile import parse

__all__ = ["BENCH_PASSWORD", "LoadGenerator", "Plan", "totp_key_for"]


@dataclasses.dataclass
class Plan:
    letters: int
    tenants: int
    users_per_tenant: int = 2000
    busy_deliveries: int = 100_000
    years: int = 2
    attachment_every: int = 8
    batch: int = 10_000
    seed: int = 20261122


class LoadGenerator(People, Mail):
    def __init__(self, plan: Plan, *, log: Callable[[str], None] = print):
        self.plan = plan
        self.log = log
        self.rng = random.Random(plan.seed)
        self.now = timezone.now().replace(microsecond=0)
        self.password = make_password(BENCH_PASSWORD)
        self.counters: dict[tuple[int, str], int] = defaultdict(int)
        self.stats: dict[str, int] = defaultdict(int)
        ct = ContentType.objects.get_for_model
        self.ct = {m: ct(m).pk for m in (Letter, Delivery, Disposition)}
        self.view_letter = Permission.objects.get(
            codename="view_letter", content_type_id=self.ct[Letter]
        ).pk

    def tenants(self) -> list[TenantWorld]:
        worlds = []
        base = Path(settings.BASE_DIR) / "tenants"
        for i in range(self.plan.tenants):
            name = TENANT_FILES[i % len(TENANT_FILES)]
            path = base / name
            if i >= len(TENANT_FILES):
                path = self._clone_file(path, i)
            parsed = parse(path)
            tenant_load(parsed)
            tenant = Tenant.objects.get(slug=parsed.core.tenant.slug)
            worlds.append(self._world(tenant))
            self.log(f"tenant {tenant.slug}: {len(worlds[-1].units)} units")
        return worlds

    def letters(self, worlds: list[TenantWorld]) -> None:
        plan = self.plan
        per_tenant = [plan.letters // plan.tenants] * plan.tenants
        per_tenant[0] += plan.letters - sum(per_tenant)
        busy = worlds[0]
        busy.busy_unit = self._busiest_candidate(busy)
        sent_share = sum(w for s, w in STATE_WEIGHTS if s in SENT_STATES) / sum(
            w for _, w in STATE_WEIGHTS
        )
        senders = max(len(busy.signing_units), 2)
        expected = per_tenant[0] * sent_share * (senders - 1) / senders
        self.busy_share = min(1.0, plan.busy_deliveries / max(expected, 1))
        batch_writers = writers()
        self.ids = {m: next_id(m) for m in (Letter, Recipient, Delivery, Disposition)}
        pdfs = self._attachment_pool()
        # Letters in the order they were written, across tenants, as on a live platform:
        # ids, numbers and agenda numbers grow with time and a month's rows lie together.
        timeline = sorted(
            (self._moment(world).timestamp(), index)
            for index, (world, count) in enumerate(zip(worlds, per_tenant, strict=True))
            for _ in range(count)
        )
        started = time.monotonic()
        for offset in range(0, len(timeline), plan.batch):
            rows: dict[str, list[tuple]] = defaultdict(list)
            for moment, index in timeline[offset : offset + plan.batch]:
                created = dt.datetime.fromtimestamp(moment, dt.UTC)
                self._letter(worlds[index], rows, pdfs, created=created)
            with transaction.atomic():
                skip_triggers()
                for name, writer in batch_writers.items():
                    writer.write(rows[name])
            done = min(offset + plan.batch, len(timeline))
            rate = done / max(time.monotonic() - started, 1e-6)
            self.log(f"  {done:>9,} letters ({rate:,.0f}/s)")
        with transaction.atomic():
            self._counters()
        reset_sequences(SEQUENCED)
        if connection.vendor == "postgresql":  # what autovacuum would do on a live system
            with connection.cursor() as cursor:
                # VACUUM cannot run inside a transaction (the tests run the generator in one).
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    def _busiest_candidate(self, world: TenantWorld) -> int:
        """The OPD that gets the busy inbox: Diskominfo when the tenant has one."""
        for unit in world.units.values():
            if unit.code == "DISKOMINFO" and unit.pk in world.heads:
                return unit.pk
        agencies = [u for u in world.signing_units if world.units[u].kind == UnitKind.AGENCY]
        return (agencies or world.signing_units)[0]

    def verify_references(self) -> dict[str, int]:
        """Rows whose foreign keys point nowhere, per table and column (all zero expected)."""
        return orphan_references()

    def _counters(self) -> None:
        NumberCounter.objects.bulk_create(
            [NumberCounter(tenant_id=t, key=k, last=v) for (t, k), v in self.counters.items()],
            batch_size=5000,
        )

    def run(self) -> dict[str, int]:
        if Letter.objects.exists():
            raise RuntimeError("the database already holds letters: generate into an empty one")
        started = time.monotonic()
        with transaction.atomic():
            worlds = self.tenants()
        self.letters(worlds)
        orphans = {k: v for k, v in self.verify_references().items() if v}
        if orphans:
            raise RuntimeError(f"rows pointing nowhere: {orphans}")
        self.stats["seconds"] = round(time.monotonic() - started)
        self.stats["busy_unit"] = worlds[0].busy_unit
        return dict(self.stats)
