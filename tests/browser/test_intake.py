"""The clerk's intake in a real browser: a scan is uploaded, the page shows the reading's
progress and reloads itself when the worker is done, and the form comes pre-filled."""

import pytest

from intake.models import PendingIncoming
from intake.services import pending_read
from tests.intake.test_pending import LETTER, SUBJECT, scan_png
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_calendar import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_upload_progress_and_prefilled_form(live_server, page_factory, settings, tmp_path, width):
    # The reading is queued, not run at once: the page must show progress and then reload.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "ocr"]}
    }
    world = build_world()
    scan = tmp_path / "surat-masuk.png"
    scan.write_bytes(scan_png(LETTER))
    page = page_factory(width=width, height=900)
    log_in(page, live_server, "medan.localhost", world.clerk.username)
    page.goto(url_on(live_server, "medan.localhost", "/letters/intake/"))
    page.set_input_files("#id_scans", str(scan))
    page.click("[data-testid=scan-upload] button.primary")
    page.wait_for_selector("[data-testid=ocr-progress]")
    row = PendingIncoming.objects.get()
    pending_read(row.pk)  # the worker's turn
    page.wait_for_selector("[data-testid=ocr-read]", timeout=15000)  # reloaded by itself
    assert page.input_value("#id_subject") == SUBJECT
    assert page.input_value("#id_sender_number") == "470/215/Disdukcapil/2026"
    assert page.input_value("#id_sender_date") == "2026-03-02"
    assert page.locator("[data-testid=confidence-subject]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
    page.screenshot(path=str(SHOTS / f"intake-{width}.png"), full_page=True)
    page.click("[data-testid=pending-form] button.primary")
    page.wait_for_url("**/letters/*/")
    row.refresh_from_db()
    assert row.state == "registered" and row.letter.subject == SUBJECT
