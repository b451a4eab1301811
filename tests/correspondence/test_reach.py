"""How far each security level reaches is tenant data (tenant file `security_levels`): the
defaults follow the rules, and each setting (unit head, delegates, roles, posts, echelons)
changes who reads a level — and only that level and the ones below it."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.models import LetterType
from correspondence.services import RecipientInput
from organizations.models import Position, Tenant
from organizations.tenantfile import TenantFileError
from workflows.models import SecurityReach
from workflows.reach import DEFAULT_REACH, reach_for
from workflows.tenantfile import SecurityLevelEntry, _load

from ..factories import PASSWORD
from .helpers import sent

pytestmark = pytest.mark.django_db


def _to_kominfo(world, level: str):
    """A letter of Bappeda to Kominfo (its head's post for Rahasia and above)."""
    letter = svc.letter_create(
        by=world.bappeda_staff,
        letter_type=LetterType.objects.get(tenant=world.tenant, code="surat_dinas"),
        subject=f"Data {level}",
        body="<p>Mohon data.</p>",
        security=level,
        signer_position=world.positions["kaban_bappeda"],
        recipients=[RecipientInput(kind="to", unit=world.units["kominfo"])],
    )
    letter = svc.letter_submit(
        letter=letter, by=world.bappeda_staff, route=[world.positions["pengadm_bappeda"]]
    )
    letter = svc.letter_approve(letter=letter, by=world.bappeda_clerk)
    letter = svc.letter_sign(passphrase=PASSWORD, letter=letter, by=world.bappeda_head)
    return svc.letter_send(letter=letter, by=world.bappeda_head)


def _set(world, *entries: dict) -> None:
    _load(world.tenant, [SecurityLevelEntry(**e) for e in entries], base_dir=None)


def _reads(user, letter) -> bool:
    return policy.can_view_letter(user, letter)


def test_defaults_follow_the_rules(world):
    reach = reach_for(world.tenant.pk)
    assert reach == DEFAULT_REACH
    assert reach["terbatas"].roles == ("secretary",)  # the TU, not the agenda clerk
    assert not reach["rahasia"].unit_head and reach["rahasia"].delegates
    assert not reach["sangat_rahasia"].delegates


@pytest.mark.parametrize("level", ["biasa", "terbatas"])
def test_echelons_named_for_terbatas_read_it_in_their_unit_and_above(world, level):
    """The head of Bidang TIK (echelon III.b) reads Kominfo's Terbatas mail once Terbatas names
    echelon III, and therefore its Biasa mail too; Rahasia stays where it was."""
    Position.objects.filter(pk=world.positions["kabid_tik"].pk).update(echelon="III.b")
    letter = _to_kominfo(world, level)
    assert not _reads(world.reviewer2, letter)
    _set(world, {"level": "terbatas", "echelons": ["III"]})
    assert _reads(world.reviewer2, letter)
    secret = _to_kominfo(world, "rahasia")
    assert not _reads(world.reviewer2, secret)


def test_a_post_named_by_code_reads_the_level(world):
    letter = _to_kominfo(world, "rahasia")
    assert not _reads(world.secretary, letter)
    _set(world, {"level": "rahasia", "positions": ["SEKDIS_KOMINFO"]})
    assert _reads(world.secretary, letter)


def test_a_role_named_for_rahasia_reads_it(world):
    letter = _to_kominfo(world, "rahasia")
    assert not _reads(world.secretary, letter) and not _reads(world.clerk, letter)
    _set(world, {"level": "rahasia", "roles": ["secretary"]})
    assert _reads(world.secretary, letter) and not _reads(world.clerk, letter)


def test_biasa_without_the_agenda_clerk(world):
    letter = sent(world, to=("bappeda",))
    assert _reads(world.bappeda_clerk, letter)
    _set(world, {"level": "biasa", "roles": ["secretary"]})
    assert not _reads(world.bappeda_clerk, letter)
    _set(world)  # the file no longer sets it: back to the default
    assert not SecurityReach.objects.filter(tenant=world.tenant).exists()
    assert _reads(world.bappeda_clerk, letter)


def test_delegates_of_sangat_rahasia_when_the_tenant_says_so(world):
    letter = sent(world, security="sangat_rahasia")
    today = svc.tenant_today(world.tenant)
    svc.delegation_create(
        by=world.bappeda_head,
        delegate=world.bappeda_clerk,
        start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=3),
        reason="cuti",
    )
    assert not _reads(world.bappeda_clerk, letter)
    _set(world, {"level": "sangat_rahasia", "delegates": True})
    assert _reads(world.bappeda_clerk, letter)


def test_the_tenant_file_section_is_checked_and_named(tmp_path, world):
    base = textwrap.dedent(
        """
        tenant:
          slug: kotabaru
          name: Pemerintah Kota Baru
          app_name: Naskah Kota Baru
          city: Kota Baru
          time_zone: Asia/Makassar
          colours: {primary: "#224466", accent: "#ffcc00"}
          letterhead: {government: PEMERINTAH KOTA BARU}
          domains: [kotabaru.localhost]
        units:
          - code: DISKOMINFO
            name: Dinas Kominfo
            kind: agency
            positions:
              - {code: KEPALA, title: Kepala, head: true, signer: true, echelon: II.b}
              - {code: SEKRETARIS, title: Sekretaris, echelon: III.a}
        security_levels:
        """
    )
    good = base + "  - {level: terbatas, positions: [SEKRETARIS], echelons: [III]}\n"
    path = tmp_path / "kotabaru.yaml"
    path.write_text(good)
    call_command("load_tenant", str(path), verbosity=0)
    tenant = Tenant.objects.get(slug="kotabaru")
    row = SecurityReach.objects.get(tenant=tenant, level="terbatas")
    assert row.position_codes == ["SEKRETARIS"] and row.echelons == ["III"]
    assert row.roles == ["secretary"]  # the level's default where the file says nothing
    assert Position.objects.get(tenant=tenant, code="SEKRETARIS").echelon == "III.a"
    for bad, names in (
        ("  - {level: terbatas, positions: [TU]}\n", "no post has the code TU"),
        ("  - {level: terbatas, roles: [tenant_admin]}\n", "roles: tenant_admin"),
        ("  - {level: terbatas, echelons: [VI]}\n", "echelons"),
        ("  - {level: rahasia}\n  - {level: rahasia}\n", "set twice"),
        ("  - {level: rahasiaa}\n", "level"),
    ):
        path.write_text(base + bad)
        with pytest.raises((CommandError, TenantFileError)) as err:
            call_command("load_tenant", str(path), verbosity=0)
        assert "security_levels" in str(err.value) and names in str(err.value), bad
    # nothing of a refused file was kept
    assert SecurityReach.objects.get(tenant=tenant, level="terbatas").position_codes == [
        "SEKRETARIS"
    ]


def test_medans_named_echelons_stop_at_their_opd(tmp_path):
    """Medan's file lets echelon II and III read Terbatas: a Kepala Bidang reads their dinas's
    Terbatas mail and their bidang's, never the Wali Kota's, the Setda's or another dinas's."""
    from pathlib import Path

    from correspondence.querysets import reading
    from organizations.models import Unit, User

    call_command("load_tenant", str(Path(__file__).parents[2] / "tenants" / "medan.yaml"))
    kabid = User.objects.get(username="medan.reviewer")  # Kepala Bidang TIK, III.b
    units = {u.pk: u.code for u in Unit.objects.filter(tenant__slug="medan")}
    terbatas = {units[pk] for pk in reading(kabid).units["terbatas"]}
    rahasia = {units[pk] for pk in reading(kabid).units["rahasia"]}
    dinas = Unit.objects.get(tenant__slug="medan", code="BID-TIK")
    opd = Unit.objects.get_parent(dinas).code
    assert {"BID-TIK", opd} <= terbatas
    assert not terbatas & {"WALIKOTA", "SETDA", "DINKES", "BAPPEDA"}
    assert not rahasia  # Rahasia keeps its default: addressed posts only
