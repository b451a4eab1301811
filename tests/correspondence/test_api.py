"""The whole story through the API, and what bad requests get."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence.models import Delivery, Letter
from tests.conftest import client_for
from workflows.selectors import audit_verify

from .helpers import PDF, draft, signed


def api(user):
    return client_for(user)


def post(user, name, *args, **body):
    return api(user).post(reverse(name, args=args), body, content_type="application/json")


def test_story_through_the_api(world, password, django_capture_on_commit_callbacks):
    w = world
    r = post(
        w.drafter,
        "api:letter-list",
        letter_type="surat_dinas",
        subject="Rapat koordinasi SPBE",
        body="<p>Isi</p>",
        signer_position=w.positions["kadis_kominfo"].pk,
        recipients=[
            {"kind": "to", "unit": w.units["bappeda"].pk},
            {"kind": "to", "unit": w.units["dinkes"].pk},
            {"kind": "to", "unit": w.units["t_bappeda"].pk},  # another tenant on the platform
            {"kind": "cc", "unit": w.units["dispusip"].pk},
        ],
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    up = api(w.drafter).post(
        reverse("api:letter-attachments", args=[pk]),
        {"file": SimpleUploadedFile("lampiran.pdf", PDF)},
    )
    assert up.status_code == 201 and len(up.json()["sha256"]) == 64
    assert post(w.drafter, "api:letter-submit", pk).status_code == 200
    assert post(w.reviewer, "api:letter-return", pk, note="Perbaiki").json()["state"] == "draft"
    patch = api(w.drafter).patch(
        reverse("api:letter-detail", args=[pk]),
        {"version": 1, "subject": "Rapat koordinasi SPBE 2026"},
        content_type="application/json",
    )
    assert patch.status_code == 200 and patch.json()["version"] == 2
    stale = api(w.drafter).patch(
        reverse("api:letter-detail", args=[pk]),
        {"version": 1, "subject": "x"},
        content_type="application/json",
    )
    assert stale.status_code == 409  # edited meanwhile (not a draft any more, or stale)
    assert post(w.drafter, "api:letter-submit", pk).status_code == 200
    assert post(w.reviewer, "api:letter-approve", pk).status_code == 200
    # the same paraf twice: the second is refused, nothing changes
    assert post(w.reviewer, "api:letter-approve", pk).status_code in (403, 409)
    assert post(w.reviewer2, "api:letter-approve", pk).json()["state"] == "approved"
    signed = post(w.head, "api:letter-sign", pk, passphrase=password)
    assert signed.json()["state"] == "signed"
    assert api(w.head).get(reverse("api:letter-detail", args=[pk])).json()["number"]
    sent = post(w.head, "api:letter-send", pk)
    assert sent.json()["state"] == "sent"
    assert post(w.head, "api:letter-send", pk).status_code == 409  # double submit
    # each head reads and dispositions two levels down; reports come back; deliveries done
    inbox = api(w.bappeda_head).get(reverse("api:inbox-list"), {"personal": "0"}).json()
    delivery = next(d for d in inbox["results"] if d["letter"]["id"] == pk)
    api(w.bappeda_head).get(reverse("api:letter-detail", args=[pk]))
    d1 = post(
        w.bappeda_head,
        "api:delivery-dispositions",
        delivery["id"],
        to_positions=[w.positions["perencana"].pk],
        instructions=["pelajari"],
        due_date=str(dt.date.today() + dt.timedelta(days=3)),
    )
    assert d1.status_code == 201, d1.json()
    first = d1.json()[0]["id"]
    analis = w.positions["pengadm_bappeda"].pk
    d2 = post(
        w.bappeda_staff,
        "api:delivery-dispositions",
        delivery["id"],
        to_positions=[analis],
        instructions=["siapkan_jawaban"],
        parent=first,
    )
    assert d2.status_code == 201
    second = d2.json()[0]["id"]
    assert post(w.bappeda_clerk, "api:disposition-report", second, text="Draf jawaban siap")
    assert post(w.bappeda_staff, "api:disposition-report", first, text="Selesai").status_code == 200
    assert post(w.bappeda_head, "api:delivery-finish", delivery["id"]).json()["state"] == "done"
    foreign = Delivery.objects.get(letter_id=pk, unit=w.units["t_bappeda"])
    assert foreign.tenant == w.other_tenant
    f_inbox = api(w.foreign_bappeda).get(reverse("api:inbox-list")).json()["results"]
    assert [d["id"] for d in f_inbox] == [foreign.pk]
    outbox = api(w.head).get(reverse("api:outbox-list")).json()["results"]
    assert (outbox[0]["n_deliveries"], outbox[0]["n_done"]) == (4, 1)
    assert audit_verify() == []


def test_missing_forbidden_and_foreign_are_404(world):
    letter = draft(world)
    for user in (world.outsider, world.foreigner, world.tenant_admin):
        r = api(user).get(reverse("api:letter-detail", args=[letter.pk]))
        assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert api(world.drafter).get(reverse("api:letter-detail", args=[99999])).status_code == 404


def test_wrong_state_is_409_wrong_user_403(world):
    letter = draft(world)
    assert post(world.drafter, "api:letter-sign", letter.pk).status_code == 409
    letter = signed(world, subject="x")
    r = post(world.drafter, "api:letter-retract", letter.pk, reason="x")
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    post(world.head, "api:letter-send", letter.pk)
    assert post(world.drafter, "api:letter-retract", letter.pk, reason="x").status_code == 403
    assert Letter.objects.get(pk=letter.pk).state == "sent"


@pytest.mark.parametrize(
    ("name", "content"),
    [("virus.exe", b"MZ"), ("fake.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64), ("empty.pdf", b"")],
)
def test_bad_attachment_refused_draft_intact(world, name, content):
    letter = draft(world)
    r = api(world.drafter).post(
        reverse("api:letter-attachments", args=[letter.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid"
    letter.refresh_from_db()
    assert letter.attachments.count() == 0 and letter.subject == "Permohonan data aplikasi"


def test_bad_recipients_refused(world):
    r = post(
        world.drafter,
        "api:letter-list",
        letter_type="nota_dinas",
        subject="x",
        recipients=[{"kind": "to", "unit": world.units["t_bappeda"].pk}],
    )
    assert r.status_code == 400 and "recipients" in r.json()["fields"]
    r = post(
        world.drafter,
        "api:letter-list",
        letter_type="surat_dinas",
        subject="x",
        recipients=[{"kind": "to", "unit": 999999}],
    )
    assert r.status_code == 400
    assert not Letter.objects.exists()


def test_schema_is_served(world):
    r = client_for(world.drafter).get(reverse("api-schema"))
    assert r.status_code == 200 and b"/api/v1/letters/{id}/sign/" in r.content
