"""The inbox, letter, disposition and sign pages at 360 px (lists as cards, no horizontal
scroll) and at 1280 px (tables as tables), with the letter's inline preview; with
NASKAH_SCREENSHOTS=1 the test writes docs/screenshots/inbox-phone.png, letter-phone.png and
inbox-desktop.png."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from correspondence import services as svc
from tests.correspondence.helpers import PDF, delivery_to, draft, sent, through_review
from tests.factories import PASSWORD
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
HOST = "medan.localhost"
NO_SCROLL = "document.scrollingElement.scrollWidth"


def shoot(page, name: str) -> None:
    if os.environ.get("NASKAH_SCREENSHOTS") == "1":
        SHOTS.mkdir(parents=True, exist_ok=True)
        # The live server has no WebSocket: its "live updates paused" notice is not the page.
        page.evaluate(
            "document.querySelectorAll('[data-live-paused]').forEach(e => e.hidden = true)"
        )
        page.screenshot(path=str(SHOTS / name), full_page=True)


def open_page(page, live_server, path: str, width: int) -> None:
    page.goto(url_on(live_server, HOST, path))
    page.wait_for_load_state("networkidle")
    assert page.evaluate(NO_SCROLL) <= width, path


def _letters(world):
    """Four letters to Bappeda (one confidential and urgent, one a copy), the last with a
    PDF attachment; and one waiting for the Kominfo head's signature."""
    for i, extra in enumerate(
        [
            {},
            {"security": "terbatas", "urgency": "segera"},
            {"to": ("dinkes",), "cc": ("bappeda",)},
        ]
    ):
        sent(world, subject=f"Permohonan data aplikasi perencanaan daerah nomor {i + 1}", **extra)
    letter = draft(world, subject="Undangan rapat koordinasi penyusunan rencana kerja tahunan")
    svc.attachment_add(
        letter=letter, by=world.drafter, upload=SimpleUploadedFile("lampiran.pdf", PDF)
    )
    letter = svc.letter_send(
        letter=svc.letter_sign(
            passphrase=PASSWORD, letter=through_review(world, letter), by=world.head
        ),
        by=world.head,
    )
    waiting = through_review(world, draft(world, subject="Nota dinas menunggu tanda tangan"))
    return letter, waiting


@pytest.mark.parametrize("width", [360, 1280])
def test_pages_fit_a_phone_and_a_desktop(live_server, page_factory, width):
    # GIVEN letters in Bappeda's inbox
    world = build_world()
    letter, waiting = _letters(world)
    delivery = delivery_to(letter, world, "bappeda")
    phone = width == 360
    page = page_factory(width=width, height=740 if phone else 900)
    log_in(page, live_server, HOST, world.bappeda_head.username)
    _verified(page)

    # WHEN the head opens the inbox
    open_page(page, live_server, reverse("correspondence:inbox"), width)
    rows = page.get_by_test_id("inbox-row")
    assert rows.count() == 4
    state = rows.first.locator("td.state")
    # THEN on a phone each letter is a card whose state is labelled; on a desktop a table row
    assert rows.first.evaluate("e => getComputedStyle(e).display") == (
        "block" if phone else "table-row"
    )
    label = state.evaluate("e => getComputedStyle(e, '::before').content")
    assert (label not in ("none", "normal", '""')) is phone
    assert state.is_visible()
    shoot(page, "inbox-phone.png" if phone else "inbox-desktop.png")

    # WHEN they open the letter: it fits, and its signed PDF shows as page images inline
    open_page(page, live_server, reverse("correspondence:letter", args=[letter.pk]), width)
    first = page.get_by_test_id("preview-signed").get_by_test_id("preview-page").first
    first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=preview-signed] img');"
        " return i && i.complete && i.naturalWidth > 500; }"
    )
    assert first.bounding_box()["width"] <= width
    # AND the PDF attachment opens inline too
    attachment = page.get_by_test_id("preview-attachment").first
    attachment.locator("summary").click()
    attachment.get_by_test_id("preview-page").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.evaluate(NO_SCROLL) <= width
    if phone:
        page.evaluate("window.scrollTo(0, 0)")
        shoot(page, "letter-phone.png")

    # AND the disposition form fits
    open_page(
        page, live_server, reverse("correspondence:disposition-new", args=[delivery.pk]), width
    )

    # WHEN the signer opens the letter waiting for them and the sent one
    page = page_factory(width=width, height=740 if phone else 900)
    log_in(page, live_server, HOST, world.head.username)
    _verified(page)
    open_page(page, live_server, reverse("correspondence:letter", args=[waiting.pk]), width)
    assert page.get_by_test_id("do-sign").is_visible()
    open_page(page, live_server, reverse("correspondence:letter", args=[letter.pk]), width)
    # THEN the delivery status of each recipient is readable (not squeezed to a sliver)
    for cell in page.get_by_test_id("delivery-state").all():
        assert cell.is_visible()
        assert cell.bounding_box()["width"] >= (200 if phone else 60)
