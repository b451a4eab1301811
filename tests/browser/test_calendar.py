"""The calendar on a phone and on a desktop, in a real browser: the invitation is in the
month, the stand-in answers from the event page; screenshots go to docs/screenshots/."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from scheduling.choices import Rsvp
from scheduling.models import Attendee
from tests.scheduling.helpers import invitation, represent
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.mark.parametrize("width", [360, 1280])
def test_calendar_month_and_answer(live_server, page_factory, width):
    world = build_world()
    day = dt.date.today() + dt.timedelta(days=3)
    start = dt.datetime.combine(day, dt.time(9), ZoneInfo("Asia/Jakarta"))
    letter = invitation(world, to=("bappeda",), start=start, subject="Rapat koordinasi SPBE")
    represent(world, letter, "bappeda", world.bappeda_head, "perencana")
    page = page_factory(width=width, height=900)
    log_in(page, live_server, "medan.localhost", world.bappeda_staff.username)
    page.goto(url_on(live_server, "medan.localhost", f"/calendar/?view=month&date={day}"))
    slot = page.get_by_test_id("slot").filter(has_text="Rapat koordinasi SPBE")
    assert slot.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"calendar-{width}.png"), full_page=True)
    slot.get_by_role("link").click()
    page.wait_for_load_state("load")
    assert "09.00" in page.get_by_test_id("when").inner_text()
    page.fill("input[name=reason]", "Bertugas di lapangan")
    page.get_by_role("button", name="Saya tidak dapat hadir").click()
    page.wait_for_load_state("load")
    me = Attendee.objects.get(user=world.bappeda_staff)
    assert me.rsvp == Rsvp.DECLINED and me.decline_reason == "Bertugas di lapangan"
    assert "Tidak hadir" in page.get_by_test_id("rsvp").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
