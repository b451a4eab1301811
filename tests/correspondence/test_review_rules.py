"""Nobody reviews their own letter, and a letter skips review only where its type allows it;
recipient posts are this government's; calendar feeds are bound to their tenant's hosts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.choices import LetterState
from correspondence.models import Letter, LetterType
from tests.conftest import client_for, host_of

from .helpers import draft

pytestmark = pytest.mark.django_db


def test_a_route_of_the_drafters_own_post_is_refused(world):
    letter = draft(world)
    with pytest.raises(ValidationError) as err:
        svc.letter_submit(letter=letter, by=world.drafter, route=[world.positions["prakom_muda"]])
    assert "route" in err.value.message_dict
    assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT


def test_an_empty_route_is_refused_unless_the_type_goes_straight_to_its_signer(world):
    letter = draft(world)
    with pytest.raises(ValidationError) as err:
        svc.letter_submit(letter=letter, by=world.drafter, route=[])
    assert "route" in err.value.message_dict
    LetterType.objects.filter(pk=letter.letter_type_id).update(direct_to_signer=True)
    letter = svc.letter_submit(letter=Letter.objects.get(pk=letter.pk), by=world.drafter, route=[])
    assert letter.state == LetterState.APPROVED  # straight to the head of Kominfo


def test_a_letter_without_review_is_never_signed_by_its_drafter(world):
    surat = LetterType.objects.get(tenant=world.tenant, code="surat_dinas")
    LetterType.objects.filter(pk=surat.pk).update(direct_to_signer=True)
    own = draft(world, by=world.head)  # the head drafts a letter he would sign himself
    with pytest.raises(ValidationError) as err:
        svc.letter_submit(letter=own, by=world.head, route=[])
    assert "signers" in err.value.message_dict
    # with a reviewer in between, the head may sign what he drafted
    letter = svc.letter_submit(letter=own, by=world.head, route=[world.positions["kabid_tik"]])
    letter = svc.letter_approve(letter=letter, by=world.reviewer2)
    assert policy.can_sign_letter(world.head, letter)


def test_the_drafter_never_approves_even_holding_the_step(world):
    """A drafter who comes to hold the reviewing post (a transfer) still cannot paraf."""
    import datetime as dt

    from organizations.services import assignment_create

    letter = svc.letter_submit(letter=draft(world), by=world.drafter)
    step = policy.current_step(letter)
    assignment_create(
        user=world.drafter,
        position=step.position,
        kind="plh",
        start_date=svc.tenant_today(world.tenant) - dt.timedelta(days=1),
    )
    assert not policy.can_review_letter(world.drafter, Letter.objects.get(pk=letter.pk))


def test_the_page_lets_the_drafter_choose_a_reviewer_when_none_is_above(world):
    # The head of a bidang drafts for the head of Kominfo: nobody stands between them.
    letter = draft(world, by=world.reviewer2, unit=world.units["bid_tik"])
    client = client_for(world.reviewer2)
    page = client.get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'data-testid="route-needed"' in page.content
    choices = page.context["reviewer_choices"]
    assert world.positions["kabid_tik"] not in choices  # never their own post
    assert world.positions["kadis_kominfo"] not in choices  # nor the signer's
    url = reverse("correspondence:action", args=[letter.pk, "submit"])

    def refused(route) -> list[str]:
        response = client.post(url, {"route": route}, follow=True)
        assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT
        return [str(m) for m in response.context["messages"]]

    with translation.override("id"):
        unknown = str(_("Unknown reviewer."))
    assert unknown in refused(["999999999"])
    assert unknown in refused(["²"])  # a digit that int() refuses: an answer, not a 500
    assert unknown in refused(["9" * 40])
    # their own post is no choice at all (the service refuses it too: the test above)
    assert unknown in refused([world.positions["kabid_tik"].pk])
    client.post(url, {"route": [world.positions["sekdis_kominfo"].pk]})
    letter = Letter.objects.get(pk=letter.pk)
    assert letter.state == LetterState.IN_REVIEW
    assert policy.current_step(letter).position == world.positions["sekdis_kominfo"]


def test_the_api_refuses_an_empty_route(world):
    letter = draft(world)
    client = client_for(world.drafter)
    url = reverse("api:letter-submit", args=[letter.pk])
    response = client.post(url, {"route": []}, content_type="application/json")
    assert response.status_code == 400
    assert Letter.objects.get(pk=letter.pk).state == LetterState.DRAFT


def test_a_foreign_post_as_recipient_answers_as_an_unknown_one(world):
    """Posts are addressed in one's own government: a Tangerang post's id answers exactly as
    a missing id, naming nothing."""
    client = client_for(world.drafter)

    def create(position_id):
        body = {
            "letter_type": "surat_dinas",
            "subject": "Uji",
            "recipients": [
                {"kind": "to", "unit": world.units["bappeda"].pk, "position": position_id}
            ],
        }
        return client.post(reverse("api:letter-list"), body, content_type="application/json")

    foreign = world.positions["t_kadis"]
    answers = [create(foreign.pk), create(2_000_000_000)]
    assert [r.status_code for r in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert foreign.title.encode() not in answers[0].content


def test_a_feed_token_works_on_its_own_tenants_hosts_only(world):
    from scheduling import services as scheduling

    token = scheduling.feed_create(user=world.drafter)
    url = reverse("scheduling:feed", args=[token])
    from django.test import Client

    own = Client(HTTP_HOST=host_of(world.tenant)).get(url)
    other = Client(HTTP_HOST=host_of(world.other_tenant)).get(url)
    unknown = Client(HTTP_HOST=host_of(world.other_tenant)).get(
        reverse("scheduling:feed", args=["x" * len(token)])
    )
    assert own.status_code == 200 and b"BEGIN:VCALENDAR" in own.content
    assert other.status_code == unknown.status_code == 404


def test_a_head_drafting_a_direct_type_is_asked_for_a_reviewer(world):
    """A type may go straight to its signer, but the head who drafts it would sign their own
    letter: the page asks for a reviewer instead of a submit that can only fail."""
    LetterType.objects.filter(tenant=world.tenant, code="surat_dinas").update(direct_to_signer=True)
    letter = draft(world, by=world.head, unit=world.units["kominfo"])
    assert letter.signer_position == world.positions["kadis_kominfo"]
    page = client_for(world.head).get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'data-testid="route-needed"' in page.content
    # the drafter's letter of the same type goes straight to the head: no chooser
    other = draft(world)
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[other.pk]))
    assert b'data-testid="route-needed"' not in page.content
