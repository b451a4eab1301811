"""Branded pages, the organisation directory and the language switch."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_pages_are_indonesian_even_for_an_english_browser(world):
    client = client_for(tenant=world.tenant)
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="id"' in page
    assert ">Masuk<" in page


def test_the_switch_turns_english_on(world):
    client = client_for(tenant=world.tenant)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in page and ">Log in<" in page


def test_home_shows_my_positions(world):
    page = client_for(world.head).get(reverse("home")).content.decode()
    assert "Kepala Dinas Kominfo" in page


def test_directory_lists_units_with_their_heads_in_constant_queries(
    world, django_assert_max_num_queries
):
    client = client_for(world.drafter)
    # 22: a cold first request also reads the letter types whose signing rule says who
    # must use a second factor, and the access facts the menu's entries and figures are
    # decided by (both kept across requests after it; the figures are one query), and whether
    # an outage is going on (its banner; cached for five minutes).
    with django_assert_max_num_queries(23):
        page = client.get(reverse("org-directory")).content.decode()
    assert "Ir. Budi Hasibuan, M.M." in page
    assert "Diskominfo Kota Tangerang" not in page


def test_anonymous_is_sent_to_login(world):
    response = client_for(tenant=world.tenant).get(reverse("org-directory"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_pages_send_a_strict_content_security_policy(world):
    response = client_for(tenant=world.tenant).get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_logo_is_served_for_the_host(world):
    world.tenant.logo.save("medan.png", ContentFile(b"\x89PNG\r\n\x1a\nfake"), save=True)
    response = client_for(tenant=world.tenant).get(reverse("branding-logo"))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client_for(tenant=world.other_tenant).get(reverse("branding-logo")).status_code == 404
