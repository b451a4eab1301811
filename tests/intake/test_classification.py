"""Classification codes suggested for an incoming letter's subject: the tenant's own."""

import pytest

from correspondence.models import AddressBookEntry
from intake.fields import classification_top, letter_fields
from tests.archive.helpers import archive_setup, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(world):
    """GIVEN Medan's file plan with records filed under 800.1 (staff) and 900.1 (budget)."""
    archive_setup(world)
    for title in [
        "Usulan kenaikan pangkat pegawai",
        "Kenaikan pangkat reguler pegawai",
        "Usulan mutasi pegawai",
    ]:
        record(world, title=title, classification="800.1")
    for title in ["Laporan realisasi anggaran belanja", "Usulan perubahan anggaran"]:
        record(world, title=title, classification="900.1")
    return world


def test_top_codes_are_ranked_with_title_and_score(filed):
    top = classification_top(filed.tenant, "Usulan Kenaikan Pangkat Pegawai Negeri Sipil")
    assert [c["code"] for c in top][:2] == ["800.1", "900.1"]
    assert top[0]["score"] == 1.0 and top[1]["score"] < 1.0
    assert top[0]["title"]
    assert classification_top(filed.tenant, "Laporan Realisasi Anggaran")[0]["code"] == "900.1"


def test_limit_other_tenant_and_empty_subject(filed):
    assert len(classification_top(filed.tenant, "usulan pegawai anggaran", limit=1)) == 1
    assert classification_top(filed.other_tenant, "kenaikan pangkat") == []
    assert classification_top(filed.tenant, "  ") == []
    assert classification_top(None, "kenaikan pangkat") == []


KOP = "PEMERINTAH KOTA {city}\n{agency}\nJalan Balai Kota No. 1, {city}\n\nNomor : 005/1/X/2026\n"


def test_sender_matches_a_unit_of_the_government_the_kop_names(world):
    text = KOP.format(city="MEDAN", agency="DINAS KESEHATAN")
    sender = letter_fields(text, tenant=world.other_tenant)["sender"]
    assert sender["value"] == "Dinas Kesehatan"
    assert sender["match"] == {"kind": "unit", "id": world.units["dinkes"].pk}
    assert sender["confidence"] >= 0.9


def test_same_agency_name_of_another_city_is_not_matched(world):
    text = KOP.format(city="SURABAYA", agency="DINAS KESEHATAN")
    sender = letter_fields(text, tenant=world.tenant)["sender"]
    assert sender["value"] == "Dinas Kesehatan"
    assert "match" not in sender and sender["confidence"] < 0.9


def test_sender_matches_the_address_book_despite_ocr_noise(world):
    entry = AddressBookEntry.objects.create(
        tenant=world.tenant,
        name="Kepala Dinas Komunikasi dan Informatika",
        organization="Dinas Komunikasi dan Informatika Kota Bandung",
    )
    text = KOP.format(city="BANDUNG", agency="DINAS KOMUNIKASl DAN INFORMAT1KA")
    sender = letter_fields(text, tenant=world.tenant)["sender"]
    assert sender["match"] == {"kind": "address", "id": entry.pk}
    assert sender["value"] == "Dinas Komunikasi dan Informatika Kota Bandung"
