"""The leadership view on a phone and on a desktop, in a real browser; screenshots go to
docs/screenshots/ so a reader can see them."""

import base64
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django_otp.oath import totp

from correspondence import services as svc
from tests.correspondence.helpers import delivery_to, sent
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _verified(page):
    """Complete the two-step enrolment a head meets after logging in."""
    if "/account/two-step/enrol/" in page.url:
        secret = page.get_by_test_id("totp-secret").inner_text()
        page.fill("input[name=code]", f"{totp(base64.b32decode(secret)):06d}")
        page.click("button.primary")
        page.wait_for_load_state("load")


@pytest.mark.parametrize("width", [360, 1280])
def test_leadership_view_fits_and_is_captured(live_server, page_factory, width):
    world = build_world()
    today = dt.date.today()
    for i in range(3):  # dispositions made three weeks ago, due one to three days ago
        with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=21), tick=False):
            letter = sent(world, subject=f"Laporan kinerja {i}")
            delivery = delivery_to(letter, world, "bappeda")
            svc.disposition_create(
                delivery=delivery,
                by=world.bappeda_head,
                to_positions=[world.positions["perencana"]],
                instructions=["tindak_lanjuti"],
                due_date=today - dt.timedelta(days=i + 1),
            )
    page = page_factory(width=width, height=900)
    log_in(page, live_server, "medan.localhost", world.sekda.username)
    _verified(page)
    page.goto(url_on(live_server, "medan.localhost", "/reports/"))
    assert page.get_by_test_id("owed").is_visible()
    assert page.locator("svg.chart rect").count() >= 12
    assert "Badan Perencanaan Pembangunan Daerah" in page.get_by_test_id("owed").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"leadership-{width}.png"), full_page=True)
    assert (SHOTS / f"leadership-{width}.png").stat().st_size > 10_000
