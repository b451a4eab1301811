"""axe-core in a real browser finds no serious or critical violation on the main pages, on a
phone and on a desktop; the skip link takes a keyboard user past the menu."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.correspondence.helpers import delivery_to, draft, sent, through_review
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
HOST = "medan.localhost"
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}`);
}"""


@pytest.fixture
def page_factory(browser):
    """Pages whose Content-Security-Policy lets Playwright add axe-core's script tag (the
    app's own policy, script-src 'self', rightly refuses an inline script)."""
    contexts = []

    def make(width: int = 360, height: int = 760):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-US", bypass_csp=True
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def serious_violations(page) -> list[str]:
    """Inject axe-core (from npm; the app does not serve it) and run it on the page."""
    if not AXE.exists():
        pytest.skip("axe-core is missing: `npm ci` installs it")
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(SERIOUS)
    # and, while here, the page fits its screen: no horizontal scrolling
    width = page.viewport_size["width"]
    if page.evaluate("document.scrollingElement.scrollWidth") > width:
        found.append(f"horizontal scroll at {width} px")
    return found


def visit(page, live_server, path: str) -> list[str]:
    page.goto(url_on(live_server, HOST, path))
    return serious_violations(page)


@pytest.mark.parametrize("width", [360, 1280])
def test_main_pages_have_no_serious_axe_violation(live_server, page_factory, width):
    # GIVEN a letter sent to Bappeda
    world = build_world()
    letter = sent(world, subject="Undangan rapat koordinasi")
    delivery = delivery_to(letter, world, "bappeda")
    found: dict[str, list[str]] = {}
    page = page_factory(width=width, height=900)

    # WHEN the login page, and then a head's pages, are checked by axe
    found["login"] = visit(page, live_server, "/accounts/login/")
    log_in(page, live_server, HOST, world.bappeda_head.username)
    _verified(page)
    found["home"] = serious_violations(page)
    for name, path in {
        "inbox": reverse("correspondence:inbox"),
        "letter": reverse("correspondence:letter", args=[letter.pk]),
        "disposition": reverse("correspondence:disposition-new", args=[delivery.pk]),
        "archive search": reverse("archive:search"),
        "calendar": "/calendar/",
    }.items():
        found[name] = visit(page, live_server, path)

    # AND the drafter's compose page
    page = page_factory(width=width, height=900)
    log_in(page, live_server, HOST, world.drafter.username)
    _verified(page)
    found["compose"] = visit(page, live_server, reverse("correspondence:compose"))
    mine = draft(world, subject="Konsep nota dinas")
    found["draft"] = visit(page, live_server, reverse("correspondence:letter", args=[mine.pk]))

    # AND the signer's page of a letter waiting for the signature
    waiting = through_review(world, draft(world, subject="Menunggu tanda tangan"))
    page = page_factory(width=width, height=900)
    log_in(page, live_server, HOST, world.head.username)
    _verified(page)
    found["sign"] = visit(page, live_server, reverse("correspondence:letter", args=[waiting.pk]))

    # THEN none has a serious or critical violation
    assert {name: v for name, v in found.items() if v} == {}


def test_the_skip_link_takes_the_keyboard_to_the_content(live_server, page_factory):
    world = build_world()
    page = page_factory(width=1280)
    log_in(page, live_server, HOST, world.drafter.username)
    _verified(page)
    # WHEN a keyboard user presses Tab once on a page
    page.goto(url_on(live_server, HOST, reverse("correspondence:inbox")))
    page.keyboard.press("Tab")
    link = page.get_by_test_id("skip-link")
    # THEN the skip link is the first stop and shows
    assert link.evaluate("e => e === document.activeElement")
    assert link.is_visible()
    box = link.bounding_box()
    assert box is not None and box["y"] >= 0
    # AND following it moves the focus to the page's content
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
