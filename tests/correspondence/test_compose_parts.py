"""A letter's structured parts and its a.n. post, typed in the compose form and sent through
the API: saved in their stored form, shown back for editing, refused when wrong."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from correspondence import services as svc
from correspondence.forms import LetterForm
from correspondence.models import Letter, SigningMandate
from tests.conftest import client_for

from .helpers import letter_type

DASAR = "Peraturan Wali Kota Medan Nomor 5 Tahun 2024\n\nDPA Dinas Kominfo"
KEPADA = (
    "Rina Siregar, S.T. | 199001012015032001 | Penata (III/c) | Pranata Komputer\n"
    "Fajar Nasution, S.Kom. | 198805052010011002\n"
)
UNTUK = "Mengikuti bimbingan teknis SPBE\nMelaporkan hasilnya"

STORED = {
    "dasar": ["Peraturan Wali Kota Medan Nomor 5 Tahun 2024", "DPA Dinas Kominfo"],
    "kepada": [
        {
            "name": "Rina Siregar, S.T.",
            "nip": "199001012015032001",
            "rank": "Penata (III/c)",
            "position": "Pranata Komputer",
        },
        {"name": "Fajar Nasution, S.Kom.", "nip": "198805052010011002", "rank": "", "position": ""},
    ],
    "untuk": ["Mengikuti bimbingan teknis SPBE", "Melaporkan hasilnya"],
}


def task_form(world, **extra) -> dict:
    return {
        "letter_type": letter_type(world, "surat_tugas").pk,
        "subject": "Bimbingan teknis SPBE",
        "security": "biasa",
        "urgency": "biasa",
        "signer_position": world.positions["kadis_kominfo"].pk,
        "to_units": [world.units["bappeda"].pk],
        "part_dasar": DASAR,
        "part_kepada": KEPADA,
        "part_untuk": UNTUK,
        **extra,
    }


@pytest.fixture
def mandate(world):
    """The head of Kominfo signs a.n. the Wali Kota (no service makes mandates yet: the
    tenant file will)."""
    return SigningMandate.objects.create(
        tenant=world.tenant,
        grantor=world.positions["walikota"],
        holder=world.positions["kadis_kominfo"],
    )


# --- the compose form ---


def test_surat_tugas_parts_through_the_form_and_back(world):
    # GIVEN the compose form of a surat tugas, with a part of another type filled in too
    c = client_for(world.drafter)
    form = task_form(world, part_menimbang="bahwa ini bukan bagian surat tugas")
    # WHEN it is saved
    r = c.post(reverse("correspondence:compose"), form)
    # THEN the parts are stored as lists and rows, and only the type's own
    assert r.status_code == 302, r.content.decode()[:2000]
    letter = Letter.objects.get()
    assert letter.parts == STORED
    # AND the edit page shows them back as typed lines
    page = c.get(reverse("correspondence:edit", args=[letter.pk]))
    initial = LetterForm.initial_for(letter)
    assert initial["part_dasar"] == "\n".join(STORED["dasar"])
    assert initial["part_kepada"].splitlines()[1] == "Fajar Nasution, S.Kom. | 198805052010011002"
    assert "Penata (III/c) | Pranata Komputer" in page.content.decode()
    # AND saving the edit page as it is shown changes nothing but the version
    unchanged = {**form, **{k: v for k, v in initial.items() if k.startswith("part_")}}
    r = c.post(reverse("correspondence:edit", args=[letter.pk]), {**unchanged, "version": 1})
    assert r.status_code == 302
    letter.refresh_from_db()
    assert letter.parts == STORED and letter.version == 2
    # AND an edited line is saved, an emptied part dropped
    r = c.post(
        reverse("correspondence:edit", args=[letter.pk]),
        {**unchanged, "version": 2, "part_untuk": "Hadir tepat waktu", "part_dasar": ""},
    )
    letter.refresh_from_db()
    assert letter.parts["untuk"] == ["Hadir tepat waktu"] and "dasar" not in letter.parts


def test_part_fields_show_only_for_their_types(world):
    page = client_for(world.drafter).get(reverse("correspondence:compose")).content.decode()
    # each type option names its code; each part's wrapper lists the types having it
    assert f'value="{letter_type(world, "surat_tugas").pk}" data-code="surat_tugas"' in page
    form = LetterForm(user=world.drafter)
    rows = {field.name: types for field, types in form.rows()}
    assert "surat_tugas" in rows["part_dasar"].split() and "surat_perintah" in rows["part_dasar"]
    assert "surat_dinas" not in rows["part_dasar"].split()
    assert "undangan" in rows["event_start"].split() and "surat_tugas" not in rows["event_start"]
    assert "surat_tugas" not in rows["body"].split() and "surat_dinas" in rows["body"].split()
    assert rows["subject"] is None
    assert f'data-letter-types="{rows["part_kepada"]}"' in page
    # kepada is people in a surat tugas and a list in an instruksi: both formats are explained
    help_text = str(form.fields["part_kepada"].help_text)
    assert "|" in help_text and "Instruksi" in help_text
    # the part fields come after the body
    names = list(form.fields)
    assert names.index("body") < names.index("part_dasar") < names.index("security")


def test_on_behalf_of_through_the_form(world, mandate):
    c = client_for(world.drafter)
    walikota = world.positions["walikota"]
    r = c.post(reverse("correspondence:compose"), task_form(world, on_behalf_of=walikota.pk))
    assert r.status_code == 302
    letter = Letter.objects.get()
    assert letter.on_behalf_of == walikota
    assert LetterForm.initial_for(letter)["on_behalf_of"] == walikota.pk


def test_on_behalf_of_without_a_mandate_is_a_form_error(world):
    # the service refuses a signer who holds no mandate of the post: shown, nothing saved
    walikota = world.positions["walikota"]
    r = client_for(world.drafter).post(
        reverse("correspondence:compose"), task_form(world, on_behalf_of=walikota.pk)
    )
    assert r.status_code == 200
    assert "signer_position" in r.context["form"].errors
    assert not Letter.objects.exists()


def test_on_behalf_of_of_another_government_is_a_form_error(world):
    c = client_for(world.drafter)
    foreign = world.positions["t_kadis"]
    r = c.post(reverse("correspondence:compose"), task_form(world, on_behalf_of=foreign.pk))
    assert r.status_code == 200
    assert "on_behalf_of" in r.context["form"].errors
    assert not Letter.objects.exists()


def test_a_service_refusal_of_the_parts_shows_on_the_form(world, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"parts": "Dasar: harus berupa daftar."})

    monkeypatch.setattr(svc, "letter_create", refuse)
    r = client_for(world.drafter).post(reverse("correspondence:compose"), task_form(world))
    assert r.status_code == 200
    assert "Dasar: harus berupa daftar." in r.context["form"].non_field_errors()
    assert not Letter.objects.exists()


# --- the API ---


def api_create(user, **body):
    return client_for(user).post(reverse("api:letter-list"), body, content_type="application/json")


def task_body(world, **extra) -> dict:
    return {
        "letter_type": "surat_tugas",
        "subject": "Bimbingan teknis SPBE",
        "signer_position": world.positions["kadis_kominfo"].pk,
        "recipients": [{"kind": "to", "unit": world.units["bappeda"].pk}],
        "parts": STORED,
        **extra,
    }


def test_parts_and_on_behalf_of_through_the_api(world, mandate):
    walikota = world.positions["walikota"]
    r = api_create(world.drafter, **task_body(world, on_behalf_of=walikota.pk))
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["parts"] == STORED and body["on_behalf_of"] == walikota.pk
    url = reverse("api:letter-detail", args=[body["id"]])
    c = client_for(world.drafter)
    patch = c.patch(
        url,
        {"version": 1, "parts": {**STORED, "untuk": ["Hadir tepat waktu"]}, "on_behalf_of": None},
        content_type="application/json",
    )
    assert patch.status_code == 200, patch.json()
    assert patch.json()["parts"]["untuk"] == ["Hadir tepat waktu"]
    assert patch.json()["on_behalf_of"] is None
    # a patch without parts keeps them
    keep = c.patch(url, {"version": 2, "subject": "Bimtek SPBE"}, content_type="application/json")
    assert keep.json()["parts"]["dasar"] == STORED["dasar"]
    assert c.get(url).json()["parts"] == {**STORED, "untuk": ["Hadir tepat waktu"]}


@pytest.mark.parametrize(
    "parts",
    [
        {**STORED, "menimbang": ["bukan bagian surat tugas"]},  # a part the type has not
        {**STORED, "dasar": "Peraturan Wali Kota"},  # items that are not a list
        {**STORED, "kepada": [{"name": "Rina", "golongan": "III/c"}]},  # an unknown field
        {**STORED, "untuk": ["a\x00b"]},  # what the database cannot store
        ["dasar"],  # not an object
    ],
    ids=["unknown-part", "items-not-a-list", "unknown-person-field", "nul", "not-an-object"],
)
def test_invalid_parts_are_a_400_and_save_nothing(world, parts):
    r = api_create(world.drafter, **task_body(world, parts=parts))
    assert r.status_code == 400, r.json()
    assert "parts" in r.json()["fields"]
    assert not Letter.objects.exists()


def test_invalid_parts_in_a_patch_change_nothing(world):
    letter_id = api_create(world.drafter, **task_body(world)).json()["id"]
    r = client_for(world.drafter).patch(
        reverse("api:letter-detail", args=[letter_id]),
        {"version": 1, "parts": {"dasar": "bukan daftar"}},
        content_type="application/json",
    )
    assert r.status_code == 400 and "parts" in r.json()["fields"]
    letter = Letter.objects.get(pk=letter_id)
    assert letter.parts == STORED and letter.version == 1


def test_on_behalf_of_of_another_government_is_a_400(world):
    foreign = world.positions["t_kadis"]
    r = api_create(world.drafter, **task_body(world, on_behalf_of=foreign.pk))
    assert r.status_code == 400 and "on_behalf_of" in r.json()["fields"]
    assert not Letter.objects.exists()
