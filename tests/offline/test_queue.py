"""Actions queued on a device while offline: each kind applied once through correspondence's
services, a retried id never doubled (also two at once on PostgreSQL), conflicts when the
target moved on, refusals without a 500."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.permissions import needs_second_factor
from correspondence import services as svc
from correspondence.choices import DeliveryState, DispositionState
from correspondence.models import Disposition, Letter
from correspondence.selectors import instructions_for
from offline.choices import ActionStatus
from offline.models import QueuedAction
from offline.selectors import offline_version
from tests.conftest import client_for
from tests.correspondence.helpers import PDF, delivery_to, draft, sent
from tests.world import build_world
from workflows.models import TransitionLog

URL = "/offline/actions/"


def _post(client, actions):
    response = client.post(URL, {"actions": actions}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _action(kind, target, version, payload=None, **extra):
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "target": target.pk,
        "version": version,
        "payload": payload or {},
        "made_at": "2026-12-01T08:00:00+07:00",
        **extra,
    }


def _logged(obj, action: str) -> int:
    return TransitionLog.objects.filter(object_id=obj.pk, action=action).count()


def _incoming(world):
    """A letter registered into Bappeda's inbox (no signature to make: quick)."""
    return svc.incoming_register(
        unit=world.units["bappeda"],
        by=world.bappeda_clerk,
        sender_name="PT Pos Indonesia",
        subject="Undangan rapat koordinasi",
        received_date=svc.tenant_today(world.tenant) - dt.timedelta(days=1),
        scan=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
    )


def _disposition(world, delivery):
    code = instructions_for(world.tenant.pk).first().code
    return svc.disposition_create(
        delivery=delivery,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=[code],
        note="Tindak lanjuti",
    )[0]


# Each kind: (who acts, its target, the payload) built from the world; then what was applied.
def _read(world, *, signed=False):
    delivery = delivery_to(sent(world), world, "bappeda") if signed else _incoming(world)
    return world.bappeda_head, "delivery.read", delivery, {}


def _dispose(world, delivery=None):
    delivery = delivery or _incoming(world)
    code = instructions_for(world.tenant.pk).first().code
    payload = {
        "to_positions": [str(world.positions["perencana"].pk)],
        "instructions": [code],
        "note": "Segera ditindaklanjuti",
        "urgency": "biasa",
        "due_date": "",
    }
    return world.bappeda_head, "delivery.disposition", delivery, payload


def _report(world):
    d = _disposition(world, _incoming(world))
    return world.bappeda_staff, "disposition.report", d, {"text": "Sudah dikerjakan"}


def _approve(world):
    letter = svc.letter_submit(letter=draft(world), by=world.drafter)
    return world.reviewer, "review.approve", letter, {"note": ""}


def _return(world):
    letter = svc.letter_submit(letter=draft(world), by=world.drafter)
    return world.reviewer, "review.return", letter, {"note": "Perbaiki paragraf kedua"}


def _save(world):
    letter = draft(world)
    return world.drafter, "draft.save", letter, {"body": "<p>Teks baru dari luring.</p>"}


KINDS = {
    "delivery.read": _read,
    "delivery.disposition": _dispose,
    "disposition.report": _report,
    "review.approve": _approve,
    "review.return": _return,
    "draft.save": _save,
}


def _applied_count(kind, target) -> int:
    """How many times the kind's effect happened to the target."""
    if kind == "delivery.read":
        return _logged(target, "delivery.read")
    if kind == "delivery.disposition":
        return Disposition.objects.filter(delivery=target).count()
    if kind == "disposition.report":
        return _logged(target, "disposition.reported")
    if kind == "review.approve":
        return _logged(target, "letter.approved")
    if kind == "review.return":
        return _logged(target, "letter.returned")
    return Letter.objects.get(pk=target.pk).version - target.version


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_is_applied_once_and_a_retry_is_answered_from_the_store(world, kind):
    # GIVEN a target the user may act on, and the version their page showed
    user, kind, target, payload = KINDS[kind](world)
    before = _applied_count(kind, target)
    action = _action(kind, target, offline_version(kind, target), payload)
    client = client_for(user)
    # WHEN the device sends the action, then sends it again (the answer was lost)
    first = _post(client, [action])
    again = _post(client, [action])
    # THEN it was applied once, and the retry got the stored outcome
    assert first[0]["status"] == ActionStatus.APPLIED, first
    assert first[0]["id"] == action["id"]
    assert first[0]["url"].startswith("/letters/")
    assert again[0]["status"] == ActionStatus.APPLIED and again[0]["replayed"] is True
    assert _applied_count(kind, target) - before == 1
    assert QueuedAction.objects.filter(user=user, client_id=action["id"]).count() == 1


def _moved_on(world, kind, target):
    """Someone else changes the target while the device is offline."""
    if kind == "delivery.read":
        svc.letter_retract(letter=target.letter, by=world.head, reason="Salah alamat")
    elif kind == "delivery.disposition":
        _disposition(world, target)  # the head's Plt or secretary got there first
    elif kind == "disposition.report":
        svc.disposition_cancel(disposition=target, by=world.bappeda_head)
    elif kind in ("review.approve", "review.return"):
        svc.letter_withdraw(letter=target, by=world.drafter)
    else:
        svc.letter_autosave(
            letter=target, by=world.drafter, expected_version=target.version, body="<p>Lain.</p>"
        )


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_target_that_moved_on_is_a_conflict_and_nothing_is_applied(world, kind):
    # GIVEN an action made against the version the page showed
    if kind == "delivery.read":
        user, kind, target, payload = _read(world, signed=True)  # a sent letter, to retract
    else:
        user, kind, target, payload = KINDS[kind](world)
    action = _action(kind, target, offline_version(kind, target), payload)
    # AND the target moved on meanwhile
    _moved_on(world, kind, target)
    before = _applied_count(kind, target)
    # WHEN the device sends it
    [result] = _post(client_for(user), [action])
    # THEN it is a conflict that says what happened and links to the page; nothing applied
    assert result["status"] == ActionStatus.CONFLICT, result
    assert result["message"] and result["url"].startswith("/letters/")
    assert _applied_count(kind, target) == before
    stored = QueuedAction.objects.get(client_id=action["id"])
    assert stored.status == ActionStatus.CONFLICT and stored.payload == payload


def test_mark_read_of_a_letter_read_meanwhile_is_a_duplicate(world):
    user, kind, delivery, _ = _read(world)
    version = offline_version(kind, delivery)
    svc.deliveries_mark_read(by=world.bappeda_clerk, ids=[delivery.pk])
    [result] = _post(client_for(user), [_action(kind, delivery, version)])
    assert result["status"] == ActionStatus.DUPLICATE
    assert _logged(delivery, "delivery.read") == 1


def _refusals(world):
    delivery = _incoming(world)
    version = offline_version("delivery.disposition", delivery)
    good = _dispose(world, delivery)[3]
    return {
        # another tenant's user names a Medan delivery: the same answer as an unknown id
        "foreign-tenant": (world.foreign_head, _action("delivery.read", delivery, "delivered")),
        "unknown-id": (
            world.bappeda_head,
            {**_action("delivery.read", delivery, "delivered"), "target": 999999999},
        ),
        # a Dinkes head sees nothing of a letter to Bappeda: the same answer again
        "hidden": (world.dinkes_head, _action("delivery.read", delivery, "delivered")),
        # the planner reads the delivery but may not disposition it
        "no-permission": (
            world.bappeda_staff,
            _action("delivery.disposition", delivery, version, good),
        ),
        "bad-payload": (
            world.bappeda_head,
            _action("delivery.disposition", delivery, version, {"note": "tanpa tujuan"}),
        ),
        "payload-not-text": (
            world.bappeda_head,
            _action("delivery.disposition", delivery, version, {"note": {"x": 1}}),
        ),
        "payload-not-an-object": (
            world.bappeda_head,
            {**_action("delivery.read", delivery, "delivered"), "payload": [1]},
        ),
        "unknown-kind": (world.bappeda_head, _action("letter.explode", delivery, "")),
        "sign": (world.head, _action("letter.sign", delivery.letter, "approved")),
        "bad-id": (world.bappeda_head, {**_action("delivery.read", delivery, ""), "id": "x"}),
        "not-an-object": (world.bappeda_head, "mark it read"),
        "superscript-digit-target": (
            world.bappeda_head,
            {**_action("delivery.read", delivery, "delivered"), "target": "\u00b2"},
        ),
        "nul-in-text": (
            world.bappeda_head,
            _action("delivery.disposition", delivery, version, {"note": "a\x00b"}),
        ),
    }


def test_refusals_are_outcomes_not_errors(world):
    # GIVEN actions the server must refuse (one letter for all: each case is one request)
    cases = _refusals(world)
    messages = {}
    for case, (user, action) in cases.items():
        # WHEN each is sent
        [result] = _post(client_for(user), [action])
        # THEN it is refused with a message
        assert result["status"] == ActionStatus.REFUSED, (case, result)
        assert result["message"], case
        messages[case] = result["message"]
    # AND nothing was applied
    assert not Disposition.objects.exists()
    assert not TransitionLog.objects.filter(action="delivery.read").exists()
    # AND a missing, a hidden and another tenant's id get the very same answer
    assert messages["foreign-tenant"] == messages["unknown-id"] == messages["hidden"]
    assert QueuedAction.objects.filter(tenant=world.other_tenant).count() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b"\xff\xfe", 400), (b"[]", 200), (b'{"actions": []}', 200)],
)
def test_a_body_that_is_not_json_is_a_400(world, body, status):
    response = client_for(world.head).post(URL, body, content_type="application/json")
    assert response.status_code == status
    assert response.json()


def test_without_a_session_or_csrf_header_nothing_is_applied(world):
    _, kind, delivery, _ = _read(world)
    action = _action(kind, delivery, "delivered")
    anonymous = client_for(None, tenant=world.tenant)
    assert anonymous.post(URL, action, content_type="application/json").status_code == 403
    strict = client_for(world.bappeda_head)
    strict.handler.enforce_csrf_checks = True
    assert strict.post(URL, action, content_type="application/json").status_code == 403
    assert delivery_to(delivery.letter, world, "bappeda").state == DeliveryState.DELIVERED


def test_the_page_lists_conflicts_first_and_the_banner_goes_once_seen(world):
    # GIVEN one applied action and one conflict of the head of Bappeda
    user, kind, delivery, _ = _read(world)
    _post(client_for(user), [_action(kind, delivery, "delivered")])
    other = _incoming(world)
    version = offline_version("delivery.disposition", other)
    _disposition(world, other)
    client = client_for(user)
    [conflict] = _post(client, [_action("delivery.disposition", other, version, {})])
    assert conflict["status"] == ActionStatus.CONFLICT
    # WHEN they open any page THEN the banner says some actions could not be applied
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="offline-conflicts">' in home
    # WHEN they open the offline actions page
    page = client.get(reverse("offline:actions"))
    rows = page.content.decode().split('data-testid="offline-action"')[1:]
    # THEN the conflict comes first, and after that the banner is hidden
    assert [r.split('data-status="')[1].split('"')[0] for r in rows] == ["conflict", "applied"]
    assert 'data-testid="offline-conflicts" hidden>' in client.get(reverse("home")).content.decode()
    assert QueuedAction.objects.get(status="conflict").seen_at is not None


def test_a_signer_without_a_second_factor_applies_nothing(world):
    # GIVEN the head of Bappeda (a signer) logged in with the password only, a letter in the inbox
    user, kind, delivery, _ = _read(world)
    assert needs_second_factor(user)
    client = client_for(user, verified=False)
    # WHEN the queue is sent
    action = _action(kind, delivery, "delivered")
    response = client.post(URL, [action], content_type="application/json")
    # THEN it is refused as the API refuses it, and nothing was applied or stored
    assert response.status_code == 403 and response.json()["error"] == "second_factor_required"
    assert not QueuedAction.objects.exists()


def test_a_confidential_letter_offers_nothing_to_queue_on_the_device(world):
    letter = svc.letter_submit(letter=draft(world, security="rahasia"), by=world.drafter)
    page = client_for(world.reviewer).get(reverse("correspondence:letter", args=[letter.pk]))
    html = page.content
    assert b"do-approve" in html and b"data-offline-action" not in html


def test_the_pages_forms_carry_the_version(world):
    user, kind, target, _ = _approve(world)
    html = client_for(user).get(reverse("correspondence:letter", args=[target.pk])).content
    assert f'data-offline-version="{offline_version(kind, target)}"'.encode() in html
    assert b'data-offline-action="review.return"' in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_id_at_once_apply_it_once():
    # GIVEN a disposition written offline, sent by two requests at the same moment (the page
    # and the service worker both flushing)
    world = build_world()
    user, kind, delivery, payload = _dispose(world)
    action = _action(kind, delivery, offline_version(kind, delivery), payload)
    clients = [client_for(user), client_for(user)]
    barrier = threading.Barrier(2)
    answers = []

    def send(client):
        try:
            barrier.wait()
            answers.append(_post(client, [action])[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN one disposition was made, and both were told it was applied
    assert Disposition.objects.filter(delivery=delivery).count() == 1
    assert [a["status"] for a in answers] == [ActionStatus.APPLIED] * 2
    assert sorted(bool(a.get("replayed")) for a in answers) == [False, True]
    assert Disposition.objects.get().state == DispositionState.ISSUED
