"""Each tenant's host shows its own brand in a real browser, on a phone-sized screen."""

import base64

import pytest
from django_otp.oath import totp

from tests.factories import PASSWORD
from tests.world import build_world

from .conftest import url_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def log_in(page, live_server, host: str, username: str) -> None:
    page.goto(url_on(live_server, host, "/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.parametrize(("persona", "slug"), [("head", "medan"), ("foreign_head", "tangerang")])
def test_login_shows_the_tenant_name_and_colours(
    live_server, page_factory, persona, slug, tmp_path
):
    world = build_world()
    tenant = {"medan": world.tenant, "tangerang": world.other_tenant}[slug]
    user = world.users[persona]
    page = page_factory(width=360)

    # GIVEN the login page of the tenant's host
    page.goto(url_on(live_server, f"{slug}.localhost", "/accounts/login/"))
    # THEN it carries the tenant's app name and colours, in Indonesian for an English browser
    assert page.get_by_test_id("app-name").inner_text() == tenant.app_name
    topbar = page.get_by_test_id("topbar")
    assert topbar.evaluate("e => getComputedStyle(e).backgroundColor") == rgb(tenant.primary_colour)
    assert topbar.evaluate("e => getComputedStyle(e).borderBottomColor") == rgb(
        tenant.accent_colour
    )
    assert page.locator("html").get_attribute("lang") == "id"
    # and it fits a 360 px screen without horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # WHEN the tenant's user (a signer) logs in
    log_in(page, live_server, f"{slug}.localhost", user.username)
    # THEN they first turn on two-step verification with their authenticator app
    assert "/account/two-step/enrol/" in page.url
    assert page.get_by_test_id("totp-qr").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.fill("input[name=code]", f"{totp(base64.b32decode(secret)):06d}")
    page.click("button.primary")
    page.wait_for_load_state("load")
    # AND the home page greets them under the same brand
    assert page.url.endswith("/")
    assert user.name in page.locator("h1").inner_text()
    assert page.get_by_test_id("app-name").inner_text() == tenant.app_name
    page.screenshot(path=str(tmp_path / f"home-{slug}.png"))


def test_a_user_cannot_log_in_on_another_tenants_host(live_server, page_factory):
    world = build_world()
    page = page_factory()
    log_in(page, live_server, "tangerang.localhost", world.head.username)
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").is_visible()
