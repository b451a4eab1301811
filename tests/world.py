"""A small government, built through the services, with a user for every persona.

Medan-like tenant (WIB):
  Wali Kota
  ├─ Sekretariat Daerah (Sekda)
  ├─ Dinas Kominfo (head = signer, secretary/TU, agenda clerk)
  │   └─ Bidang TIK (reviewer 2)
  │       └─ Seksi Aplikasi Informatika (reviewer 1, drafter)
  ├─ Bappeda (head, clerk, staff)
  ├─ Dinas Kesehatan (head, staff)
  ├─ Dinas Perpustakaan dan Kearsipan (archivist)
  └─ Kecamatan Medan Baru (camat)
A second tenant (Tangerang-like, WIB) and a third (Samarinda-like, WITA) have a few users each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import time_machine
from django.utils import timezone

from correspondence.permissions import signer_positions
from correspondence.services import letter_types_ensure_defaults
from correspondence.signing import CERT_YEARS, certificate_issue
from organizations.choices import AssignmentKind, RoleKind, UnitKind
from organizations.models import Assignment, Position, Tenant, Unit, User
from organizations.services import assignment_create, role_grant

from .factories import PASSWORD, PositionFactory, TenantFactory, UnitFactory, UserFactory

START = dt.date(2020, 1, 1)


@dataclass
class World:
    tenant: Tenant
    other_tenant: Tenant
    wita_tenant: Tenant
    units: dict[str, Unit] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def _unit(
    world: World, key: str, name: str, kind: str, parent: Unit | None = None, tenant=None
) -> Unit:
    unit = UnitFactory(
        tenant=tenant or world.tenant, code=key.upper(), name=name, kind=kind, parent=parent
    )
    world.units[key] = unit
    return unit


def _position(
    world: World, key: str, unit: Unit, title: str, *, head=False, signer=False
) -> Position:
    position = PositionFactory(
        unit=unit, code=key.upper(), title=title, is_head=head, can_sign=signer
    )
    world.positions[key] = position
    return position


def _person(
    world: World,
    key: str,
    position: Position | None,
    name: str,
    *,
    kind=AssignmentKind.DEFINITIVE,
    tenant=None,
) -> User:
    user = UserFactory(
        tenant=tenant or (position.tenant if position else world.tenant), username=key, name=name
    )
    if position is not None:
        assignment_create(user=user, position=position, kind=kind, start_date=START)
    world.users[key] = user
    return user


def build_world() -> World:
    medan = TenantFactory(
        slug="medan",
        app_name="Sarana",
        name="Pemerintah Kota Medan",
        city="Medan",
        primary_colour="#0f6b3f",
        accent_colour="#f4c20d",
    )
    tangerang = TenantFactory(
        slug="tangerang",
        app_name="E-Files",
        name="Pemerintah Kota Tangerang",
        city="Tangerang",
        primary_colour="#0b4f8a",
        accent_colour="#f9a825",
    )
    samarinda = TenantFactory(
        slug="samarinda", app_name="Naskah Samarinda", city="Samarinda", time_zone="Asia/Makassar"
    )
    w = World(tenant=medan, other_tenant=tangerang, wita_tenant=samarinda)

    root = _unit(w, "walikota", "Wali Kota Medan", UnitKind.OFFICE)
    setda = _unit(w, "setda", "Sekretariat Daerah", UnitKind.SECRETARIAT, root)
    kominfo = _unit(w, "kominfo", "Dinas Komunikasi dan Informatika", UnitKind.AGENCY, root)
    tik = _unit(
        w, "bid_tik", "Bidang Teknologi Informasi dan Komunikasi", UnitKind.DIVISION, kominfo
    )
    aptika = _unit(w, "seksi_aptika", "Seksi Aplikasi Informatika", UnitKind.SECTION, tik)
    bappeda = _unit(w, "bappeda", "Badan Perencanaan Pembangunan Daerah", UnitKind.BOARD, root)
    dinkes = _unit(w, "dinkes", "Dinas Kesehatan", UnitKind.AGENCY, root)
    dispusip = _unit(w, "dispusip", "Dinas Perpustakaan dan Kearsipan", UnitKind.AGENCY, root)
    kec = _unit(w, "kec_baru", "Kecamatan Medan Baru", UnitKind.DISTRICT, root)

    _position(w, "walikota", root, "Wali Kota Medan", head=True, signer=True)
    _position(w, "sekda", setda, "Sekretaris Daerah", head=True, signer=True)
    _position(w, "kadis_kominfo", kominfo, "Kepala Dinas Kominfo", head=True, signer=True)
    _position(w, "sekdis_kominfo", kominfo, "Sekretaris Dinas Kominfo", signer=True)
    _position(w, "pengadm_kominfo", kominfo, "Pengadministrasi Umum Kominfo")
    _position(w, "prakom_madya", kominfo, "Pranata Komputer Ahli Madya")
    _position(w, "kabid_tik", tik, "Kepala Bidang TIK", head=True, signer=True)
    _position(w, "kasi_aptika", aptika, "Kepala Seksi Aptika", head=True)
    _position(w, "prakom_muda", aptika, "Pranata Komputer Ahli Muda")
    _position(w, "prakom_pertama", aptika, "Pranata Komputer Ahli Pertama")
    _position(w, "kaban_bappeda", bappeda, "Kepala Bappeda", head=True, signer=True)
    _position(w, "pengadm_bappeda", bappeda, "Pengadministrasi Umum Bappeda")
    _position(w, "perencana", bappeda, "Perencana Ahli Muda")
    _position(w, "kadis_dinkes", dinkes, "Kepala Dinas Kesehatan", head=True, signer=True)
    _position(w, "staf_dinkes", dinkes, "Staf Dinas Kesehatan")
    _position(w, "kadis_dispusip", dispusip, "Kepala Dispusip", head=True, signer=True)
    _position(w, "arsiparis", dispusip, "Arsiparis Ahli Madya")
    _position(w, "camat", kec, "Camat Medan Baru", head=True, signer=True)

    P = w.positions
    _person(w, "sekda", P["sekda"], "Drs. Wiriya Alrahman, M.M.")
    _person(w, "head", P["kadis_kominfo"], "Ir. Budi Hasibuan, M.M.")
    _person(w, "secretary", P["sekdis_kominfo"], "Maya Sari Tarigan, S.E.")
    _person(w, "clerk", P["pengadm_kominfo"], "Dewi Ginting, A.Md.")
    _person(w, "reviewer2", P["kabid_tik"], "Dra. Sri Wahyuni Lubis, M.Si.")
    _person(w, "reviewer", P["kasi_aptika"], "Fajar Nasution, S.Kom.")
    _person(w, "drafter", P["prakom_muda"], "Rina Siregar, S.T.")
    _person(w, "colleague", P["prakom_pertama"], "Yoga Pratama")
    _person(w, "bappeda_head", P["kaban_bappeda"], "Dr. Ahmad Rizal Pohan")
    _person(w, "bappeda_clerk", P["pengadm_bappeda"], "Nurul Aini Harahap")
    _person(w, "bappeda_staff", P["perencana"], "Putri Lestari")
    _person(w, "dinkes_head", P["kadis_dinkes"], "dr. Taufik Ririansyah")
    _person(w, "outsider", P["staf_dinkes"], "Joko Susilo")
    _person(w, "archivist", P["arsiparis"], "Hendra Sitompul, S.Hum.")
    _person(w, "dispusip_head", P["kadis_dispusip"], "Dra. Rosmawati Nainggolan, M.Si.")
    _person(w, "camat", P["camat"], "Tengku Chairuniza")
    _person(w, "tenant_admin", P["prakom_madya"], "Andi Pratama, S.Kom.")

    role_grant(user=w.users["clerk"], kind=RoleKind.REGISTRY_CLERK, unit=kominfo)
    role_grant(user=w.users["secretary"], kind=RoleKind.SECRETARY, unit=kominfo)
    role_grant(user=w.users["bappeda_clerk"], kind=RoleKind.REGISTRY_CLERK, unit=bappeda)
    role_grant(user=w.users["archivist"], kind=RoleKind.RECORDS_OFFICER, unit=dispusip)
    role_grant(user=w.users["tenant_admin"], kind=RoleKind.TENANT_ADMIN)

    # Another tenant on the same platform.
    t_root = _unit(w, "t_kominfo", "Diskominfo Kota Tangerang", UnitKind.AGENCY, tenant=tangerang)
    t_bappeda = _unit(w, "t_bappeda", "Bappeda Kota Tangerang", UnitKind.BOARD, tenant=tangerang)
    _position(w, "t_kadis", t_root, "Kepala Diskominfo Kota Tangerang", head=True, signer=True)
    _position(w, "t_staf", t_root, "Staf Diskominfo Kota Tangerang")
    _position(w, "t_kaban", t_bappeda, "Kepala Bappeda Kota Tangerang", head=True, signer=True)
    _person(w, "foreign_head", P["t_kadis"], "Drs. H. Mulyadi")
    _person(w, "foreigner", P["t_staf"], "Siti Rahmawati")
    _person(w, "foreign_bappeda", P["t_kaban"], "Ir. Hendra Gunawan")
    foreign_admin = _person(w, "foreign_admin", None, "Yusuf Maulana", tenant=tangerang)
    role_grant(user=foreign_admin, kind=RoleKind.TENANT_ADMIN)

    # A WITA tenant, to prove time zones.
    s_root = _unit(w, "s_kominfo", "Diskominfo Kota Samarinda", UnitKind.AGENCY, tenant=samarinda)
    _position(w, "s_kadis", s_root, "Kepala Diskominfo Kota Samarinda", head=True, signer=True)
    _position(w, "s_staf", s_root, "Staf Diskominfo Kota Samarinda")
    _person(w, "wita_head", P["s_kadis"], "Dr. Aswin Hakim")
    _person(w, "wita_drafter", P["s_staf"], "Nur Aisyah")

    for tenant in (medan, tangerang, samarinda):
        letter_types_ensure_defaults(tenant)
    # Everyone who holds a post the signing rule accepts gets a certificate from their
    # tenant's authority whose passphrase is their password (ECDSA keys; the passphrase's
    # scrypt takes ~35 ms). Issued as of CERT_BACKDATE ago, valid as long again plus the usual
    # two years: a test that pins the clock to an earlier day of this year or last still signs.
    with time_machine.travel(timezone.now() - CERT_BACKDATE, tick=True):
        for tenant in (medan, tangerang, samarinda):
            posts = signer_positions(tenant.pk)
            holders = Assignment.objects.filter(position__in=posts).values("user_id")
            for user in User.objects.filter(pk__in=holders).select_related("tenant"):
                certificate_issue(
                    user, passphrase=PASSWORD, days=CERT_BACKDATE.days + 365 * CERT_YEARS
                )
    return w


CERT_BACKDATE = dt.timedelta(days=800)


# --- the same world, fast -------------------------------------------------------------------
# Building the world through the services takes ~900 queries (0.6 s on PostgreSQL), and most
# tests start from it. So each test process builds it once, keeps a copy of every row it
# made, rolls that build back, and then puts the very same rows into each test's transaction
# with one INSERT per table (a few ms). A test sees exactly what `build_world()` makes.


@dataclass
class _Snapshot:
    rows: list[tuple[type, list[dict]]]  # models in insertion order, with their rows
    keys: dict[str, dict[str, int]]  # "units"/"positions"/"users" key -> pk, tenants
    made_on: tuple  # the content types and permissions its rows point to


def _fingerprint() -> tuple:
    """The ids of the rows migrations made, which copied rows point to: a test that flushes
    the database makes them anew, with other ids, and the copy must be made again."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    return (
        tuple(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model")),
        tuple(Permission.objects.order_by("pk").values_list("pk", "codename")),
    )


_snapshot: _Snapshot | None = None


def _insertion_order(models: list[type]) -> list[type]:
    """Models ordered so that each comes after those its foreign keys point to."""
    done: list[type] = []
    pending = list(models)
    while pending:
        for model in pending:
            deps = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model in pending and f.related_model is not model
            }
            if not deps:
                done.append(model)
                pending.remove(model)
                break
        else:  # a cycle: its foreign keys are deferred, any order will do
            done += pending
            break
    return done


def _capture() -> _Snapshot:
    from django.apps import apps
    from django.db import transaction

    models = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]
    before = {m: set(m._base_manager.values_list("pk", flat=True)) for m in models}
    with transaction.atomic():
        w = build_world()
        rows = []
        for model in _insertion_order(models):
            pk = model._meta.pk.attname
            made = [r for r in model._base_manager.values() if r[pk] not in before[model]]
            if made:
                rows.append((model, made))
        keys = {
            "tenants": {
                "tenant": w.tenant.pk,
                "other_tenant": w.other_tenant.pk,
                "wita_tenant": w.wita_tenant.pk,
            },
            "units": {k: u.pk for k, u in w.units.items()},
            "positions": {k: p.pk for k, p in w.positions.items()},
            "users": {k: u.pk for k, u in w.users.items()},
        }
        transaction.set_rollback(True)
    return _Snapshot(rows=rows, keys=keys, made_on=_fingerprint())


def _restore(snapshot: _Snapshot) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    for model, rows in snapshot.rows:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        model._base_manager.bulk_create(
            [model(**{k: v for k, v in r.items() if k in fields}) for r in rows]
        )
    models = [m for m, _rows in snapshot.rows]
    with connection.cursor() as cursor:  # later rows get ids above the copied ones
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def world_fast() -> World:
    """The world `build_world()` makes, copied into the current transaction."""
    global _snapshot
    if _snapshot is not None and _snapshot.made_on != _fingerprint():
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()  # ids the cache holds are a flushed database's
        _snapshot = None
    if _snapshot is None:
        _snapshot = _capture()
    _restore(_snapshot)
    keys = _snapshot.keys
    tenants = Tenant.objects.in_bulk(list(keys["tenants"].values()))
    units = Unit.objects.in_bulk(list(keys["units"].values()))
    positions = Position.objects.in_bulk(list(keys["positions"].values()))
    users = User.objects.in_bulk(list(keys["users"].values()))
    return World(
        tenant=tenants[keys["tenants"]["tenant"]],
        other_tenant=tenants[keys["tenants"]["other_tenant"]],
        wita_tenant=tenants[keys["tenants"]["wita_tenant"]],
        units={k: units[pk] for k, pk in keys["units"].items()},
        positions={k: positions[pk] for k, pk in keys["positions"].items()},
        users={k: users[pk] for k, pk in keys["users"].items()},
    )
