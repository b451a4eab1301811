"""One rule decides who may sign and who must use a second factor: for every post the signing
rule accepts (generated from the rule, for the persona world's tenant), its holder's session
is asked for a second factor, and signing without one is refused on the page and in the API
(with a token and no code, with a wrong code, and with an unverified session). The posts the
rule does not accept need none (unless their holder administers the tenant)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.permissions import needs_second_factor
from accounts.services import api_token_create
from correspondence import permissions as policy
from correspondence import services as svc
from correspondence.choices import LetterState
from correspondence.models import Letter, LetterType
from correspondence.services import RecipientInput
from organizations.models import Assignment, Position
from tests.conftest import client_for, host_of
from tests.correspondence.helpers import parts_sample
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _holder(position: Position):
    found = Assignment.objects.current(svc.tenant_today(position.tenant)).filter(position=position)
    return found.select_related("user").first().user


def _signing_posts(world) -> list[Position]:
    posts = list(policy.signer_positions(world.tenant.pk).select_related("unit"))
    held = set(Assignment.objects.filter(position__in=posts).values_list("position_id", flat=True))
    return [p for p in posts if p.pk in held]


def _awaiting_signature(world, post: Position) -> Letter:
    """A letter of a type this post may sign, reviewed, now waiting for its signature."""
    signer = _holder(post)
    types = LetterType.objects.filter(tenant=world.tenant, is_active=True).order_by("sort_order")
    letter_type = next(t for t in types if policy.signer_allowed(t, post))
    drafter = world.drafter if signer != world.drafter else world.colleague
    reviewer_post = next(
        p
        for p in (world.positions["prakom_pertama"], world.positions["pengadm_kominfo"])
        if _holder(p) not in (drafter, signer)
    )
    letter = svc.letter_create(
        by=drafter,
        letter_type=letter_type,
        subject=f"Surat untuk {post.title}",
        body="<p>Mohon data.</p>",
        parts=parts_sample(letter_type),
        recipients=[RecipientInput(kind="to", unit=world.units["bappeda"])],
        signer_position=post,
        event_start=None,
    )
    if letter_type.creates_event:
        import datetime as dt

        from django.utils import timezone

        start = timezone.now() + dt.timedelta(days=7)
        letter = svc.letter_update(
            letter=letter,
            by=drafter,
            expected_version=letter.version,
            event_start=start,
            event_end=start + dt.timedelta(hours=1),
            event_location="Aula",
        )
    svc.letter_submit(letter=letter, by=drafter, route=[reviewer_post])
    svc.letter_approve(letter=Letter.objects.get(pk=letter.pk), by=_holder(reviewer_post))
    letter = Letter.objects.get(pk=letter.pk)
    assert policy.can_sign_letter(signer, letter)
    return letter


def test_the_rule_accepts_heads_that_hold_no_can_sign_flag(world):
    """The Kepala Seksi of the world heads a unit without `can_sign`: the rule accepts him."""
    posts = _signing_posts(world)
    assert world.positions["kasi_aptika"] in posts
    assert not world.positions["kasi_aptika"].can_sign


def test_every_signing_post_needs_a_second_factor(world):
    posts = _signing_posts(world)
    assert len(posts) >= 8
    for post in posts:
        assert needs_second_factor(_holder(post)), post
    for position in Position.objects.filter(tenant=world.tenant).exclude(
        pk__in=[p.pk for p in posts]
    ):
        holder = Assignment.objects.filter(position=position).first()
        if holder is not None and holder.user != world.tenant_admin:
            assert not needs_second_factor(holder.user), position


@pytest.mark.parametrize("way", ["page", "api_token", "api_wrong_code", "api_session"])
def test_signing_without_a_second_factor_is_refused_for_every_signing_post(world, way):
    refused = 0
    for post in _signing_posts(world):
        letter = _awaiting_signature(world, post)
        signer = _holder(post)
        if way == "page":
            client = client_for(signer, verified=False)
            response = client.post(
                reverse("correspondence:action", args=[letter.pk, "sign"]),
                {"password": PASSWORD},
            )
            # The session is sent to verify its second factor first.
            assert response.status_code == 302, post
            assert "/account/two-step/" in response["Location"], post
        elif way == "api_session":
            client = client_for(signer, verified=False)
            response = client.post(
                reverse("api:letter-sign", args=[letter.pk]),
                {"password": PASSWORD},
                content_type="application/json",
            )
            assert response.status_code == 403, post
        else:
            key = api_token_create(user=signer, name="tte", scope="write")
            client = Client(HTTP_HOST=host_of(signer), HTTP_AUTHORIZATION=f"Token {key}")
            body = {"password": PASSWORD}
            if way == "api_wrong_code":
                body["otp"] = "000000"
            response = client.post(
                reverse("api:letter-sign", args=[letter.pk]), body, content_type="application/json"
            )
            assert response.status_code == 403, (post, response.content)
        letter.refresh_from_db()
        assert letter.state == LetterState.APPROVED and not letter.number, post
        assert letter.sign_pending_since is None, post
        refused += 1
    assert refused == len(_signing_posts(world))


def test_a_verified_signer_of_a_post_without_can_sign_signs(
    world, django_capture_on_commit_callbacks
):
    """The same Kepala Seksi, verified, signs: the rule that makes him sign also lets him."""
    post = world.positions["kasi_aptika"]
    letter = _awaiting_signature(world, post)
    client = client_for(_holder(post))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("correspondence:action", args=[letter.pk, "sign"]), {"password": PASSWORD}
        )
    letter.refresh_from_db()
    assert letter.state == LetterState.SIGNED and letter.number
