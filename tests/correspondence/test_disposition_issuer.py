"""Who issues a disposition of a delivery: one policy answer for the page and the service. A
unit without an active head gives a clear error, never a 500."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence import permissions as policy
from correspondence import services as svc
from tests.conftest import client_for

from .helpers import PDF, delivery_to, sent


def _headless_kominfo(world):
    """GIVEN a letter registered into Kominfo's inbox, and then the head's post closed: the
    unit has no active head, and its TU may still prepare dispositions."""
    delivery = svc.incoming_register(
        unit=world.units["kominfo"],
        by=world.clerk,
        sender_name="PT Pos Indonesia",
        subject="Surat masuk",
        received_date=svc.tenant_today(world.tenant) - dt.timedelta(days=1),
        scan=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
    )
    post = world.positions["kadis_kominfo"]
    post.is_active = False
    post.save()
    return delivery.letter, delivery


def test_the_issuer_is_the_addressed_post_or_the_units_active_head(world):
    delivery = delivery_to(sent(world), world, "bappeda")
    assert policy.disposition_issuer(delivery) == world.positions["kaban_bappeda"]


def test_a_unit_without_a_head_refuses_the_disposition_with_a_clear_error(world):
    _, delivery = _headless_kominfo(world)
    assert policy.can_prepare_disposition(world.secretary, delivery)
    with pytest.raises(ValidationError) as caught:
        svc.disposition_create(
            delivery=delivery,
            by=world.secretary,
            to_positions=[world.positions["pengadm_kominfo"]],
            instructions=["tindak_lanjuti"],
            prepare=True,
        )
    assert "to_positions" in caught.value.message_dict


def test_the_page_of_a_unit_without_a_head_answers_with_a_message(world):
    letter, delivery = _headless_kominfo(world)
    url = reverse("correspondence:disposition-new", args=[delivery.pk])
    c = client_for(world.secretary)
    for response in (
        c.get(url),
        c.post(url, {"to_positions": [world.positions["pengadm_kominfo"].pk]}),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("correspondence:letter", args=[letter.pk])
    assert not delivery.dispositions.exists()
