"""The recipient picker in a real browser (static/js/picker.js, Tom Select, under the strict
CSP): typed, picked with the keyboard, a saved group expanded, and the draft gets them; a
screenshot of the grouped dropdown goes to docs/screenshots/."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from correspondence.models import Letter, RecipientGroup
from correspondence.tenantfile import RecipientGroupEntry, _load_groups
from tests.correspondence.helpers import letter_type
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in

SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pick(page, field: str, typed: str, value: str) -> None:
    """Type into a picker and choose the option `value` with the keyboard."""
    control = page.locator(f"#id_{field}-ts-control")
    control.click()
    control.press_sequentially(typed, delay=40)
    page.locator(f"#id_{field}-ts-dropdown [data-picker-option='{value}']").wait_for()
    control.press("ArrowDown")
    control.press("Enter")


def test_units_typed_and_a_saved_group_become_the_drafts_recipients(live_server, page_factory):
    world = build_world()
    _load_groups(
        world.tenant,
        [RecipientGroupEntry(code="seluruh-camat", name="Seluruh Camat", unit_kinds=["district"])],
        Path("."),
    )
    group = RecipientGroup.objects.get(tenant=world.tenant, code="seluruh-camat")
    errors: list[str] = []
    page = page_factory(width=1280, height=900)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "medan.localhost", world.drafter.username)
    page.goto(url_on(live_server, "medan.localhost", "/letters/new/"))
    page.select_option("#id_letter_type", str(letter_type(world, "nota_dinas").pk))
    page.fill("#id_subject", "Rapat koordinasi aplikasi")
    # WHEN the drafter types part of a unit's name in "Kepada (unit)" and picks it by keyboard
    dinkes = world.units["dinkes"]
    _pick(page, "to_units", "Keseha", str(dinkes.pk))
    # AND keeps that choice as a group of their own
    page.locator("[data-picker-save-open=to_units]").click()
    page.locator("[data-picker-save-name=to_units]").fill("Mitra kesehatan")
    page.locator("[data-picker-save-name=to_units]").press("Enter")
    expect(page.locator("[data-picker-save-status=to_units]")).to_have_text(re.compile(r".+"))
    mine = RecipientGroup.objects.get(owner=world.drafter, name="Mitra kesehatan")
    assert list(mine.units.all()) == [dinkes]
    # AND, in "Kepada (jabatan)", sees posts grouped OPD › bidang with their holders
    control = page.locator("#id_to_positions-ts-control")
    control.click()
    control.press_sequentially("kepala", delay=40)
    header = page.locator("#id_to_positions-ts-dropdown .optgroup-header", has_text="Bidang")
    header.first.wait_for()
    assert page.locator("#id_to_positions-ts-dropdown", has_text=world.reviewer.name).count()
    page.screenshot(path=str(SHOTS / "compose-picker-1280.png"))
    control.press("Escape")
    control.fill("")
    # AND picks the saved group "Seluruh Camat" for Tembusan
    _pick(page, "cc_units", "Seluruh", f"g:{group.pk}")
    # THEN the group became its members (asked of the server when picked)
    kec = world.units["kec_baru"]
    page.locator(f"#id_cc_units + .ts-wrapper .item[data-value='{kec.pk}']").wait_for()
    cc = page.locator("#id_cc_units").evaluate("s => Array.from(s.selectedOptions, o => o.value)")
    assert cc == [str(world.units["kec_baru"].pk)]
    # WHEN the draft is saved
    page.get_by_test_id("save").click()
    page.wait_for_url("**/letters/*/")
    # THEN the draft has those recipients, as the plain form would have posted them
    letter = Letter.objects.get(drafter=world.drafter, subject="Rapat koordinasi aplikasi")
    rows = {(r.kind, r.unit_id) for r in letter.recipients.all()}
    assert rows == {("to", dinkes.pk), ("cc", world.units["kec_baru"].pk)}
    assert not [e for e in errors if "Content Security Policy" in e]
