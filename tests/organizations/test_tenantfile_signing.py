"""The tenant file's signature data: region, unit letterheads, regional roles, ranks, letter
type layouts and signing mandates (a.n., u.b.)."""

import textwrap
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from correspondence.layouts import layout_of
from correspondence.models import LetterType, SigningMandate
from organizations.models import Position, Tenant, Unit, User

ROOT = Path(__file__).resolve().parents[2]
DEMO = [
    ROOT / "tenants" / "medan.yaml",
    ROOT / "tenants" / "tangerang.yaml",
    ROOT / "tenants" / "samarinda.toml",
]

GOOD = """
tenant:
  slug: kotabaru
  name: Pemerintah Kota Baru
  app_name: Naskah Kota Baru
  city: Kota Baru
  region: Kota Baru Raya
  time_zone: Asia/Makassar
  colours: {primary: "#224466", accent: "#ffcc00"}
  letterhead: {government: PEMERINTAH KOTA BARU, address: Jalan Balai Kota 1, phone: "(0541) 1"}
  domains: [kotabaru.localhost]
position_templates:
  agency:
    - {code: KEPALA, title: "Kepala {name}", head: true, signer: true}
    - {code: SEKRETARIS, title: "Sekretaris {name}", signer: true}
units:
  - code: WALIKOTA
    name: Wali Kota Baru
    kind: office
    positions:
      - {code: WALIKOTA, title: Wali Kota Baru, head: true, signer: true}
      - {code: WAWALI, title: Wakil Wali Kota Baru, signer: true}
      - {code: AJUDAN, title: Ajudan}
    children:
      - code: SETDA
        name: Sekretariat Daerah
        kind: secretariat
        positions:
          - {code: SEKDA, title: Sekretaris Daerah, head: true, signer: true, regional_role: sekda}
          - {code: ASISTEN, title: Asisten Administrasi Umum, signer: true}
      - code: DISKOMINFO
        name: Dinas Kominfo
        kind: agency
        letterhead: {address: "Jalan Kominfo 7, Kota Baru", website: kominfo.kotabaru.go.id}
        children:
          - code: BID-TIK
            name: Bidang TIK
            kind: division
            positions: [{code: KEPALA, title: Kepala Bidang TIK, head: true, signer: true}]
users:
  - username: kotabaru.kadis
    name: Kepala Kominfo
    nip: "197205121998031004"
    rank: Pembina Utama Muda (IV/c)
    assignments: [{position: "DISKOMINFO:KEPALA", start: 2024-01-01}]
  - username: kotabaru.staf
    name: Staf
letter_types:
  - code: surat_edaran
    name: Surat Edaran
    signer_rule: opd_head
    layout: {cc_label: Tembusan Yth., addressees_max: 8}
signing_mandates:
  - {for: "DISKOMINFO:KEPALA", signer: "DISKOMINFO:SEKRETARIS", types: [surat_dinas, undangan]}
  - {for: "WALIKOTA:WALIKOTA", signer: "SETDA:SEKDA"}
  - {for: "WALIKOTA:WALIKOTA", signer: "SETDA:ASISTEN", via: "SETDA:SEKDA", types: [surat_dinas]}
"""

ASISTEN = '  - {for: "WALIKOTA:WALIKOTA", signer: "SETDA:ASISTEN", via: "SETDA:SEKDA", types: [surat_dinas]}\n'


def write(tmp_path: Path, text: str, name: str = "tenant.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def position(ref: str, tenant: str = "kotabaru") -> Position:
    unit, code = ref.split(":")
    return Position.objects.get(tenant__slug=tenant, unit__code=unit, code=code)


def mandates(tenant: str = "kotabaru") -> set[tuple]:
    return {
        (
            f"{m.grantor.unit.code}:{m.grantor.code}",
            f"{m.holder.unit.code}:{m.holder.code}",
            f"{m.via.unit.code}:{m.via.code}" if m.via else None,
            tuple(m.letter_type_codes),
            m.is_active,
        )
        for m in SigningMandate.objects.filter(tenant__slug=tenant).select_related(
            "grantor__unit", "holder__unit", "via__unit"
        )
    }


@pytest.mark.django_db
def test_every_new_field_is_stored(tmp_path):
    # GIVEN a file with a region, a unit letterhead, regional roles, a rank, a layout and mandates
    # WHEN it is loaded
    call_command("load_tenant", str(write(tmp_path, GOOD)))
    # THEN each is stored where the letters read it
    tenant = Tenant.objects.get(slug="kotabaru")
    assert tenant.region == "Kota Baru Raya" and tenant.region_name == "Kota Baru Raya"
    kominfo = Unit.objects.get(tenant=tenant, code="DISKOMINFO")
    assert kominfo.letterhead == {
        "address": "Jalan Kominfo 7, Kota Baru",
        "website": "kominfo.kotabaru.go.id",
    }
    assert kominfo.letterhead_line("address") == "Jalan Kominfo 7, Kota Baru"
    assert kominfo.letterhead_line("phone") == "(0541) 1"  # the tenant's line
    assert Unit.objects.get(tenant=tenant, code="SETDA").letterhead == {}
    # the regional head's office infers kdh and wkdh; the Sekda is named; others have none
    roles = {
        ref: position(ref).regional_role
        for ref in (
            "WALIKOTA:WALIKOTA",
            "WALIKOTA:WAWALI",
            "WALIKOTA:AJUDAN",
            "SETDA:SEKDA",
            "SETDA:ASISTEN",
            "DISKOMINFO:KEPALA",
        )
    }
    assert roles == {
        "WALIKOTA:WALIKOTA": "kdh",
        "WALIKOTA:WAWALI": "wkdh",
        "WALIKOTA:AJUDAN": "",
        "SETDA:SEKDA": "sekda",
        "SETDA:ASISTEN": "",
        "DISKOMINFO:KEPALA": "",
    }
    assert User.objects.get(username="kotabaru.kadis").rank == "Pembina Utama Muda (IV/c)"
    assert User.objects.get(username="kotabaru.staf").rank == ""
    edaran = LetterType.objects.get(tenant=tenant, code="surat_edaran")
    assert edaran.layout == {"cc_label": "Tembusan Yth.", "addressees_max": 8}
    layout = layout_of(edaran)
    assert (layout.cc_label, layout.addressees_max, layout.group) == (
        "Tembusan Yth.",
        8,
        "pengaturan",  # the rest is the default of the code
    )
    assert mandates() == {
        ("DISKOMINFO:KEPALA", "DISKOMINFO:SEKRETARIS", None, ("surat_dinas", "undangan"), True),
        ("WALIKOTA:WALIKOTA", "SETDA:SEKDA", None, (), True),
        ("WALIKOTA:WALIKOTA", "SETDA:ASISTEN", "SETDA:SEKDA", ("surat_dinas",), True),
    }


@pytest.mark.django_db
def test_an_explicit_regional_role_wins_over_the_inferred_one(tmp_path):
    text = GOOD.replace(
        "{code: WAWALI, title: Wakil Wali Kota Baru, signer: true}",
        '{code: WAWALI, title: Wakil Wali Kota Baru, signer: true, regional_role: ""}',
    )
    call_command("load_tenant", str(write(tmp_path, text)))
    assert position("WALIKOTA:WAWALI").regional_role == ""


@pytest.mark.django_db
def test_a_second_load_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    call_command("load_tenant", str(path))
    first = mandates()
    capsys.readouterr()
    call_command("load_tenant", str(path))
    assert "no changes" in capsys.readouterr().out
    assert mandates() == first


@pytest.mark.django_db
def test_a_mandate_no_longer_listed_becomes_inactive_and_listed_again_returns(tmp_path, capsys):
    # GIVEN the file loaded
    call_command("load_tenant", str(write(tmp_path, GOOD)))
    capsys.readouterr()
    # WHEN the u.b. mandate is taken out of the file and the file is loaded
    call_command("load_tenant", str(write(tmp_path, GOOD.replace(ASISTEN, ""))))
    # THEN it is kept, inactive, and the load says so
    assert "1 mandates ended" in capsys.readouterr().out
    rows = {(m[1], m[4]) for m in mandates()}
    assert ("SETDA:ASISTEN", False) in rows and ("SETDA:SEKDA", True) in rows
    # WHEN it is listed again, with other types
    call_command(
        "load_tenant",
        str(write(tmp_path, GOOD.replace("types: [surat_dinas]}", "types: [undangan]}"))),
    )
    # THEN the same row is active again, with its new types
    assert "1 mandates updated" in capsys.readouterr().out
    assert (
        "WALIKOTA:WALIKOTA",
        "SETDA:ASISTEN",
        "SETDA:SEKDA",
        ("undangan",),
        True,
    ) in mandates()
    assert SigningMandate.objects.filter(tenant__slug="kotabaru").count() == 3


BROKEN = {
    "a mandate for a position that does not exist": (
        GOOD.replace('{for: "DISKOMINFO:KEPALA"', '{for: "DISKOMINFO:KADIS"'),
        (
            "signing_mandates[0] (DISKOMINFO:SEKRETARIS a.n. DISKOMINFO:KADIS) > for: "
            "position DISKOMINFO:KADIS does not exist"
        ),
    ),
    "a signer that does not exist": (
        GOOD.replace('signer: "DISKOMINFO:SEKRETARIS"', 'signer: "DISKOMINFO:SEKDIS"'),
        (
            "signing_mandates[0] (DISKOMINFO:SEKDIS a.n. DISKOMINFO:KEPALA) > signer: "
            "position DISKOMINFO:SEKDIS does not exist"
        ),
    ),
    "a via that does not exist": (
        GOOD.replace('via: "SETDA:SEKDA"', 'via: "SETDA:SEKRETARIS"'),
        (
            "signing_mandates[2] (SETDA:ASISTEN a.n. WALIKOTA:WALIKOTA) > via: "
            "position SETDA:SEKRETARIS does not exist"
        ),
    ),
    "an unknown letter type code": (
        GOOD.replace("types: [surat_dinas, undangan]", "types: [surat_dinas, surat_cinta]"),
        (
            "signing_mandates[0] (DISKOMINFO:SEKRETARIS a.n. DISKOMINFO:KEPALA) > types: "
            "unknown letter type(s) surat_cinta"
        ),
    ),
    "a via without a mandate of its own from the same post": (
        GOOD.replace('  - {for: "WALIKOTA:WALIKOTA", signer: "SETDA:SEKDA"}\n', ""),
        (
            "signing_mandates[1] (SETDA:ASISTEN a.n. WALIKOTA:WALIKOTA) > via: SETDA:SEKDA has no "
            "mandate of its own from WALIKOTA:WALIKOTA"
        ),
    ),
    "a via whose own mandate is itself u.b.": (
        GOOD + '  - {for: "WALIKOTA:WALIKOTA", signer: "DISKOMINFO:KEPALA", via: "SETDA:ASISTEN",'
        " types: [surat_dinas]}\n",
        (
            "signing_mandates[3] (DISKOMINFO:KEPALA a.n. WALIKOTA:WALIKOTA) > via: the mandate of "
            "SETDA:ASISTEN is itself u.b."
        ),
    ),
    "a mandate to a post outside the grantor's organisation": (
        GOOD + '  - {for: "SETDA:SEKDA", signer: "DISKOMINFO:KEPALA", types: [surat_dinas]}\n',
        (
            "signing_mandates[3] (DISKOMINFO:KEPALA a.n. SETDA:SEKDA) > signer: "
            "DISKOMINFO:KEPALA is not under SETDA:SEKDA in the organisation"
        ),
    ),
    "a u.b. mandate for a type its via does not have": (
        GOOD.replace(
            '{for: "WALIKOTA:WALIKOTA", signer: "SETDA:SEKDA"}',
            '{for: "WALIKOTA:WALIKOTA", signer: "SETDA:SEKDA", types: [undangan]}',
        ),
        (
            "signing_mandates[2] (SETDA:ASISTEN a.n. WALIKOTA:WALIKOTA) > types: surat_dinas not "
            "covered by the mandate of SETDA:SEKDA"
        ),
    ),
    "a grantor the type's rule does not let sign": (
        GOOD
        + '  - {for: "BID-TIK:KEPALA", signer: "DISKOMINFO:SEKRETARIS", types: [surat_edaran]}\n',
        (
            "signing_mandates[3] (DISKOMINFO:SEKRETARIS a.n. BID-TIK:KEPALA) > for: BID-TIK:KEPALA "
            "may not sign surat_edaran by the type's signer rule"
        ),
    ),
    "a grantor who may sign no type at all": (
        GOOD + '  - {for: "WALIKOTA:AJUDAN", signer: "SETDA:ASISTEN"}\n',
        (
            "signing_mandates[3] (SETDA:ASISTEN a.n. WALIKOTA:AJUDAN) > for: WALIKOTA:AJUDAN may "
            "not sign any active letter type"
        ),
    ),
    "a post that signs for itself": (
        GOOD + '  - {for: "SETDA:SEKDA", signer: "SETDA:SEKDA"}\n',
        (
            "signing_mandates[3] (SETDA:SEKDA a.n. SETDA:SEKDA): for, signer and via must be three "
            "different posts"
        ),
    ),
    "a mandate listed twice": (
        GOOD + '  - {for: "WALIKOTA:WALIKOTA", signer: "SETDA:SEKDA", types: [undangan]}\n',
        "signing_mandates[3] (SETDA:SEKDA a.n. WALIKOTA:WALIKOTA): this mandate is listed twice",
    ),
    "a position reference without its unit": (
        GOOD.replace('signer: "SETDA:SEKDA"}', 'signer: "SEKDA"}'),
        "signing_mandates[1] > signer: String should match pattern",
    ),
    "a bad layout value": (
        GOOD.replace("layout: {cc_label", "layout: {heading: scroll, cc_label"),
        (
            "letter_types[0] (surat_edaran) > layout: Value error, heading: Input should be "
            "'letter', 'memo' or 'title'"
        ),
    ),
    "an unknown layout field": (
        GOOD.replace("layout: {cc_label", "layout: {colour: red, cc_label"),
        "letter_types[0] (surat_edaran) > layout: Value error, unknown layout field(s) colour",
    ),
    "a bad layout part": (
        GOOD.replace("layout: {cc_label", "layout: {parts: [{name: body, kind: poem}], cc_label"),
        "letter_types[0] (surat_edaran) > layout: Value error, parts.0.kind: Input should be",
    ),
    "an unknown regional role": (
        GOOD.replace("regional_role: sekda", "regional_role: bupati"),
        "units[0] (WALIKOTA) > children[0] (SETDA) > positions[0] (SEKDA) > regional_role",
    ),
    "a rank too long": (
        GOOD.replace("rank: Pembina Utama Muda (IV/c)", "rank: " + "P" * 81),
        "users[0] (kotabaru.kadis) > rank",
    ),
    "an unknown letterhead line": (
        GOOD.replace("website: kominfo.kotabaru.go.id}", "fax: (0541) 2}"),
        "units[0] (WALIKOTA) > children[1] (DISKOMINFO) > letterhead > fax",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_entry_is_named_and_nothing_is_loaded(tmp_path, case):
    text, expected = BROKEN[case]
    # WHEN a file with one broken entry is loaded
    with pytest.raises(CommandError) as exc:
        call_command("load_tenant", str(write(tmp_path, text)))
    # THEN the message names the entry and field, and nothing is loaded
    assert expected in str(exc.value)
    assert "Nothing was loaded" in str(exc.value)
    assert not Tenant.objects.filter(slug="kotabaru").exists()
    assert not SigningMandate.objects.exists()


@pytest.mark.django_db
def test_demo_files_carry_ranks_letterheads_regional_roles_and_mandates():
    call_command("load_tenant", *map(str, DEMO))
    assert mandates("medan") == {
        (
            "DISKOMINFO:KEPALA",
            "KOMINFO-SEKRE:KEPALA",
            None,
            ("surat_dinas", "undangan", "nota_dinas"),
            True,
        ),
        (
            "WALIKOTA:WALIKOTA",
            "SETDA:SEKDA",
            None,
            ("surat_dinas", "undangan", "nota_dinas", "surat_tugas", "surat_pengantar"),
            True,
        ),
        ("WALIKOTA:WALIKOTA", "SETDA:ASISTEN3", "SETDA:SEKDA", ("surat_dinas", "undangan"), True),
    }
    assert (
        "DISKOMINFO:KEPALA",
        "BID-APTIKA:KEPALA",
        "DISKOMINFO:SEKRETARIS",
        ("undangan",),
        True,
    ) in (mandates("samarinda"))
    assert ("WALIKOTA:WALIKOTA", "SETDA:SEKDA", None, (), True) in mandates("tangerang")
    for slug in ("medan", "tangerang", "samarinda"):
        assert position("WALIKOTA:WALIKOTA", slug).regional_role == "kdh"
        assert position("SETDA:SEKDA", slug).regional_role == "sekda"
        kominfo = Unit.objects.get(tenant__slug=slug, code="DISKOMINFO")
        tenant = kominfo.tenant
        assert kominfo.letterhead_line("address") != tenant.letterhead_address
        assert not User.objects.filter(tenant=tenant, rank="").exists()  # every demo user
    assert position("WALIKOTA:WAWALI", "medan").regional_role == "wkdh"
    assert User.objects.get(username="medan.head").rank == "Pembina Utama Muda (IV/c)"
    assert Tenant.objects.get(slug="medan").region_name == "Kota Medan"
