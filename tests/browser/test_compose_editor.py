"""The body editor in a real browser (assets/editor.js under the strict CSP): a template
filled from the form, bold and a numbered list typed with the toolbar, saved, and found in
the draft's preview PDF; then autosave keeps the form's version so a later save is no conflict.
Screenshots go to docs/screenshots/."""

import base64
import io
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from correspondence.models import Letter, LetterTemplate
from tests.correspondence.helpers import letter_type
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_picker import _pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOST = "medan.localhost"
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages
    )


def test_type_a_letter_with_a_template_bold_and_a_list(live_server, page_factory):
    world = build_world()
    kind = letter_type(world, "surat_dinas")
    template = LetterTemplate.objects.create(
        tenant=world.tenant,
        code="biasa",
        name="Surat biasa",
        letter_type=kind,
        opening="<p>Dengan hormat,</p>",
        body="<p>Kepada {penerima}, mohon hadir pada {tanggal}.</p>",
        closing="<p>Demikian disampaikan.</p>",
    )
    errors = []
    page = page_factory(width=1280, height=900)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # the CSP's refusals (an inline style or script) are console errors; the test server has
    # no websocket, whose failures are left out (a missing file shows in the 404s below)
    quiet = ("WebSocket", "Failed to load resource")
    page.on(
        "console",
        lambda m: (
            m.type == "error" and not any(q in m.text for q in quiet) and errors.append(m.text)
        ),
    )
    page.on("requestfailed", lambda r: errors.append(f"failed {r.url}"))
    page.on("response", lambda r: r.status == 404 and errors.append(f"404 {r.url}"))
    log_in(page, live_server, HOST, world.drafter.username)
    page.goto(url_on(live_server, HOST, "/letters/new/"))
    editor = page.get_by_test_id("editor").locator(".editor-content")
    # GIVEN the editor in place of the textarea, with its toolbar
    assert editor.is_visible() and not page.locator("#id_body").is_visible()
    assert page.get_by_test_id("editor-toolbar").is_visible()
    # WHEN a surat dinas to Bappeda is chosen and its template picked
    page.select_option("#id_letter_type", str(kind.pk))
    page.fill("#id_subject", "Permohonan data aplikasi")
    _pick(page, "to_units", "Perencanaan", str(world.units["bappeda"].pk))
    page.select_option("[data-testid=template-select]", str(template.pk))
    # THEN the body holds the template, the addressee filled in and the date left to write
    page.wait_for_function(
        "() => document.querySelector('.editor-content').innerText.includes('Badan Perencanaan')"
    )
    assert "{tanggal}" in editor.inner_text()
    # WHEN the drafter adds a bold line and a numbered list with the toolbar
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.click("[data-cmd=bold]")
    page.keyboard.type("Sangat penting")
    page.click("[data-cmd=bold]")
    page.keyboard.press("Enter")
    page.click("[data-cmd=orderedList]")
    page.keyboard.type("Data aplikasi")
    page.keyboard.press("Enter")
    page.keyboard.type("Data server")
    assert page.locator("[data-cmd=orderedList]").get_attribute("aria-pressed") == "true"
    # AND a table after the list (Enter twice leaves it)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.click("[data-cmd=table]")
    for cell in ("Nama", "NIP", "Rina", "1990"):
        page.keyboard.type(cell)
        page.keyboard.press("Tab")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "compose-editor-1280.png"), full_page=True)
    page.click("[data-testid=save]")
    page.wait_for_url("**/letters/*/")
    # THEN the draft keeps the markup, and its preview prints it in order
    letter = Letter.objects.get(subject="Permohonan data aplikasi")
    assert "<strong>Sangat penting</strong>" in letter.body
    assert "<ol><li><p>Data aplikasi</p></li><li><p>Data server</p></li></ol>" in letter.body
    assert "<th><p>Nama</p></th><th><p>NIP</p></th>" in letter.body
    # (fetched by the page itself: its session, and *.localhost resolves in the browser only)
    preview = page.evaluate(
        """async (url) => {
          const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
          let out = "";
          bytes.forEach((b) => { out += String.fromCharCode(b); });
          return btoa(out);
        }""",
        f"/letters/{letter.pk}/preview.pdf",
    )
    text = _pdf_text(base64.b64decode(preview))
    for earlier, later in [
        ("Dengan hormat,", "Badan Perencanaan Pembangunan Daerah"),
        ("Badan Perencanaan Pembangunan Daerah", "Demikian disampaikan."),
        ("Demikian disampaikan.", "Sangat penting"),
        ("Sangat penting", "1. Data aplikasi"),
        ("1. Data aplikasi", "2. Data server"),
        ("2. Data server", "Nama"),
        ("Nama", "NIP"),
        ("NIP", "Rina"),
        ("Rina", "1990"),
    ]:
        assert earlier in text and later in text and text.index(earlier) < text.index(later)

    # WHEN the drafter edits again and pauses: autosave saves a version by itself
    page.goto(url_on(live_server, HOST, f"/letters/{letter.pk}/edit/"))
    version = letter.version
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("Catatan lagi")
    page.wait_for_selector("[data-autosave-status][data-state=saved]", timeout=20000)
    letter.refresh_from_db()
    assert letter.version == version + 1 and "Catatan lagi" in letter.body
    assert page.locator("input[name=version]").input_value() == str(letter.version)
    # AND saving the form afterwards is no conflict with the autosaved version
    page.click("[data-testid=save]")
    page.wait_for_url(f"**/letters/{letter.pk}/")
    assert not errors
    # AND on a phone the editor and its toolbar fit the screen
    phone = page_factory(width=360)
    log_in(phone, live_server, HOST, world.drafter.username)
    phone.goto(url_on(live_server, HOST, f"/letters/{letter.pk}/edit/"))
    assert phone.get_by_test_id("editor").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_test_id("editor").scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "compose-editor-360.png"))
