"""Unit inbox counts kept across requests (correspondence.inboxcount) and the triggers that
version each inbox (migration 0008).

These tests commit (transaction=True): figures are kept only outside a transaction, and the
triggers' rows become visible to other requests when the write commits. Every step compares
the kept figures with a fresh count (`_live`, outside a request: nothing kept) and checks that
the step changed that fresh count, so a stale kept figure fails the test.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from core.memo import request_memo_scope
from correspondence import services as svc
from correspondence.inboxcount import FOLD_AT, inbox_version
from correspondence.models import Delivery, Disposition, DispositionInstruction, InboxChange
from correspondence.selectors import InboxFilter, inbox_counts, inbox_list
from tests.conftest import client_for
from tests.correspondence.helpers import delivery_to, sent

pytestmark = pytest.mark.django_db(transaction=True)


def _kept(user, unit, f: InboxFilter | None = None) -> tuple[int, int]:
    """The figures one request shows (memo scope and time zone as the middleware sets)."""
    with request_memo_scope(), timezone.override("Asia/Jakarta"):
        return inbox_counts(inbox_list(user, unit=unit, f=f), user=user, unit=unit, f=f)


def _live(user, unit, f: InboxFilter | None = None) -> tuple[int, int]:
    with timezone.override("Asia/Jakarta"):
        return inbox_counts(inbox_list(user, unit=unit, f=f))


def _counted(queries) -> bool:
    """Whether a request ran the inbox count (an aggregate over the delivery table)."""
    return any(
        "COUNT(" in q["sql"] and 'FROM "correspondence_delivery"' in q["sql"] for q in queries
    )


def _twice(user, unit, f=None) -> tuple[tuple[int, int], bool]:
    """Figures of one request, then whether the next identical request counted again."""
    first = _kept(user, unit, f)
    with CaptureQueriesContext(connection) as queries:
        again = _kept(user, unit, f)
    assert again == first
    return first, _counted(queries.captured_queries)


def test_a_second_request_uses_the_kept_figures(world):
    bappeda = world.units["bappeda"]
    sent(world)
    figures, counted = _twice(world.bappeda_head, bappeda)
    assert figures == _live(world.bappeda_head, bappeda) == (1, 1)
    assert not counted


def test_new_mail_is_counted_by_the_next_request(world):
    bappeda = world.units["bappeda"]
    sent(world)
    assert _kept(world.bappeda_head, bappeda) == (1, 1)
    sent(world, subject="Undangan rapat")
    assert _live(world.bappeda_head, bappeda) == (2, 2)
    assert _kept(world.bappeda_head, bappeda) == (2, 2)


def test_opening_a_letter_lowers_unread_for_the_next_request(world):
    bappeda = world.units["bappeda"]
    letter = sent(world)
    assert _kept(world.bappeda_clerk, bappeda) == (1, 1)
    svc.letter_opened(letter=letter, by=world.bappeda_head)
    assert _live(world.bappeda_clerk, bappeda) == (1, 0)
    assert _kept(world.bappeda_clerk, bappeda) == (1, 0)


def test_a_grant_on_a_confidential_delivery_is_counted_by_the_next_request(world):
    bappeda = world.units["bappeda"]
    delivery = delivery_to(sent(world, security="rahasia"), world, "bappeda")
    before = _kept(world.bappeda_clerk, bappeda)
    assign_perm("view_delivery", world.bappeda_clerk, delivery)
    after = _live(world.bappeda_clerk, bappeda)
    assert after[0] == before[0] + 1
    assert _kept(world.bappeda_clerk, bappeda) == after
    remove_perm("view_delivery", world.bappeda_clerk, delivery)
    assert _kept(world.bappeda_clerk, bappeda) == before == _live(world.bappeda_clerk, bappeda)


def test_a_delegation_recounts_what_the_delegate_may_see(world):
    bappeda = world.units["bappeda"]
    sent(world, security="rahasia", to=(), to_positions=("kaban_bappeda",))
    before = _kept(world.bappeda_clerk, bappeda)
    with timezone.override("Asia/Jakarta"):
        today = timezone.localdate()
    svc.delegation_create(
        by=world.bappeda_head, delegate=world.bappeda_clerk, start_date=today, end_date=today
    )
    after = _live(world.bappeda_clerk, bappeda)
    assert after[0] == before[0] + 1  # the head's confidential letter, by the delegated post
    assert _kept(world.bappeda_clerk, bappeda) == after


def test_a_deleted_delivery_is_gone_for_the_next_request(world):
    bappeda = world.units["bappeda"]
    letter = sent(world)
    sent(world, subject="Kedua")
    assert _kept(world.bappeda_head, bappeda) == (2, 2)
    Delivery.objects.filter(letter=letter).delete()
    assert _kept(world.bappeda_head, bappeda) == (1, 1) == _live(world.bappeda_head, bappeda)


def test_each_filter_is_kept_apart_and_letter_filters_never(world):
    bappeda = world.units["bappeda"]
    sent(world, subject="Anggaran")
    unread = InboxFilter(state="delivered")
    assert _twice(world.bappeda_head, bappeda, unread) == ((1, 1), False)
    assert _kept(world.bappeda_head, bappeda, InboxFilter(state="read")) == (0, 0)
    for by_letter in (InboxFilter(q="Anggaran"), InboxFilter(sender="Kominfo")):
        figures, counted = _twice(world.bappeda_head, bappeda, by_letter)
        assert counted, by_letter
        assert figures == _live(world.bappeda_head, bappeda, by_letter)


class _Undo(Exception):
    pass


def test_nothing_is_kept_inside_a_transaction(world):
    bappeda, clerk = world.units["bappeda"], world.bappeda_clerk
    sent(world)
    with pytest.raises(_Undo), transaction.atomic():
        sent(world, subject="Ditarik kembali")
        inside = inbox_version(bappeda.pk)
        assert _kept(clerk, bappeda) == (2, 2)  # its own write, counted afresh
        raise _Undo
    # Rolled back. The same writes committed again (a letter the clerk may not see) bring the
    # inbox to the version read inside: figures kept there would now be wrong.
    sent(world, subject="Rahasia", security="rahasia")
    assert inbox_version(bappeda.pk) == inside
    assert _kept(clerk, bappeda) == (1, 1) == _live(clerk, bappeda)


def test_users_of_one_inbox_each_keep_their_own_figures(world):
    bappeda = world.units["bappeda"]
    sent(world)
    sent(world, subject="Rahasia", security="rahasia", to=(), to_positions=("kaban_bappeda",))
    head, clerk = _kept(world.bappeda_head, bappeda), _kept(world.bappeda_clerk, bappeda)
    assert head == _live(world.bappeda_head, bappeda) == (2, 2)  # the confidential one too
    assert clerk == _live(world.bappeda_clerk, bappeda) == (1, 1)  # by unit: the open one only
    assert _kept(world.bappeda_clerk, bappeda) == clerk
    assert _kept(world.bappeda_head, bappeda) == head


def test_every_inbox_trigger_is_installed(world):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'inbox_changed_%%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'inbox_changed_%'"
            )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        f"inbox_changed_{table}_{op}"
        for table in ("delivery", "disposition", "delivery_grant")
        for op in ("insert", "update", "delete")
    }


def test_each_kind_of_write_raises_only_its_units_version(world):
    bappeda, other = world.units["bappeda"], world.units["seksi_aptika"]
    versions = []

    def step():
        versions.append((inbox_version(bappeda.pk), inbox_version(other.pk)))

    step()
    letter = sent(world)
    step()
    delivery = delivery_to(letter, world, "bappeda")
    svc.letter_opened(letter=letter, by=world.bappeda_head)  # a delivery update
    step()
    instruction = DispositionInstruction.objects.filter(tenant=world.tenant).first()
    svc.disposition_create(
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=[instruction.code],
    )
    step()
    Disposition.objects.filter(delivery=delivery).delete()
    step()
    assign_perm("view_delivery", world.outsider, delivery)
    step()
    Delivery.objects.filter(pk=delivery.pk).delete()
    step()
    ours = [v[0] for v in versions]
    assert all(b > a for a, b in pairwise(ours)), ours
    assert len({v[1] for v in versions}) == 1  # no write touched the other unit's inbox


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_statement_records_each_unit_once(world):
    letter = sent(world, to=("bappeda", "seksi_aptika"))
    before = InboxChange.objects.count()
    Delivery.objects.filter(letter=letter).update(urgency="segera")  # two rows, two units
    rows = InboxChange.objects.order_by("pk")[before:]
    assert sorted(r.unit_id for r in rows) == sorted(
        [world.units["bappeda"].pk, world.units["seksi_aptika"].pk]
    )


def test_folding_keeps_the_version(world):
    bappeda = world.units["bappeda"]
    InboxChange.objects.bulk_create(
        InboxChange(unit_id=bappeda.pk, weight=w) for w in range(1, FOLD_AT + 10)
    )
    total = InboxChange.objects.filter(unit_id=bappeda.pk).aggregate(s=Sum("weight"))["s"]
    assert inbox_version(bappeda.pk) == total  # read, then folded
    assert InboxChange.objects.filter(unit_id=bappeda.pk).count() == 1
    assert inbox_version(bappeda.pk) == total


def test_the_api_count_follows_new_mail_without_counting_twice(world):
    bappeda = world.units["bappeda"]
    client = client_for(world.bappeda_head)
    url = f"/api/v1/inbox/?unit={bappeda.pk}"
    sent(world)
    assert client.get(url).json()["count"] == 1
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).json()["count"] == 1
    assert not _counted(queries.captured_queries)
    sent(world, subject="Kedua")
    assert client.get(url).json()["count"] == 2
    # The personal list of the same user is its own count, never the unit's kept one.
    personal = client.get(url + "&personal=1").json()
    assert personal["count"] == len(personal["results"]) == 0


def test_the_inbox_page_shows_new_mail_on_the_next_request(world):
    bappeda = world.units["bappeda"]
    client = client_for(world.bappeda_clerk)
    sent(world, subject="Surat pertama")
    url = f"/letters/inbox/?unit={bappeda.pk}"
    assert b"Surat pertama" in client.get(url).content
    sent(world, subject="Surat kedua")
    page = client.get(url)
    assert b"Surat kedua" in page.content
    assert page.context["page"].paginator.count == 2
    assert page.context["unread"] == 2


def test_the_periodic_fold_keeps_every_units_version(world):
    from correspondence.inboxcount import inbox_fold_all
    from correspondence.tasks import inbox_versions_fold

    a, b = world.units["bappeda"].pk, world.units["kominfo"].pk
    InboxChange.objects.bulk_create([InboxChange(unit_id=a, weight=2) for _ in range(5)])
    units = set(InboxChange.objects.values_list("unit_id", flat=True)) | {b}
    before = {u: inbox_version(u) for u in units}
    many = {u for u in units if InboxChange.objects.filter(unit_id=u).count() > 1}
    assert a in many
    assert inbox_fold_all() == len(many)
    assert {u: inbox_version(u) for u in units} == before
    assert all(InboxChange.objects.filter(unit_id=u).count() <= 1 for u in units)
    InboxChange.objects.bulk_create([InboxChange(unit_id=b), InboxChange(unit_id=b)])
    assert inbox_versions_fold.call() == 1
    assert inbox_version(b) == before[b] + 2
    assert InboxChange.objects.filter(unit_id=b).count() == 1
