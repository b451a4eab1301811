"""City-scale load data for benchmarks: tenants, people, letters, deliveries, dispositions,
review steps, grants, attachments and audit chains, written with bulk COPY (PostgreSQL) rather
than through the services, so a million letters take minutes instead of days.

The rows look like what the services write (same states, numbers, agenda numbers, grants and
hash-chained audit rows that `verify_audit` accepts) so the benchmarks read realistic tables.
Only for an empty benchmark database: it never runs against a tenant with letters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import io
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from correspondence import numbering
from correspondence.choices import (
    AttachmentKind,
    DeliveryState,
    DispositionState,
    LetterState,
    RecipientKind,
    RecipientScope,
    SigningMode,
    StepKind,
    StepState,
)
from correspondence.models import (
    Attachment,
    Delivery,
    Disposition,
    Letter,
    LetterType,
    LetterUserObjectPermission,
    LetterVersion,
    NumberCounter,
    Recipient,
    ReviewStep,
)
from organizations.access import access_changed
from organizations.choices import AssignmentKind, RoleKind, UnitKind
from organizations.models import Assignment, Position, Tenant, Unit, UnitRole, User
from organizations.services import tenant_load
from organizations.tenantfile import parse
from workflows.choices import SecurityLevel, Urgency
from workflows.hashing import row_hash
from workflows.models import TransitionLog

TENANT_FILES = ["medan.yaml", "tangerang.yaml", "samarinda.toml"]
BENCH_PASSWORD = "Bench-Load-2026"
TOTP_SECRET = b"naskah-bench-totp"

SECURITY_WEIGHTS = [
    (SecurityLevel.BIASA, 70),
    (SecurityLevel.TERBATAS, 20),
    (SecurityLevel.RAHASIA, 8),
    (SecurityLevel.SANGAT_RAHASIA, 2),
]
URGENCY_WEIGHTS = [(Urgency.BIASA, 75), (Urgency.SEGERA, 20), (Urgency.SANGAT_SEGERA, 5)]
STATE_WEIGHTS = [
    (LetterState.SENT, 90),
    (LetterState.DRAFT, 3),
    (LetterState.IN_REVIEW, 3),
    (LetterState.APPROVED, 2),
    (LetterState.SIGNED, 1),
    (LetterState.RETRACTED, 1),
]
SUBJECTS = [
    "Undangan Rapat Koordinasi {x}",
    "Permohonan Data {x}",
    "Laporan Realisasi Anggaran {x}",
    "Penyampaian Hasil Monitoring {x}",
    "Pemberitahuan Jadwal {x}",
    "Permintaan Narasumber {x}",
    "Usulan Kegiatan {x}",
    "Tindak Lanjut Temuan {x}",
    "Penyampaian Laporan Kinerja {x}",
    "Surat Edaran tentang {x}",
]
TOPICS = [
    "Pelayanan Publik",
    "Penanganan Banjir",
    "Stunting Triwulan III",
    "Pengadaan Barang dan Jasa",
    "Transformasi Digital",
    "Kebersihan Pasar",
    "Penerimaan Pajak Daerah",
    "Musrenbang Kecamatan",
    "Kesiapsiagaan Bencana",
    "Penataan Arsip Dinamis",
    "Vaksinasi Anak Sekolah",
    "Perbaikan Jalan Lingkungan",
]
FIRST = ["Andi", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hendra", "Indah", "Joko"]
LAST = ["Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Pratama", "Saragih", "Tarigan"]
SENT_STATES = (LetterState.SENT, LetterState.RETRACTED)
CLASSIFICATIONS = ["000.1", "005", "100.3", "400.14", "500.5", "800.1", "900.1"]


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def totp_key_for(username: str) -> str:
    """The benchmark personas' TOTP keys (hex), derivable by the load scripts."""
    return hmac.new(TOTP_SECRET, username.encode(), hashlib.sha1).hexdigest()


class CopyWriter:
    """Stream rows into one model's table: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, model, fields: list[str]):
        meta = model._meta
        self.table = meta.db_table
        self.columns = [meta.get_field(f).column for f in fields]

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(models: Iterable) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 1))",
                [table],
            )


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
    pattern: str
    busy_unit: int | None = None


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


class LoadGenerator:
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

    # --- people and organisation ---------------------------------------------------------
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
            pattern=tenant.number_pattern,
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
        User.objects.bulk_create(users, batch_size=2000)
        today = timezone.localdate()
        assignments, roles = [], []
        pool = iter(users)
        for position in vacant:
            user = next(pool, None)
            if user is None:
                break
            assignments.append(
                Assignment(
                    tenant=tenant,
                    user=user,
                    position=position,
                    kind=AssignmentKind.DEFINITIVE,
                    start_date=today - dt.timedelta(days=800),
                )
            )
        signing_units = [u for u, p in heads.items() if p.can_sign]
        for unit_id in signing_units:
            user = next(pool, None)
            if user is None:
                break
            roles.append(
                UnitRole(tenant=tenant, user=user, kind=RoleKind.REGISTRY_CLERK, unit_id=unit_id)
            )
        # Everybody else is a pelaksana: a post of their own in a unit (drafting needs a post).
        unit_ids = list(units)
        staff_posts = []
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
            staff_posts.append(post)
            assignments.append(
                Assignment(
                    tenant=tenant,
                    user=user,
                    position=post,
                    kind=AssignmentKind.DEFINITIVE,
                    start_date=today - dt.timedelta(days=800),
                )
            )
        Position.objects.bulk_create(staff_posts, batch_size=2000)
        Assignment.objects.bulk_create(assignments, batch_size=2000)
        UnitRole.objects.bulk_create(roles, batch_size=2000)
        access_changed(tenant.pk)  # bulk rows send no signals; a reused cache must not answer
        self._totp(tenant)
        self.stats["users"] += len(users)

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

    # --- letters ---------------------------------------------------------------------------
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
        writers = self._writers()
        self.ids = {m: _next_id(m) for m in (Letter, Recipient, Delivery, Disposition)}
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
                self._skip_triggers()
                for name, writer in writers.items():
                    writer.write(rows[name])
            done = min(offset + plan.batch, len(timeline))
            rate = done / max(time.monotonic() - started, 1e-6)
            self.log(f"  {done:>9,} letters ({rate:,.0f}/s)")
        with transaction.atomic():
            self._counters()
        _reset_sequences(
            [
                Letter,
                Recipient,
                Delivery,
                Disposition,
                ReviewStep,
                LetterVersion,
                Attachment,
                LetterUserObjectPermission,
                TransitionLog,
                NumberCounter,
                User,
            ]
        )
        if connection.vendor == "postgresql":  # what autovacuum would do on a live system
            with connection.cursor() as cursor:
                # VACUUM cannot run inside a transaction (the tests run the generator in one).
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    def _skip_triggers(self) -> None:
        """As a superuser on PostgreSQL, skip the per-row foreign-key triggers for this
        transaction (the generator only writes ids it made or read); the row count is the
        same, the load several times faster. `verify` checks the references afterwards."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                cursor.execute("SET LOCAL session_replication_role = replica")

    def _busiest_candidate(self, world: TenantWorld) -> int:
        """The OPD that gets the busy inbox: Diskominfo when the tenant has one."""
        for unit in world.units.values():
            if unit.code == "DISKOMINFO" and unit.pk in world.heads:
                return unit.pk
        agencies = [u for u in world.signing_units if world.units[u].kind == UnitKind.AGENCY]
        return (agencies or world.signing_units)[0]

    def _writers(self) -> dict[str, CopyWriter]:
        return {
            "letter": CopyWriter(
                Letter,
                [
                    "id",
                    "tenant",
                    "letter_type",
                    "subject",
                    "summary",
                    "body",
                    "drafter",
                    "unit",
                    "signer_position",
                    "classification_code",
                    "security",
                    "urgency",
                    "state",
                    "version",
                    "review_round",
                    "number",
                    "number_seq",
                    "number_unit",
                    "number_year",
                    "signing_mode",
                    "signed_at",
                    "signed_by",
                    "signed_as",
                    "sent_at",
                    "retracted_at",
                    "retract_reason",
                    "pdf",
                    "pdf_sha256",
                    "sign_error",
                    "event_location",
                    "is_incoming",
                    "sender_name",
                    "sender_number",
                    "created_at",
                    "updated_at",
                ],
            ),
            "recipient": CopyWriter(Recipient, ["id", "letter", "kind", "scope", "unit", "order"]),
            "delivery": CopyWriter(
                Delivery,
                [
                    "id",
                    "tenant",
                    "letter",
                    "recipient",
                    "unit",
                    "position",
                    "kind",
                    "security",
                    "urgency",
                    "state",
                    "agenda_year",
                    "agenda_seq",
                    "agenda_number",
                    "delivered_at",
                    "first_read_at",
                    "first_read_by",
                    "done_at",
                ],
            ),
            "disposition": CopyWriter(
                Disposition,
                [
                    "id",
                    "tenant",
                    "delivery",
                    "letter",
                    "parent",
                    "issued_by",
                    "issued_as",
                    "to_position",
                    "instructions",
                    "note",
                    "due_date",
                    "urgency",
                    "security",
                    "state",
                    "created_at",
                    "issued_at",
                    "read_at",
                    "read_by",
                    "reported_at",
                    "reported_by",
                    "report_text",
                    "report_file",
                    "report_file_name",
                ],
            ),
            "step": CopyWriter(
                ReviewStep,
                [
                    "letter",
                    "round",
                    "order",
                    "kind",
                    "position",
                    "state",
                    "reached_at",
                    "acted_at",
                    "acted_by",
                    "note",
                    "seen_version",
                ],
            ),
            "version": CopyWriter(
                LetterVersion,
                [
                    "letter",
                    "number",
                    "subject",
                    "summary",
                    "body",
                    "created_by",
                    "created_at",
                ],
            ),
            "attachment": CopyWriter(
                Attachment,
                [
                    "letter",
                    "kind",
                    "file",
                    "original_name",
                    "content_type",
                    "size",
                    "sha256",
                    "uploaded_by",
                    "created_at",
                ],
            ),
            "grant": CopyWriter(
                LetterUserObjectPermission,
                [
                    "user",
                    "permission",
                    "content_object",
                ],
            ),
            "log": CopyWriter(
                TransitionLog,
                [
                    "tenant",
                    "content_type",
                    "object_id",
                    "action",
                    "source",
                    "target",
                    "actor",
                    "acting_position",
                    "on_behalf_of",
                    "note",
                    "created_at",
                    "prev_hash",
                    "hash",
                ],
            ),
        }

    def _attachment_pool(self, size: int = 20) -> list[tuple[str, int, str]]:
        """A few small real PDFs in storage that attachment rows point at."""
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        pool = []
        for i in range(size):
            buf = io.BytesIO()
            c = canvas.Canvas(buf, pagesize=A4)
            c.setTitle(f"Lampiran {i + 1}")
            c.drawString(72, 770, f"Lampiran {i + 1}: data pendukung")
            for line in range(20):
                c.drawString(72, 740 - line * 16, f"Baris {line + 1}: {TOPICS[line % 12]}")
            c.showPage()
            c.save()
            data = buf.getvalue()
            name = default_storage.save(f"bench/lampiran-{i + 1:02d}.pdf", ContentFile(data))
            pool.append((name, len(data), hashlib.sha256(data).hexdigest()))
        return pool

    def _take(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _count(self, tenant_id: int, key: str) -> int:
        self.counters[(tenant_id, key)] += 1
        return self.counters[(tenant_id, key)]

    def _moment(self, world: TenantWorld) -> dt.datetime:
        """A time in office hours within the plan's years, in UTC."""
        days = self.rng.randrange(1, 365 * self.plan.years)
        local = (self.now - dt.timedelta(days=days)).astimezone(world.zone)
        local = local.replace(hour=self.rng.randint(7, 15), minute=self.rng.randrange(60))
        return min(local.astimezone(dt.UTC), self.now - dt.timedelta(hours=1))

    def _letter(self, world: TenantWorld, rows: dict, pdfs: list, *, created) -> None:
        rng = self.rng
        tenant_id = world.tenant.pk
        lid = self._take(Letter)
        unit_id = rng.choice(world.signing_units)
        head = world.heads[unit_id]
        staff = world.unit_users.get(unit_id) or [world.position_user.get(head.pk)]
        drafter = rng.choice([s for s in staff if s] or list(world.position_user.values()))
        signer = world.position_user.get(head.pk, drafter)
        ltype = rng.choice(world.types)
        security = _pick(rng, SECURITY_WEIGHTS)
        urgency = _pick(rng, URGENCY_WEIGHTS)
        state = _pick(rng, STATE_WEIGHTS)
        subject = rng.choice(SUBJECTS).format(x=rng.choice(TOPICS))
        body = f"<p>Dengan hormat, sehubungan dengan {subject.lower()}, kami sampaikan hal berikut.</p>"
        classification = rng.choice(CLASSIFICATIONS)
        signed = state in (LetterState.SIGNED, LetterState.SENT, LetterState.RETRACTED)
        sent = state in SENT_STATES
        signed_at = created + dt.timedelta(hours=rng.randint(1, 30)) if signed else None
        signed_at = min(signed_at, self.now) if signed_at else None
        sent_at = signed_at + dt.timedelta(minutes=rng.randint(1, 90)) if sent else None
        sent_at = min(sent_at, self.now) if sent_at else None
        number, seq, year = "", None, None
        if signed:
            local = signed_at.astimezone(world.zone).date()
            year = local.year
            key = numbering.letter_key(
                tenant_id=tenant_id, unit_id=unit_id, type_id=ltype.pk, year=year
            )
            seq = self._count(tenant_id, key)
            number = numbering.number_format(
                ltype.number_pattern or world.pattern,
                seq=seq,
                classification=classification,
                unit_code=world.units[unit_id].code,
                type_code=ltype.code,
                on=local,
            )
        review_round = 0 if state == LetterState.DRAFT else 1
        retracted_at = sent_at + dt.timedelta(days=1) if state == LetterState.RETRACTED else None
        retracted_at = min(retracted_at, self.now) if retracted_at else None
        updated = retracted_at or sent_at or signed_at or created
        rows["letter"].append(
            (
                lid,
                tenant_id,
                ltype.pk,
                subject,
                "",
                body,
                drafter,
                unit_id,
                head.pk,
                classification,
                security,
                urgency,
                state,
                1,
                review_round,
                number,
                seq,
                unit_id if signed else None,
                year,
                SigningMode.ELECTRONIC if signed else "",
                signed_at,
                signer if signed else None,
                head.pk if signed else None,
                sent_at,
                retracted_at,
                "Salah alamat" if retracted_at else "",
                "",
                "",
                "",
                "",
                False,
                "",
                "",
                created,
                updated,
            )
        )
        rows["version"].append((lid, 1, subject, "", body, drafter, created))
        rows["grant"].append((drafter, self.view_letter, lid))
        if lid % self.plan.attachment_every == 0:
            name, size, sha = rng.choice(pdfs)
            rows["attachment"].append(
                (
                    lid,
                    AttachmentKind.ATTACHMENT,
                    name,
                    "lampiran.pdf",
                    "application/pdf",
                    size,
                    sha,
                    drafter,
                    created,
                )
            )
        self._steps(world, rows, lid, unit_id, head, state, created, signed_at, signer)
        log = self._chain(rows, tenant_id, Letter, lid)
        log("letter.created", "", LetterState.DRAFT, drafter, None, created)
        if state != LetterState.DRAFT:
            log(
                "letter.submitted",
                LetterState.DRAFT,
                LetterState.IN_REVIEW,
                drafter,
                None,
                created + dt.timedelta(minutes=5),
            )
        if signed:
            log(
                "letter.signed",
                LetterState.APPROVED,
                LetterState.SIGNED,
                signer,
                head.pk,
                signed_at,
            )
        if sent:
            log("letter.sent", LetterState.SIGNED, LetterState.SENT, signer, head.pk, sent_at)
            self._deliveries(world, rows, lid, unit_id, security, urgency, sent_at, signer)
        if retracted_at:
            log(
                "letter.retracted",
                LetterState.SENT,
                LetterState.RETRACTED,
                signer,
                head.pk,
                retracted_at,
            )
        self.stats["letters"] += 1

    def _chain(self, rows: dict, tenant_id: int, model, object_id: int):
        """Append rows to one document's hash chain, as `workflows.services.transition_log`."""
        prev = [""]
        ct = self.ct[model]

        def log(action, source, target, actor, position, when, note=""):
            fields = {
                "tenant": tenant_id,
                "content_type": ct,
                "object_id": object_id,
                "action": action,
                "source": str(source),
                "target": str(target),
                "actor": actor,
                "acting_position": position,
                "on_behalf_of": None,
                "note": note,
                "created_at": when.isoformat(),
            }
            digest = row_hash(prev[0], fields)
            rows["log"].append(
                (
                    tenant_id,
                    ct,
                    object_id,
                    action,
                    str(source),
                    str(target),
                    actor,
                    position,
                    None,
                    note,
                    when,
                    prev[0],
                    digest,
                )
            )
            prev[0] = digest

        return log

    def _steps(self, world, rows, lid, unit_id, head, state, created, signed_at, signer):
        """One reviewer (the parent unit's head when there is one, else the head) and the
        signer's step; pending where the letter waits."""
        if state == LetterState.DRAFT:
            return
        reviewer = head
        for parent_id, kids in world.children.items():
            if unit_id in kids and parent_id in world.heads:
                reviewer = world.heads[parent_id]
                break
        reached = created + dt.timedelta(minutes=5)
        if state == LetterState.IN_REVIEW:
            rows["step"].append(
                (
                    lid,
                    1,
                    1,
                    StepKind.REVIEW,
                    reviewer.pk,
                    StepState.PENDING,
                    reached,
                    None,
                    None,
                    "",
                    0,
                )
            )
            rows["step"].append(
                (lid, 1, 2, StepKind.SIGN, head.pk, StepState.WAITING, None, None, None, "", 0)
            )
            return
        acted = reached + dt.timedelta(minutes=30)
        rows["step"].append(
            (
                lid,
                1,
                1,
                StepKind.REVIEW,
                reviewer.pk,
                StepState.APPROVED,
                reached,
                acted,
                world.position_user.get(reviewer.pk),
                "",
                1,
            )
        )
        if state == LetterState.APPROVED:
            rows["step"].append(
                (lid, 1, 2, StepKind.SIGN, head.pk, StepState.PENDING, acted, None, None, "", 0)
            )
        else:
            rows["step"].append(
                (
                    lid,
                    1,
                    2,
                    StepKind.SIGN,
                    head.pk,
                    StepState.APPROVED,
                    acted,
                    signed_at,
                    signer,
                    "",
                    1,
                )
            )

    def _recipient_units(self, world: TenantWorld, sender: int) -> list[int]:
        rng = self.rng
        r = rng.random()
        k = (
            1
            if r < 0.6
            else rng.randint(2, 3)
            if r < 0.9
            else rng.randint(5, 10)
            if r < 0.98
            else 20
        )
        pool = world.signing_units
        chosen = set(rng.sample(pool, min(k, len(pool))))
        chosen.discard(sender)
        if world.busy_unit is not None:
            chosen.discard(world.busy_unit)
            if rng.random() < self.busy_share and sender != world.busy_unit:
                chosen.add(world.busy_unit)
        if not chosen:
            chosen.add(next(u for u in pool if u != sender))
        return sorted(chosen)

    def _deliveries(self, world, rows, lid, sender, security, urgency, sent_at, signer):
        rng = self.rng
        tenant_id = world.tenant.pk
        confidential = security in SecurityLevel.confidential()
        age = (self.now - sent_at).days
        for order, unit_id in enumerate(self._recipient_units(world, sender)):
            kind = RecipientKind.TO if order < 2 else RecipientKind.CC
            rid = self._take(Recipient)
            rows["recipient"].append((rid, lid, kind, RecipientScope.INTERNAL, unit_id, order))
            head = world.heads[unit_id]
            holder = world.position_user.get(head.pk)
            local = sent_at.astimezone(world.zone).date()
            seq = self._count(tenant_id, numbering.agenda_key(unit_id=unit_id, year=local.year))
            roll = rng.random()
            if age > 30:
                state = (
                    DeliveryState.DONE
                    if roll < 0.7
                    else DeliveryState.IN_PROGRESS
                    if roll < 0.8
                    else DeliveryState.READ
                    if roll < 0.95
                    else DeliveryState.DELIVERED
                )
            else:
                state = (
                    DeliveryState.DONE
                    if roll < 0.25
                    else DeliveryState.IN_PROGRESS
                    if roll < 0.45
                    else DeliveryState.READ
                    if roll < 0.75
                    else DeliveryState.DELIVERED
                )
            if kind == RecipientKind.CC and state in (
                DeliveryState.IN_PROGRESS,
                DeliveryState.DONE,
            ):
                state = DeliveryState.READ
            read_at = done_at = None
            if state != DeliveryState.DELIVERED:
                read_at = min(sent_at + dt.timedelta(minutes=rng.randint(5, 60 * 48)), self.now)
            if state == DeliveryState.DONE:
                done_at = min(read_at + dt.timedelta(hours=rng.randint(1, 24 * 10)), self.now)
            did = self._take(Delivery)
            rows["delivery"].append(
                (
                    did,
                    tenant_id,
                    lid,
                    rid,
                    unit_id,
                    head.pk if confidential else None,
                    kind,
                    security,
                    urgency,
                    state,
                    local.year,
                    seq,
                    f"{seq}/{world.units[unit_id].code}/{local.year}",
                    sent_at,
                    read_at,
                    holder if read_at else None,
                    done_at,
                )
            )
            self.stats["deliveries"] += 1
            if unit_id == world.busy_unit:
                self.stats["busy_deliveries"] += 1
            log = self._chain(rows, tenant_id, Delivery, did)
            log("delivery.delivered", "", DeliveryState.DELIVERED, signer, None, sent_at)
            if read_at:
                log(
                    "delivery.read",
                    DeliveryState.DELIVERED,
                    DeliveryState.READ,
                    holder,
                    head.pk,
                    read_at,
                )
            if state in (DeliveryState.IN_PROGRESS, DeliveryState.DONE):
                self._dispositions(
                    world, rows, did, lid, unit_id, security, urgency, read_at, done_at, holder
                )
            if done_at:
                log(
                    "delivery.done",
                    DeliveryState.IN_PROGRESS,
                    DeliveryState.DONE,
                    holder,
                    head.pk,
                    done_at,
                )

    def _dispositions(
        self,
        world,
        rows,
        did,
        lid,
        unit_id,
        security,
        urgency,
        read_at,
        done_at,
        holder,
        parent=None,
        depth=1,
    ):
        """Head → heads of 1–2 child units; half of those pass it one level further down."""
        rng = self.rng
        kids = world.children.get(unit_id, [])
        if not kids:
            return
        tenant_id = world.tenant.pk
        issuer = world.heads[unit_id]
        for kid in rng.sample(kids, min(len(kids), rng.randint(1, 2))):
            to = world.heads[kid]
            issued = read_at + dt.timedelta(minutes=rng.randint(5, 240))
            issued = min(issued, self.now)
            due = (issued + dt.timedelta(days=7)).astimezone(world.zone).date()
            assignee = world.position_user.get(to.pk)
            if done_at:
                state, d_read, reported = DispositionState.DONE, issued, min(done_at, self.now)
            else:
                roll = rng.random()
                state = DispositionState.READ if roll < 0.5 else DispositionState.ISSUED
                d_read, reported = (issued if state == DispositionState.READ else None), None
            xid = self._take(Disposition)
            rows["disposition"].append(
                (
                    xid,
                    tenant_id,
                    did,
                    lid,
                    parent,
                    holder,
                    issuer.pk,
                    to.pk,
                    '["tindak_lanjuti"]',
                    "Mohon ditindaklanjuti.",
                    due,
                    urgency,
                    security,
                    state,
                    issued,
                    issued,
                    d_read,
                    assignee if d_read else None,
                    reported,
                    assignee if reported else None,
                    "Sudah dilaksanakan." if reported else "",
                    "",
                    "",
                )
            )
            self.stats["dispositions"] += 1
            log = self._chain(rows, tenant_id, Disposition, xid)
            log("disposition.issued", "", DispositionState.ISSUED, holder, issuer.pk, issued)
            if reported:
                log(
                    "disposition.reported",
                    DispositionState.ISSUED,
                    DispositionState.DONE,
                    assignee,
                    to.pk,
                    reported,
                )
            if depth < 2 and rng.random() < 0.5:
                self._dispositions(
                    world,
                    rows,
                    did,
                    lid,
                    kid,
                    security,
                    urgency,
                    issued,
                    done_at,
                    assignee,
                    parent=xid,
                    depth=depth + 1,
                )

    def verify_references(self) -> dict[str, int]:
        """Rows whose foreign keys point nowhere, per table and column (all zero expected)."""
        if connection.vendor != "postgresql":
            return {}
        orphans = {}
        tables = [
            Letter,
            Recipient,
            Delivery,
            Disposition,
            ReviewStep,
            LetterVersion,
            Attachment,
            LetterUserObjectPermission,
        ]
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in tables:
                for field in model._meta.concrete_fields:
                    if not field.is_relation:
                        continue
                    target = field.related_model._meta
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} t "
                        f"WHERE t.{qn(field.column)} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {qn(target.db_table)} r "
                        f"WHERE r.{qn(target.pk.column)} = t.{qn(field.column)})"
                    )
                    orphans[f"{model._meta.db_table}.{field.column}"] = cursor.fetchone()[0]
        return orphans

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
