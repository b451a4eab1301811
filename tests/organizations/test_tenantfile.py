"""Onboarding a city from its tenant file: all or nothing, errors that name the entry."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from organizations.models import Assignment, Position, Tenant, TenantDomain, Unit, UnitRole, User
from organizations.selectors import unit_ancestor_heads

ROOT = Path(__file__).resolve().parents[2]
DEMO = [
    ROOT / "tenants" / "medan.yaml",
    ROOT / "tenants" / "tangerang.yaml",
    ROOT / "tenants" / "samarinda.toml",
]
MODELS = [Tenant, TenantDomain, Unit, Position, User, Assignment, UnitRole]

GOOD = """
tenant:
  slug: kotabaru
  name: Pemerintah Kota Baru
  app_name: Naskah Kota Baru
  city: Kota Baru
  time_zone: Asia/Makassar
  colours: {primary: "#224466", accent: "#ffcc00"}
  letterhead: {government: PEMERINTAH KOTA BARU}
  domains: [kotabaru.localhost]
position_templates:
  agency: [{code: KEPALA, title: "Kepala {name}", head: true, signer: true}]
units:
  - code: SETDA
    name: Sekretariat Daerah
    kind: secretariat
    positions: [{code: SEKDA, title: Sekretaris Daerah, head: true, signer: true}]
    children:
      - {code: DISKOMINFO, name: Dinas Kominfo, kind: agency, positions: [{code: STAF, title: Staf}]}
users:
  - username: kotabaru.kadis
    name: Kepala Kominfo
    nip: "197205121998031004"
    assignments: [{position: "DISKOMINFO:KEPALA", start: 2024-01-01}]
  - username: kotabaru.admin
    name: Admin
    roles: [{role: tenant_admin}]
"""


def write(tmp_path: Path, text: str, name: str = "tenant.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def snapshot() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.mark.django_db
def test_demo_tenants_load_and_a_second_load_changes_nothing(capsys):
    # GIVEN an empty database
    # WHEN the three demo files are loaded twice
    call_command("load_tenant", *map(str, DEMO))
    first = snapshot()
    capsys.readouterr()
    call_command("load_tenant", *map(str, DEMO))
    # THEN the second load reports no changes and adds no rows
    out = capsys.readouterr().out
    assert out.count("no changes") == 3
    assert snapshot() == first
    medan = Tenant.objects.get(slug="medan")
    assert medan.app_name == "Sarana"
    assert medan.units.filter(kind="district").count() == 21
    assert Tenant.objects.get(slug="samarinda").time_zone == "Asia/Makassar"
    assert medan.logo and medan.logo.size > 0


@pytest.mark.django_db
def test_templates_create_the_head_of_every_unit_of_that_kind(tmp_path):
    call_command("load_tenant", str(write(tmp_path, GOOD)))
    kominfo = Unit.objects.get(code="DISKOMINFO", tenant__slug="kotabaru")
    head = Position.objects.get(unit=kominfo, is_head=True)
    assert head.title == "Kepala Dinas Kominfo"
    assert [p.code for p in unit_ancestor_heads(kominfo)] == ["KEPALA", "SEKDA"]
    assert User.objects.get(username="kotabaru.kadis").assignments.get().position == head


BROKEN = {
    "nested unit with an unknown kind": (
        GOOD.replace("kind: agency, positions", "kind: ministry, positions"),
        "units[0] (SETDA) > children[0] (DISKOMINFO) > kind",
    ),
    "a unit code used twice": (
        GOOD.replace("code: DISKOMINFO, name", "code: SETDA, name"),
        "unit code SETDA is used twice",
    ),
    "an assignment to a position that does not exist": (
        GOOD.replace('"DISKOMINFO:KEPALA"', '"DISKOMINFO:KABID"'),
        "users[0] (kotabaru.kadis) > assignments[0] (DISKOMINFO:KABID): position DISKOMINFO:KABID does not exist",
    ),
    "an invalid NIP on the last user": (
        GOOD.replace('"197205121998031004"', '"19720512199803100"'),
        "users[0] (kotabaru.kadis): nip: NIP",
    ),
    "a colour that is not a colour": (
        GOOD.replace('"#224466"', '"green"'),
        "tenant > colours > primary",
    ),
    "an unknown section": (GOOD + "\nrooms_typo: []\n", "unknown section(s) rooms_typo"),
    "two heads in one unit": (
        GOOD.replace(
            "{code: STAF, title: Staf}",
            "{code: KA, title: Kepala A, head: true}, {code: KB, title: Kepala B, head: true}",
        ),
        "units[0] (SETDA) > children[0] (DISKOMINFO) > positions: more than one head",
    ),
    "a role without its unit": (
        GOOD.replace("roles: [{role: tenant_admin}]", "roles: [{role: registry_clerk}]"),
        "users[1] (kotabaru.admin) > roles[0] (registry_clerk): role registry_clerk needs a unit",
    ),
    "malformed YAML": (GOOD.replace("units:\n", "units: [\n", 1), "not valid YAML"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_entry_is_named_and_nothing_is_loaded(tmp_path, case):
    # GIVEN a database with the Tangerang demo tenant already loaded
    call_command("load_tenant", str(DEMO[1]))
    before = snapshot()
    text, expected = BROKEN[case]
    # WHEN a file with one broken entry is loaded
    with pytest.raises(CommandError) as exc:
        call_command("load_tenant", str(write(tmp_path, text)))
    # THEN the message names the entry and field, and the database is unchanged
    assert expected in str(exc.value)
    assert "Nothing was loaded" in str(exc.value)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_host_of_another_tenant_is_refused(tmp_path):
    call_command("load_tenant", str(DEMO[1]))
    before = snapshot()
    with pytest.raises(
        CommandError,
        match=r"domains\[0\] \(tangerang.localhost\): already used by tenant tangerang",
    ):
        call_command(
            "load_tenant",
            str(write(tmp_path, GOOD.replace("kotabaru.localhost", "tangerang.localhost"))),
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_an_overlapping_definitive_holder_is_refused(tmp_path):
    text = GOOD.replace(
        "  - username: kotabaru.admin",
        '  - username: kotabaru.other\n    name: Other\n    assignments: [{position: "DISKOMINFO:KEPALA", start: 2025-01-01}]\n  - username: kotabaru.admin',
    )
    with pytest.raises(
        CommandError,
        match=r"users\[1\] \(kotabaru.other\) > assignments\[0\].*already has a definitive holder",
    ):
        call_command("load_tenant", str(write(tmp_path, text)))
    assert not Tenant.objects.filter(slug="kotabaru").exists()


@pytest.mark.django_db
def test_toml_files_load_like_yaml(tmp_path):
    call_command("load_tenant", str(DEMO[2]))
    assert Tenant.objects.get(slug="samarinda").units.filter(kind="district").count() == 10


@pytest.mark.django_db
def test_dry_run_validates_and_rolls_back(tmp_path, capsys):
    call_command("load_tenant", "--dry-run", str(write(tmp_path, GOOD)))
    assert "would load" in capsys.readouterr().out
    assert not Tenant.objects.filter(slug="kotabaru").exists()


@pytest.mark.django_db
def test_reload_moves_a_unit_and_updates_titles(tmp_path):
    call_command("load_tenant", str(write(tmp_path, GOOD)))
    moved = (
        GOOD.replace(
            "    children:\n      - {code: DISKOMINFO, name: Dinas Kominfo, kind: agency, positions: [{code: STAF, title: Staf}]}\n",
            "",
        )
        + ""
    )
    moved = moved.replace(
        "users:",
        "  - {code: DISKOMINFO, name: Dinas Komunikasi, kind: agency, positions: [{code: STAF, title: Staf}]}\nusers:",
    )
    call_command("load_tenant", str(write(tmp_path, moved)))
    kominfo = Unit.objects.get(code="DISKOMINFO", tenant__slug="kotabaru")
    assert kominfo.depth == 1
    assert kominfo.name == "Dinas Komunikasi"
    assert Position.objects.get(unit=kominfo, is_head=True).title == "Kepala Dinas Komunikasi"


@pytest.mark.django_db
def test_the_email_sender_comes_from_the_file_or_the_platform_default(tmp_path, settings):
    # GIVEN the platform's default sender and a file without a sender
    settings.DEFAULT_FROM_EMAIL = "naskah@platform.example"
    call_command("load_tenant", str(write(tmp_path, GOOD)))
    # THEN the tenant sends from the default, under its application's name
    tenant = Tenant.objects.get(slug="kotabaru")
    assert tenant.mail_from == "Naskah Kota Baru <naskah@platform.example>"
    # WHEN the file names a sender
    named = GOOD.replace(
        "  domains: [kotabaru.localhost]\n",
        "  domains: [kotabaru.localhost]\n"
        "  mail_from: {name: TU Kota Baru, address: tu@kotabaru.example.go.id}\n",
    )
    call_command("load_tenant", str(write(tmp_path, named)))
    # THEN the tenant sends from it
    tenant.refresh_from_db()
    assert tenant.mail_from == "TU Kota Baru <tu@kotabaru.example.go.id>"


@pytest.mark.django_db
def test_links_that_leave_the_platform_carry_the_public_port(tmp_path, settings):
    call_command("load_tenant", str(write(tmp_path, GOOD)))
    tenant = Tenant.objects.get(slug="kotabaru")
    settings.NASKAH_PUBLIC_SCHEME, settings.NASKAH_PUBLIC_PORT = "https", 0
    assert tenant.site_url == "https://kotabaru.localhost"
    settings.NASKAH_PUBLIC_SCHEME, settings.NASKAH_PUBLIC_PORT = "http", 8000
    assert tenant.site_url == "http://kotabaru.localhost:8000"
