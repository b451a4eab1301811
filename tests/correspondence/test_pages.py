"""The story through the pages, the counters, and constant query counts on lists."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence import services as svc
from correspondence.models import Delivery, Disposition, Letter
from tests.conftest import client_for
from workflows.selectors import audit_verify

from .helpers import PDF, delivery_to, letter_type, sent


def act(user, letter, action, **data):
    return client_for(user).post(reverse("correspondence:action", args=[letter.pk, action]), data)


def test_story_through_the_pages(world, password, django_capture_on_commit_callbacks):
    w = world
    c = client_for(w.drafter)
    form = {
        "letter_type": letter_type(w).pk,
        "subject": "Undangan rapat",
        "body": "<p>Isi</p>",
        "security": "biasa",
        "urgency": "segera",
        "signer_position": w.positions["kadis_kominfo"].pk,
        "to_units": [w.units["bappeda"].pk, w.units["dinkes"].pk, w.units["kec_baru"].pk],
        "cc_units": [w.units["dispusip"].pk],
    }
    bad = c.post(
        reverse("correspondence:compose"),
        {**form, "attachment": SimpleUploadedFile("x.pdf", b"not a pdf")},
    )
    assert bad.status_code == 200 and b"Undangan rapat" in bad.content  # nothing lost
    assert not Letter.objects.exists()
    r = c.post(
        reverse("correspondence:compose"),
        {**form, "attachment": SimpleUploadedFile("lampiran.pdf", PDF)},
    )
    letter = Letter.objects.get()
    assert r.status_code == 302 and letter.attachments.count() == 1
    act(w.drafter, letter, "submit")
    act(w.reviewer, letter, "return", note="Tambahkan dasar hukum")
    c.post(
        reverse("correspondence:edit", args=[letter.pk]),
        {**form, "version": 1, "body": "<p>Isi</p><p>Dasar hukum</p>"},
    )
    act(w.drafter, letter, "submit")
    page = client_for(w.reviewer).get(reverse("correspondence:letter", args=[letter.pk]))
    assert b"Dasar hukum" in page.content and b'data-testid="diff"' in page.content
    act(w.reviewer, letter, "approve")
    act(w.reviewer, letter, "approve")  # a double submit: refused with a message, one paraf
    act(w.reviewer2, letter, "approve")
    assert b'data-testid="c-to-sign"><strong>1<' in client_for(w.head).get("/").content
    with django_capture_on_commit_callbacks(execute=True):  # the background signature
        act(w.head, letter, "sign", mode="electronic", password=password)
    act(w.head, letter, "send")
    letter.refresh_from_db()
    assert letter.state == "sent" and letter.steps.filter(state="approved").count() == 3
    for head, unit, staff_pos in [
        (w.bappeda_head, "bappeda", "perencana"),
        (w.dinkes_head, "dinkes", "staf_dinkes"),
    ]:
        hc = client_for(head)
        assert letter.subject.encode() in hc.get(reverse("correspondence:inbox")).content
        hc.get(reverse("correspondence:letter", args=[letter.pk]))
        d = delivery_to(letter, w, unit)
        due = dt.date.today() + dt.timedelta(days=2)
        r = hc.post(
            reverse("correspondence:disposition-new", args=[d.pk]),
            {
                "to_positions": [w.positions[staff_pos].pk],
                "instructions": ["tindak_lanjuti"],
                "urgency": "biasa",
                "due_date": due.isoformat(),
            },
        )
        assert r.status_code == 302
    disp = Disposition.objects.get(to_position=w.positions["perencana"])
    sc = client_for(w.bappeda_staff)
    sc.get(reverse("correspondence:disposition-report", args=[disp.pk]))
    r = sc.post(
        reverse("correspondence:disposition-new", args=[disp.delivery_id]) + f"?parent={disp.pk}",
        {
            "parent": disp.pk,
            "to_positions": [w.positions["pengadm_bappeda"].pk],
            "instructions": ["siapkan_jawaban"],
            "urgency": "biasa",
        },
    )
    assert r.status_code == 302
    child = Disposition.objects.get(parent=disp)
    client_for(w.bappeda_clerk).post(
        reverse("correspondence:disposition-report", args=[child.pk]), {"text": "Siap"}
    )
    sc.post(reverse("correspondence:disposition-report", args=[disp.pk]), {"text": "Selesai"})
    client_for(w.bappeda_head).post(
        reverse("correspondence:delivery-finish", args=[disp.delivery_id])
    )
    assert Delivery.objects.get(pk=disp.delivery_id).state == "done"
    page = client_for(w.bappeda_head).get(reverse("correspondence:letter", args=[letter.pk]))
    assert page.content.count(b'data-testid="disposition"') == 2
    assert audit_verify() == []


def test_register_incoming_paper(world):
    c = client_for(world.clerk)
    r = c.post(
        reverse("correspondence:incoming"),
        {
            "unit": world.units["kominfo"].pk,
            "sender_name": "PT Telkom",
            "sender_number": "12/X",
            "received_date": dt.date.today().isoformat(),
            "subject": "Penawaran",
            "security": "biasa",
            "urgency": "biasa",
            "scan": SimpleUploadedFile("scan.pdf", PDF),
        },
    )
    assert r.status_code == 302
    d = Delivery.objects.get()
    assert d.agenda_number == f"1/KOMINFO/{dt.date.today().year}" and d.letter.is_incoming
    assert b"Penawaran" in client_for(world.head).get(reverse("correspondence:inbox")).content
    assert client_for(world.drafter).get(reverse("correspondence:incoming")).status_code == 404


def _many(world, n):
    for i in range(n):
        sent(world, subject=f"Surat {i}", to=("bappeda", "dinkes"))


@pytest.mark.parametrize("rows", [10, 500])
def test_lists_make_constant_queries(world, rows, django_assert_max_num_queries, settings):
    settings.NASKAH_UPLOAD_MAX_MB = settings.NASKAH_UPLOAD_MAX_MB
    if rows == 500:
        _bulk(world, rows)
    else:
        _many(world, rows)
    head = client_for(world.bappeda_head)
    sender = client_for(world.head)
    # Constant in the rows; the id lists of the permission checks are read up front (a few
    # one-row queries per page) so that the big tables are read through their indexes.
    # 22: four of them draw the menu (its entries by the policy, its figures in one query);
    # the inbox one more: the signers of the page's letters for its "Dari" line, in one query;
    # and the first page of the tenant in five minutes one more: whether an outage is going on
    # (its banner; kept in the cache after that, so the outbox below runs without it).
    with django_assert_max_num_queries(24):
        assert head.get(reverse("correspondence:inbox")).status_code == 200
    with django_assert_max_num_queries(22):
        assert sender.get(reverse("correspondence:outbox")).status_code == 200
    with django_assert_max_num_queries(12):
        assert head.get(reverse("api:inbox-list")).json()["count"] == rows
    with django_assert_max_num_queries(12):
        assert sender.get(reverse("api:outbox-list")).json()["count"] == rows


def _bulk(world, n):
    """500 sent letters with deliveries, copied from one real one (the services are tested
    elsewhere; here only the row count matters)."""
    proto = sent(world, subject="Surat 0", to=("bappeda",))
    deliveries = list(Delivery.objects.filter(letter=proto))
    letters = []
    for i in range(1, n):
        letters.append(
            Letter(
                **{
                    f.attname: getattr(proto, f.attname)
                    for f in Letter._meta.concrete_fields
                    if f.attname not in ("id", "number_seq", "number", "verify_token")
                },
                number_seq=i + 1,
                number=f"{i + 1}/x",
            )
        )
    made = Letter.objects.bulk_create(letters)
    rows = []
    for i, letter in enumerate(made, start=1):
        for d in deliveries:
            rows.append(
                Delivery(
                    **{
                        f.attname: getattr(d, f.attname)
                        for f in Delivery._meta.concrete_fields
                        if f.attname not in ("id", "letter_id", "agenda_seq")
                    },
                    letter_id=letter.pk,
                    agenda_seq=1000 + i,
                )
            )
    Delivery.objects.bulk_create(rows)
    # the drafter is granted view on every letter only through the prototype; fine for lists
    svc.letter_types_ensure_defaults(world.tenant)
