"""The recipient picker: its search (grouped, tenant-scoped), the signer limit, the JSON
endpoint's answers to bad input, and saved groups (personal or tenant-wide, who keeps them)."""

from pathlib import Path

import pytest
from django.urls import reverse

from correspondence.forms import LetterForm
from correspondence.models import RecipientGroup
from correspondence.picker import (
    LIMIT,
    group_member_options,
    picker_search,
    signer_choices_for,
)
from correspondence.tenantfile import RecipientGroupEntry, _load_groups
from organizations.choices import UnitKind
from tests.conftest import client_for
from tests.factories import PositionFactory, UnitFactory

from .helpers import letter_type

pytestmark = pytest.mark.django_db
URL = reverse("correspondence:picker")
SAVE = reverse("correspondence:recipient-group-create")


def _values(result) -> set[str]:
    return {o.value for o in result.options}


def _pk(world, key: str) -> str:
    return str(world.positions[key].pk)


def _camat_group(world) -> RecipientGroup:
    entry = RecipientGroupEntry(code="seluruh-camat", name="Seluruh Camat", unit_kinds=["district"])
    _load_groups(world.tenant, [entry], Path("."))
    return RecipientGroup.objects.get(tenant=world.tenant, code="seluruh-camat")


# --- the selector -------------------------------------------------------------------------
def test_posts_are_grouped_opd_then_bidang_with_their_holder(world):
    # WHEN the drafter types part of a holder's name
    found = picker_search(world.drafter, role="position", q="fajar")
    # THEN the post comes grouped under its OPD › bidang › seksi, with the holder's name
    [option] = found.options
    assert option.value == _pk(world, "kasi_aptika")
    assert option.group == (
        "Dinas Komunikasi dan Informatika › Bidang Teknologi Informasi dan Komunikasi › "
        "Seksi Aplikasi Informatika"
    )
    assert option.holder == "Fajar Nasution, S.Kom."


def test_units_match_every_word_and_are_grouped_under_their_parent(world):
    found = picker_search(world.drafter, role="unit", q="seksi aplikasi")
    assert [(o.value, o.group) for o in found.options] == [
        (
            str(world.units["seksi_aptika"].pk),
            "Dinas Komunikasi dan Informatika › Bidang Teknologi Informasi dan Komunikasi",
        )
    ]
    # an OPD under the region's head is grouped under the government itself
    [opd] = picker_search(world.drafter, role="unit", q="kesehatan").options
    assert opd.group == world.tenant.name


def test_another_government_offers_only_its_top_units_and_no_posts(world):
    # GIVEN a unit deep inside Tangerang and an inactive Samarinda
    bidang = UnitFactory(
        tenant=world.other_tenant,
        code="T-BIDANG",
        name="Bidang Diskominfo Kota Tangerang",
        kind=UnitKind.DIVISION,
        parent=world.units["t_kominfo"],
    )
    deep = UnitFactory(
        tenant=world.other_tenant,
        code="T-SEKSI",
        name="Seksi Diskominfo Kota Tangerang",
        kind=UnitKind.SECTION,
        parent=bidang,
    )
    world.wita_tenant.is_active = False
    world.wita_tenant.save()
    # WHEN a Medan drafter searches for "Diskominfo"
    units = picker_search(world.drafter, role="unit", q="Diskominfo")
    posts = picker_search(world.drafter, role="position", q="Diskominfo")
    # THEN Tangerang's top units are offered (letters go between governments), under its
    # name; its inner unit, its posts and the inactive government's units never are
    assert _values(units) == {str(world.units["t_kominfo"].pk), str(bidang.pk)}
    assert {o.group for o in units.options} == {world.other_tenant.name}
    assert str(deep.pk) not in _values(units)
    assert posts.options == []


def test_search_stops_at_the_limit_and_says_there_is_more(world):
    unit = world.units["dinkes"]
    for i in range(LIMIT + 3):
        PositionFactory(unit=unit, code=f"STAF{i}", title=f"Staf Pelaksana {i}")
    found = picker_search(world.drafter, role="position", q="staf pelaksana")
    assert len(found.options) == LIMIT
    assert found.more


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("surat_edaran", {"walikota", "kadis_kominfo"}),
        ("surat_dinas", {"walikota", "kadis_kominfo", "kabid_tik", "kasi_aptika"}),
        (
            "telaahan_staf",
            {"walikota", "kadis_kominfo", "sekdis_kominfo", "kabid_tik", "kasi_aptika"},
        ),
    ],
)
def test_signers_are_the_types_rule_on_the_drafters_line(world, code, expected):
    # WHEN the drafter (Seksi Aptika) asks who may sign a type
    posts = signer_choices_for(world.drafter, letter_type=letter_type(world, code))
    # THEN only the posts the type's rule accepts, from their own unit up to the region's
    # head: never another OPD's head (Bappeda, Sekda)
    assert {p.pk for p in posts} == {world.positions[k].pk for k in expected}


def test_a_mandate_holder_from_the_line_is_a_signer(world):
    from correspondence.models import SigningMandate

    SigningMandate.objects.create(
        tenant=world.tenant,
        grantor=world.positions["walikota"],
        holder=world.positions["sekda"],
        letter_type_codes=["surat_dinas"],
    )
    dinas = signer_choices_for(world.drafter, letter_type=letter_type(world, "surat_dinas"))
    edaran = signer_choices_for(world.drafter, letter_type=letter_type(world, "surat_edaran"))
    assert world.positions["sekda"] in dinas
    assert world.positions["sekda"] not in edaran


def test_the_form_offers_and_accepts_only_the_drafters_signers(world):
    form = LetterForm(user=world.drafter)
    offered = set(form.fields["signer_position"].queryset)
    assert world.positions["kadis_kominfo"] in offered
    assert world.positions["kaban_bappeda"] not in offered
    posted = LetterForm(
        {"signer_position": world.positions["kaban_bappeda"].pk}, user=world.drafter
    )
    posted.is_valid()
    assert "signer_position" in posted.errors


# --- the endpoint -------------------------------------------------------------------------
def test_the_endpoint_needs_a_login(world):
    client = client_for(None, tenant=world.tenant)
    response = client.get(URL, {"role": "unit", "q": "dinas"})
    assert response.status_code == 302


def test_the_endpoint_answers_grouped_json(world):
    client = client_for(world.drafter)
    response = client.get(URL, {"role": "position", "q": "kepala seksi"})
    assert response.status_code == 200
    data = response.json()
    assert [r["value"] for r in data["results"]] == [_pk(world, "kasi_aptika")]
    assert data["optgroups"] == [
        {"value": r["group"], "label": r["group"]} for r in data["results"]
    ]


def test_the_signer_endpoint_follows_the_type(world):
    client = client_for(world.drafter)
    edaran = letter_type(world, "surat_edaran")
    data = client.get(URL, {"role": "signer", "q": "", "type": edaran.pk}).json()
    assert {r["value"] for r in data["results"]} == {
        _pk(world, "walikota"),
        _pk(world, "kadis_kominfo"),
    }
    # another government's type answers like one that does not exist: nothing
    foreign = letter_type(world, "surat_edaran", tenant=world.other_tenant)
    for type_id in (foreign.pk, 999_999_999):
        answer = client.get(URL, {"role": "signer", "type": type_id})
        assert answer.status_code == 200
        assert answer.json()["results"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"role": "unit", "q": "x" * 61},
        {"role": "unit", "q": "dinas\x00"},
        {"role": "unit", "q": "dinas\n"},
        {"role": "", "q": "dinas"},
        {"role": "letters", "q": "dinas"},
        {"role": "signer", "q": "", "type": "abc"},
        {"role": "signer", "q": "", "type": "-1"},
    ],
)
def test_bad_input_is_a_clear_400(world, params):
    response = client_for(world.drafter).get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("q", ["%", "a_b", "'; --", "<script>", "\u00e9\u00e8", "   "])
def test_odd_characters_match_literally(world, q):
    response = client_for(world.drafter).get(URL, {"role": "unit", "q": q})
    assert response.status_code == 200
    assert [r for r in response.json()["results"] if not r["value"].startswith("g:")] == []


def test_an_empty_query_offers_the_saved_groups_only(world):
    group = _camat_group(world)
    client = client_for(world.drafter)
    data = client.get(URL, {"role": "unit", "q": ""}).json()
    assert [r["value"] for r in data["results"]] == [f"g:{group.pk}"]
    # picked, the group is asked for its members
    members = client.get(URL, {"role": "unit", "group": group.pk}).json()
    assert [r["value"] for r in members["results"]] == [str(world.units["kec_baru"].pk)]


def test_another_users_or_governments_group_has_no_members(world):
    group = _camat_group(world)
    mine = client_for(world.drafter).post(
        SAVE, {"name": "Saya", "units": [world.units["dinkes"].pk]}
    )
    personal = mine.json()["value"][2:]
    for user, group_id in [
        (world.foreigner, group.pk),
        (world.colleague, personal),
        (world.drafter, 999_999_999),
    ]:
        answer = client_for(user).get(URL, {"role": "unit", "group": group_id})
        assert answer.status_code == 200
        assert answer.json()["results"] == []
    assert client_for(world.drafter).get(URL, {"role": "unit", "group": "x"}).status_code == 400


def test_the_answer_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = client_for(world.drafter)
    client.get(URL, {"role": "position", "q": "a"})  # warm the session and tenant caches
    with django_assert_max_num_queries(12):
        client.get(URL, {"role": "position", "q": "a"})


# --- saved groups -------------------------------------------------------------------------
def test_a_tenant_group_by_rule_gives_units_or_their_head_posts(world):
    # GIVEN the tenant file's "Seluruh Camat" (every district) and a new kecamatan
    _camat_group(world)
    new = UnitFactory(
        tenant=world.tenant,
        code="KEC-AMPLAS",
        name="Kecamatan Medan Amplas",
        kind=UnitKind.DISTRICT,
        parent=world.units["walikota"],
    )
    camat = PositionFactory(unit=new, code="CAMAT", title="Camat Medan Amplas", is_head=True)
    group = RecipientGroup.objects.get(code="seluruh-camat")
    # WHEN the drafter picks it in a unit field and in the posts field
    units = group_member_options(world.drafter, group.pk, "unit")
    posts = group_member_options(world.drafter, group.pk, "position")
    # THEN the units are every kecamatan, the posts their camat (the new one joined by itself)
    assert {o.value for o in units} == {str(world.units["kec_baru"].pk), str(new.pk)}
    assert {o.value for o in posts} == {_pk(world, "camat"), str(camat.pk)}


def test_a_personal_group_is_its_owners_alone(world):
    client = client_for(world.drafter)
    members = {"units": [world.units["bappeda"].pk, world.units["dinkes"].pk]}
    response = client.post(SAVE, {"name": "Mitra rapat", **members})
    assert response.status_code == 201
    value = response.json()["value"]
    group = RecipientGroup.objects.get(pk=value[2:])
    assert group.owner == world.drafter
    # the owner is offered it; a colleague and another government are not
    assert value in _values(picker_search(world.drafter, role="unit", q="mitra"))
    assert value not in _values(picker_search(world.colleague, role="unit", q="mitra"))
    delete = reverse("correspondence:recipient-group-delete", args=[group.pk])
    # another's personal group is a 404, like a missing one, and stays
    assert client_for(world.colleague).post(delete).status_code == 404
    assert client_for(world.foreign_admin).post(delete).status_code == 404
    assert client_for(world.tenant_admin).post(delete).status_code == 404
    missing = reverse("correspondence:recipient-group-delete", args=[999_999_999])
    assert client.post(missing).status_code == 404
    assert RecipientGroup.objects.filter(pk=group.pk).exists()
    # the owner deletes it
    assert client.post(delete).status_code == 200
    assert not RecipientGroup.objects.filter(pk=group.pk).exists()


def test_saving_again_under_a_name_replaces_the_members(world):
    client = client_for(world.drafter)
    client.post(SAVE, {"name": "Mitra", "units": [world.units["bappeda"].pk]})
    client.post(SAVE, {"name": " Mitra ", "positions": [world.positions["camat"].pk]})
    group = RecipientGroup.objects.get(owner=world.drafter)
    assert list(group.units.all()) == []
    assert list(group.positions.all()) == [world.positions["camat"]]


def test_tenant_wide_groups_are_kept_by_the_tenant_administrator(world):
    members = {"name": "Perencana", "units": [world.units["bappeda"].pk], "tenant_wide": "1"}
    # a drafter may not make one
    assert client_for(world.drafter).post(SAVE, members).status_code == 403
    # the tenant administrator may, and everyone of the tenant is offered it
    response = client_for(world.tenant_admin).post(SAVE, members)
    assert response.status_code == 201
    group = RecipientGroup.objects.get(pk=response.json()["value"][2:])
    assert group.owner is None
    assert response.json()["value"] in _values(
        picker_search(world.colleague, role="unit", q="perencana")
    )
    foreign = picker_search(world.foreigner, role="unit", q="perencana")
    assert not [o for o in foreign.options if o.value.startswith("g:")]
    # a member may not delete it; the administrator may
    delete = reverse("correspondence:recipient-group-delete", args=[group.pk])
    assert client_for(world.drafter).post(delete).status_code == 403
    assert client_for(world.tenant_admin).post(delete).status_code == 200


@pytest.mark.parametrize(
    "members",
    [
        {},
        {"units": ["abc"]},
        {"units": ["999999999"]},
        {"positions": ["t_kadis"]},  # replaced by the foreign post's id below
    ],
)
def test_a_group_keeps_only_what_the_form_offers(world, members):
    if members.get("positions") == ["t_kadis"]:
        members = {"positions": [world.positions["t_kadis"].pk]}
    response = client_for(world.drafter).post(SAVE, {"name": "Aneh", **members})
    assert response.status_code == 400
    assert not RecipientGroup.objects.filter(name="Aneh").exists()


def test_a_group_needs_a_name(world):
    response = client_for(world.drafter).post(
        SAVE, {"name": "  ", "units": [world.units["dinkes"].pk]}
    )
    assert response.status_code == 400


def test_the_tenant_file_names_only_units_it_has(world):
    from organizations.tenantfile import TenantFileError

    entry = RecipientGroupEntry(code="mitra", name="Mitra", units=["BAPPEDA", "NOPE"])
    with pytest.raises(TenantFileError, match="NOPE"):
        _load_groups(world.tenant, [entry], Path("."))


def test_the_medan_demo_file_has_its_city_wide_groups():
    from django.conf import settings

    from organizations.tenantfile import parse

    parsed = parse(Path(settings.BASE_DIR) / "tenants" / "medan.yaml")
    groups = {g.code: g for g in parsed.sections["recipient_groups"]}
    assert groups["seluruh-camat"].unit_kinds == [UnitKind.DISTRICT]
    assert UnitKind.AGENCY in groups["seluruh-opd"].unit_kinds
