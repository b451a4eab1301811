"""Every error is a branded page in Indonesian: 400, 403, a failed CSRF check, 404, 500."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for, host_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.errors_urls"


def error_page(response, status: int) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert f'data-testid="error-page" data-status="{status}"' in html
    assert '<html lang="id">' in html
    return html


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/test/refuse/", 403), ("/test/suspicious/", 400), ("/no/such/page/", 404)],
)
def test_errors_carry_the_tenant_brand_and_the_menu(world, path, status):
    # GIVEN the drafter of the Medan-like tenant
    client = client_for(world.drafter)
    client.raise_request_exception = False
    # WHEN a page refuses, is malformed or does not exist
    html = error_page(client.get(path), status)
    # THEN the page is the tenant's, with the user's menu
    assert title(html).endswith(f" · {world.tenant.app_name}")
    assert 'data-nav="correspondence:inbox"' in html
    assert "Forbidden" not in html and "Not Found" not in html


def test_a_refused_page_of_the_app_is_branded(world):
    # GIVEN the drafter, who may not see the leadership view
    html = error_page(client_for(world.drafter).get(reverse("reports:leadership")), 403)
    assert world.tenant.app_name in html


def test_a_server_error_is_branded_without_the_user(world):
    client = client_for(world.drafter)
    client.raise_request_exception = False
    client.get("/")  # the session and access facts are read once
    # WHEN a view fails
    response = client.get("/test/crash/")
    # THEN the page still names the tenant, and shows no menu (it asks nothing of the user)
    html = error_page(response, 500)
    assert title(html).endswith(f" · {world.tenant.app_name}")
    assert "data-nav=" not in html


def test_an_expired_form_is_branded(world):
    # GIVEN a client that checks CSRF tokens, as a browser's session does
    client = Client(HTTP_HOST=host_of(world.tenant), enforce_csrf_checks=True)
    # WHEN it posts the login form without the token
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    # THEN it gets the tenant's page, not Django's English "403 Forbidden"
    html = error_page(response, 403)
    assert world.tenant.app_name in html
    assert "CSRF verification failed" not in html


def test_without_a_tenant_the_page_is_plain_naskah(world, settings):
    # GIVEN a host no tenant owns, on a path that needs no tenant
    settings.NASKAH_DEFAULT_TENANT = ""
    client = Client(HTTP_HOST="localhost")
    # WHEN the page does not exist
    html = error_page(client.get("/i18n/no-such-page/"), 404)
    # THEN it carries the platform's name
    assert title(html).endswith(" · Naskah")
