"""Per-request memo: read once inside a request, afresh outside one."""

import datetime as dt

import pytest

from core.memo import request_memo, request_memo_clear, request_memo_scope
from correspondence.forms import InboxFilterForm
from correspondence.querysets import effective_id_list
from organizations.services import assignment_create


def test_memo_computes_once_in_a_scope_and_every_time_outside():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert request_memo("k", compute) == 1
    assert request_memo("k", compute) == 2  # no scope: nothing kept
    with request_memo_scope():
        assert request_memo("k", compute) == 3
        assert request_memo("k", compute) == 3
        request_memo_clear()
        assert request_memo("k", compute) == 4
    assert request_memo("k", compute) == 5


@pytest.mark.django_db
def test_services_outside_a_request_see_a_new_post_at_once(world):
    before = effective_id_list(world.colleague)
    assignment_create(
        user=world.colleague,
        position=world.positions["kasi_aptika"],
        start_date=dt.date(2020, 1, 1),
        kind="plt",
    )
    assert world.positions["kasi_aptika"].pk in effective_id_list(world.colleague)
    assert world.positions["kasi_aptika"].pk not in before


def test_inbox_filter_controls_keep_the_chosen_values():
    form = InboxFilterForm({"state": "read", "q": "800/12", "date_from": "2026-11-01"})
    controls = {c["name"]: c for c in form.controls()}
    assert controls["state"]["value"] == "read"
    assert "read" in [v for v, _label in controls["state"]["options"]]
    assert controls["q"]["value"] == "800/12" and controls["q"]["options"] is None
    assert controls["date_from"]["type"] == "date"
    assert InboxFilterForm().controls()[0]["value"] == ""
