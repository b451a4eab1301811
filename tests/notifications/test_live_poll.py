"""What a page polls when pushes cannot reach it (the embedded default's in-memory layer):
the unread count and a stamp per watched object that changes with the object, and nothing
for an object the user may not see (the same as for an unknown id)."""

import pytest
from django.urls import reverse

from correspondence import services as svc
from tests.conftest import client_for
from tests.correspondence.helpers import draft, sent

pytestmark = pytest.mark.django_db

URL = reverse("notifications:live")


def poll(user, *watched: str) -> dict:
    response = client_for(user).get(URL, {"w": list(watched)})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return response.json()


def test_a_stamp_changes_when_the_letter_does(world):
    # GIVEN a letter sent to Bappeda and its head polling its page
    letter = sent(world)
    key = f"letter:{letter.pk}"
    before = poll(world.bappeda_head, key)
    assert before["unread"] == 1
    # WHEN nothing happens the stamp stays; WHEN someone comments, it changes
    assert poll(world.bappeda_head, key)["stamps"] == before["stamps"]
    svc.comment_add(letter=letter, by=world.drafter, text="Mohon segera ditindaklanjuti.")
    assert poll(world.bappeda_head, key)["stamps"][key] != before["stamps"][key]


def test_a_state_change_changes_the_stamp(world):
    letter = draft(world)
    key = f"letter:{letter.pk}"
    before = poll(world.drafter, key)["stamps"][key]
    svc.letter_submit(letter=letter, by=world.drafter)
    assert poll(world.drafter, key)["stamps"][key] != before


@pytest.mark.parametrize("who", ["foreign_head", "outsider"])
def test_a_foreign_or_hidden_letter_is_left_out_like_an_unknown_one(world, who):
    letter = sent(world)
    unknown = letter.pk + 10_000
    answer = poll(world.users[who], f"letter:{letter.pk}", f"letter:{unknown}", "nothing:1")
    assert answer["stamps"] == {}


def test_anonymous_is_sent_to_log_in(world):
    response = client_for(None, tenant=world.tenant).get(URL, {"w": "letter:1"})
    assert response.status_code == 302
