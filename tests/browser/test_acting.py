"""Reading and acting on a letter in a real browser: the receiving head replies and forwards
with a note, the copy's reader acknowledges it, the drafter follows it all (lacak surat)."""

from pathlib import Path

import pytest
from django.conf import settings

from correspondence.choices import DeliveryState
from correspondence.models import Delivery, Letter
from tests.correspondence.helpers import delivery_to, sent
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOST = "medan.localhost"
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _as(page_factory, live_server, user, width=1280):
    page = page_factory(width=width, height=900)
    log_in(page, live_server, HOST, user.username)
    _verified(page)
    return page


def test_reply_forward_acknowledge_and_track(live_server, page_factory):
    world = build_world()
    letter = sent(world, to=("bappeda",), cc=("dinkes",), subject="Permohonan data SPBE")
    letter_path = f"/letters/{letter.pk}/"

    # GIVEN the head of Bappeda on the letter's page
    head = _as(page_factory, live_server, world.bappeda_head)
    head.goto(url_on(live_server, HOST, letter_path))
    assert "Dinas Komunikasi dan Informatika" in head.get_by_test_id("sender").first.inner_text()
    # WHEN they reply: a draft of their own opens, linked to the letter
    head.get_by_test_id("do-reply").click()
    head.wait_for_load_state("load")
    assert "/edit/" in head.url
    reply = Letter.objects.get(reply_to=letter)
    assert reply.drafter == world.bappeda_head
    # AND they forward the letter to Dispusip with a note
    head.goto(url_on(live_server, HOST, letter_path))
    head.get_by_test_id("do-forward").click()
    head.wait_for_load_state("load")
    head.select_option("#id_units", value=str(world.units["dispusip"].pk))
    head.fill("#id_note", "Untuk diarsipkan juga")
    head.get_by_test_id("forward-submit").click()
    head.wait_for_load_state("load")
    forwarded = Delivery.objects.get(letter=letter, unit=world.units["dispusip"])
    assert forwarded.forwarded_by == world.bappeda_head
    assert 'data-action="letter.forwarded"' in head.content()

    # THEN Dispusip's head sees who forwarded it, with the note
    dispusip = _as(page_factory, live_server, world.dispusip_head, width=360)
    dispusip.goto(url_on(live_server, HOST, letter_path))
    notice = dispusip.get_by_test_id("forwarded-notice")
    assert world.bappeda_head.display_name in notice.inner_text()
    assert dispusip.get_by_test_id("forward-note").inner_text() == "Untuk diarsipkan juga"

    # WHEN the head of Dinkes, on the copy (tembusan), says it was read
    dinkes = _as(page_factory, live_server, world.dinkes_head, width=360)
    dinkes.goto(url_on(live_server, HOST, letter_path))
    dinkes.get_by_test_id("do-acknowledge").click()
    dinkes.wait_for_load_state("load")
    assert delivery_to(letter, world, "dinkes").state == DeliveryState.DONE
    assert dinkes.get_by_test_id("do-acknowledge").count() == 0

    # THEN the drafter follows it all on the letter's tracking
    drafter = _as(page_factory, live_server, world.drafter)
    drafter.goto(url_on(live_server, HOST, letter_path))
    drafter.get_by_test_id("to-tracking").click()
    rows = drafter.get_by_test_id("track-row")
    states = {
        rows.nth(i).get_attribute("data-delivery"): rows.nth(i).get_attribute("data-state")
        for i in range(rows.count())
    }
    assert states[str(delivery_to(letter, world, "dinkes").pk)] == "done"
    assert states[str(delivery_to(letter, world, "bappeda").pk)] == "read"
    assert states[str(forwarded.pk)] == "read"
    readers = drafter.get_by_test_id("track-reader").all_inner_texts()
    assert world.bappeda_head.display_name in readers
    SHOTS.mkdir(parents=True, exist_ok=True)
    drafter.evaluate("window.scrollTo(0, 0)")
    drafter.screenshot(path=str(SHOTS / "letter-tracking-1280.png"), full_page=True)
