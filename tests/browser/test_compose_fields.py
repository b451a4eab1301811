"""The compose form in a real browser: the fields only some letter types have show when one
of those types is chosen (static/js/naskah.js, under the strict CSP)."""

import pytest

from tests.correspondence.helpers import letter_type
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_type_switches_the_part_and_event_fields(live_server, page_factory):
    world = build_world()
    page = page_factory(width=1280, height=900)
    log_in(page, live_server, "medan.localhost", world.drafter.username)
    page.goto(url_on(live_server, "medan.localhost", "/letters/new/"))
    # GIVEN no type chosen: the body shows, no part and no event field does
    assert page.get_by_test_id("editor").is_visible()
    assert not page.locator("#id_part_dasar").is_visible()
    assert not page.locator("#id_event_start").is_visible()
    # WHEN a surat tugas is chosen: its parts show, the body (it has none) and events do not
    page.select_option("#id_letter_type", str(letter_type(world, "surat_tugas").pk))
    for name in ("dasar", "kepada", "untuk"):
        assert page.locator(f"#id_part_{name}").is_visible()
    assert not page.get_by_test_id("editor").is_visible()
    assert not page.locator("#id_part_menimbang").is_visible()
    # WHEN an invitation is chosen: the body, its event part and the event fields show
    page.select_option("#id_letter_type", str(letter_type(world, "undangan").pk))
    assert page.get_by_test_id("editor").is_visible()
    assert page.locator("#id_part_acara").is_visible()
    assert page.locator("#id_event_start").is_visible()
    assert not page.locator("#id_part_dasar").is_visible()
