"""The draft preview (KONSEP) on the pages and the API: a real PDF for whoever may view the
letter until it is signed, a 404 for everyone else; and the compose form's and the API's
structured parts and a.n. signer."""

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from correspondence import services as svc
from correspondence.models import Letter
from tests.conftest import client_for, host_of

from ..pki import real_time
from .helpers import draft, signed, through_review

# The placeholder's year is the year the preview is made: the clock is fixed.
pytestmark = pytest.mark.usefixtures("_clock")


@pytest.fixture
def _clock():
    with time_machine.travel(dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC), tick=True):
        yield


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def web(user, letter):
    return client_for(user).get(reverse("correspondence:letter-preview", args=[letter.pk]))


def api(user, letter):
    return client_for(user).get(reverse("api:letter-preview", args=[letter.pk]))


# --- the preview ---


@pytest.mark.parametrize("get", [web, api], ids=["page", "api"])
def test_preview_is_the_draft_as_it_will_print(world, get):
    # GIVEN a draft
    letter = draft(world, subject="Permohonan data aplikasi SPBE")
    # WHEN its drafter opens the preview
    r = get(world.drafter, letter)
    # THEN it is a PDF shown inline, never cached, marked KONSEP, with the number left open
    assert r.status_code == 200
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'inline; filename="konsep-{letter.pk}.pdf"'
    assert r["Cache-Control"] == "private, no-store"
    text = pdf_text(r.content)
    assert "KONSEP" in text
    assert "Permohonan data aplikasi SPBE" in text
    assert "…" in text


def test_api_preview_answers_a_client_that_asks_for_pdf(world):
    letter = draft(world)
    r = client_for(world.drafter).get(
        reverse("api:letter-preview", args=[letter.pk]), HTTP_ACCEPT="application/pdf"
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


@pytest.mark.parametrize("get", [web, api], ids=["page", "api"])
def test_preview_at_every_review_step(world, get):
    # GIVEN a draft on its way: reviewer, second reviewer, then the signer
    letter = draft(world)
    # THEN the drafter and the reviewer whose turn it is open it
    letter = svc.letter_submit(letter=letter, by=world.drafter)
    assert get(world.drafter, letter).status_code == 200
    assert get(world.reviewer, letter).status_code == 200
    letter = svc.letter_approve(letter=letter, by=world.reviewer)
    assert get(world.reviewer2, letter).status_code == 200
    letter = svc.letter_approve(letter=letter, by=world.reviewer2)
    # AND the signer, once it is approved and waits for the signature
    assert letter.state == "approved"
    assert get(world.head, letter).status_code == 200


@pytest.mark.parametrize("get", [web, api], ids=["page", "api"])
def test_preview_is_hidden_from_who_may_not_see_the_letter(world, get):
    letter = svc.letter_submit(letter=draft(world), by=world.drafter)
    # an unrelated user of the same government, and a user of another one: as if missing
    assert get(world.outsider, letter).status_code == 404
    assert get(world.foreigner, letter).status_code == 404
    # a letter that does not exist answers the same
    missing = Letter(pk=letter.pk + 1000)
    assert get(world.drafter, missing).status_code == 404


def test_preview_asks_to_sign_in(world):
    letter = draft(world)
    anonymous = Client(HTTP_HOST=host_of(world.drafter))
    r = anonymous.get(reverse("correspondence:letter-preview", args=[letter.pk]))
    assert r.status_code == 302 and "login" in r["Location"]
    r = anonymous.get(reverse("api:letter-preview", args=[letter.pk]))
    assert r.status_code in (401, 403)


def test_signed_letter_has_no_preview(world):
    # GIVEN a signed letter (signed at the wall clock, as its timestamp authority lives)
    with real_time():
        letter = signed(world)
    assert letter.pdf
    # WHEN its preview is asked for
    page = web(world.drafter, letter)
    answer = api(world.drafter, letter)
    # THEN the page leads to the signed PDF and the API says why, pointing at it
    assert page.status_code == 302
    assert page["Location"] == reverse("correspondence:letter-pdf", args=[letter.pk]) + "?inline=1"
    assert answer.status_code == 409
    body = answer.json()
    assert body["error"] == "not_a_draft"
    assert body["pdf_url"] == reverse("correspondence:letter-pdf", args=[letter.pk])


def test_cancelled_draft_has_no_preview(world):
    letter = svc.letter_cancel(letter=draft(world), by=world.drafter)
    page = web(world.drafter, letter)
    assert page.status_code == 302
    assert page["Location"] == reverse("correspondence:letter", args=[letter.pk])
    answer = api(world.drafter, letter)
    assert answer.status_code == 409 and answer.json()["pdf_url"] is None


def test_preview_of_a_confidential_draft_is_audited(world):
    from workflows.models import SecurityEvent

    letter = draft(world, security="rahasia")
    assert web(world.drafter, letter).status_code == 200
    assert SecurityEvent.objects.filter(kind="letter.preview_opened", user=world.drafter).exists()


def test_preview_links_on_the_pages(world):
    letter = draft(world)
    edit = client_for(world.drafter).get(reverse("correspondence:edit", args=[letter.pk]))
    url = reverse("correspondence:letter-preview", args=[letter.pk])
    assert url.encode() in edit.content
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'data-testid="preview"' in page.content and url.encode() in page.content
    letter = through_review(world, letter)
    page = client_for(world.head).get(reverse("correspondence:letter", args=[letter.pk]))
    assert b'data-testid="preview"' in page.content
    new = client_for(world.drafter).get(reverse("correspondence:compose"))
    assert b'data-testid="preview"' not in new.content  # nothing saved yet
    with real_time():
        done = signed(world)
    page = client_for(world.head).get(reverse("correspondence:letter", args=[done.pk]))
    assert b'data-testid="preview"' not in page.content
