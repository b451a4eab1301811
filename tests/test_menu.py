"""The menu shows each persona exactly the pages it may open, with what waits there."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.memo import request_memo_scope
from correspondence import services as svc
from correspondence.menucount import menu_counts
from naskah.menu import ENTRIES
from tests.conftest import client_for
from tests.correspondence.helpers import draft, sent

pytestmark = pytest.mark.django_db

PERSONAS = [
    "sekda",
    "head",
    "secretary",
    "clerk",
    "reviewer2",
    "reviewer",
    "drafter",
    "bappeda_head",
    "bappeda_clerk",
    "outsider",
    "archivist",
    "camat",
    "tenant_admin",
    "foreign_head",
    "foreign_admin",
    "wita_drafter",
]


def shown(html: str) -> dict[str, str]:
    """The menu's links of a page: URL name -> its text."""
    return {
        name: re.sub(r"<[^>]+>", "", text).strip()
        for name, text in re.findall(
            r'<a href="[^"]*" data-nav="([^"]+)">(.*?)</a>', html, re.DOTALL
        )
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_link_shown_opens_and_every_page_hidden_refuses(world, persona):
    # GIVEN a persona's home page
    client = client_for(world.users[persona])
    links = shown(client.get(reverse("home")).content.decode())
    assert "home" in links
    # WHEN each page the menu knows is asked for
    for entry in ENTRIES:
        response = client.get(reverse(entry.url_name))
        if entry.url_name in links:
            # THEN a link shown opens
            assert response.status_code == 200, (entry.url_name, response.status_code)
        else:
            # AND a page not shown is refused (the admin site sends to its own login)
            refused = response.status_code in (403, 404) or (
                response.status_code == 302 and "/admin/login/" in response["Location"]
            )
            assert refused, (entry.url_name, response.status_code)


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        ("drafter", {"correspondence:inbox"}, {"reports:leadership", "correspondence:incoming"}),
        ("head", {"reports:leadership"}, {"correspondence:incoming", "intake:list"}),
        ("clerk", {"correspondence:incoming", "intake:list"}, {"reports:leadership"}),
        ("tenant_admin", {"accounts:security-events", "admin:index"}, set()),
        ("archivist", {"archive:records"}, {"admin:index", "accounts:security-events"}),
    ],
)
def test_roles_get_their_pages(world, persona, present, absent):
    links = shown(client_for(world.users[persona]).get(reverse("home")).content.decode())
    assert present <= links.keys()
    assert not absent & links.keys()


def test_the_menu_counts_what_waits_in_one_query(world, django_assert_num_queries):
    # GIVEN a letter sent to Bappeda and one draft waiting for the first reviewer's paraf
    sent(world)
    svc.letter_submit(letter=draft(world), by=world.drafter)
    # WHEN the menu's figures are counted in a request that already read the users' access
    # facts (every page does, before it draws the menu)
    with request_memo_scope():
        menu_counts(world.bappeda_head), menu_counts(world.reviewer)
        with django_assert_num_queries(1):
            bappeda = menu_counts(world.bappeda_head)
        with django_assert_num_queries(1):
            reviewer = menu_counts(world.reviewer)
    # THEN the head of Bappeda has one unread letter, the reviewer one paraf to give
    assert bappeda == {"inbox": 1, "dispositions": 0, "awaiting": 0}
    assert reviewer == {"inbox": 0, "dispositions": 0, "awaiting": 1}
    # AND the menu says so next to the link
    links = shown(client_for(world.bappeda_head).get(reverse("home")).content.decode())
    assert links["correspondence:inbox"].endswith("(1)")
    assert not links["correspondence:awaiting"].endswith(")")


def test_an_error_page_draws_the_menu_without_counting(world):
    # GIVEN the head of Bappeda with an unread letter (the home page's menu shows "(1)")
    sent(world)
    client = client_for(world.bappeda_head)
    home = shown(client.get(reverse("home")).content.decode())
    assert home["correspondence:inbox"].endswith("(1)")
    # WHEN they open an address that leads nowhere
    with CaptureQueriesContext(connection) as asked:
        page = client.get("/letters/1900000000/")
    # THEN the branded page shows the same menu, without figures and without counting them
    assert page.status_code == 404
    links = shown(page.content.decode())
    assert set(links) == set(home)
    assert not links["correspondence:inbox"].endswith(")")
    assert not any("COUNT(" in q["sql"] for q in asked.captured_queries)
