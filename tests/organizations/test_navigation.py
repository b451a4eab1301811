"""The menu is rendered once per process for each language and set of links: one user's
links must never reach another."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import client_for

ADMIN = f'href="{reverse("admin:index")}"'
SECURITY_LOG = f'href="{reverse("accounts:security-events")}"'
INBOX = f'href="{reverse("correspondence:inbox")}"'


def _menu(client, language="id") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("home")).content.decode()
    return page[page.index('<nav class="menu-panel">') : page.index("</nav>")]


@pytest.mark.parametrize("first", ["tenant_admin", "drafter"])
def test_each_user_sees_the_links_of_their_own_rights(world, first):
    order = [first, "drafter" if first == "tenant_admin" else "tenant_admin"]
    menus = {name: _menu(client_for(getattr(world, name))) for name in order}
    assert ADMIN in menus["tenant_admin"] and SECURITY_LOG in menus["tenant_admin"]
    assert ADMIN not in menus["drafter"] and SECURITY_LOG not in menus["drafter"]
    assert INBOX in menus["drafter"] and INBOX in menus["tenant_admin"]


def test_the_menu_follows_the_language(world):
    client = client_for(world.drafter)
    assert "Surat masuk" in _menu(client, "id")
    assert "Inbox" in _menu(client, "en")
    assert "Inbox" not in _menu(client, "id")
