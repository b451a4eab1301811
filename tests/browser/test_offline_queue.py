"""Acting while offline in a real browser: a head marks a letter read and writes a disposition,
and a reviewer gives paraf, with the network gone, sees them kept on the device, and when the network returns they are
applied exactly once; a disposition whose letter moved on meanwhile comes back as a conflict."""

import datetime as dt
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from correspondence import services as svc
from correspondence.choices import DeliveryState
from correspondence.models import Delivery, Disposition, Letter
from correspondence.selectors import instructions_for
from offline.models import QueuedAction
from tests.correspondence.helpers import PDF, draft
from tests.world import build_world
from workflows.models import TransitionLog

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOST = "medan.localhost"


def _incoming(world, subject):
    return svc.incoming_register(
        unit=world.units["bappeda"],
        by=world.bappeda_clerk,
        sender_name="PT Pos Indonesia",
        subject=subject,
        received_date=svc.tenant_today(world.tenant) - dt.timedelta(days=1),
        scan=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
    )


def _until(condition, timeout=15.0):
    """Wait for a database condition the browser brings about."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _fill_disposition(page, world):
    page.check(f'input[name=to_positions][value="{world.positions["perencana"].pk}"]')
    page.locator("input[name=instructions]").first.check()
    page.fill("textarea[name=note]", "Siapkan bahan rapat")
    page.get_by_test_id("disposition-form").locator("button.primary").click()


def _worker(page):
    """The page's service worker (/sw.js, registered by pwa.js; its sync handler is
    assets/sw-queue.js): wait until it is active; returns a DevTools session and the
    registration (id, scope)."""
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")

    def root():
        live = [r for r in registrations if not r.get("isDeleted")]
        return next((r for r in live if r["scopeURL"].endswith(":" + _port(page) + "/")), None)

    _until(lambda: root() is not None)
    return cdp, root()


def _port(page) -> str:
    return page.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]


def _sync(cdp, registration):
    """Fire Background Sync ("naskah-actions") at the worker as the browser does once the
    network is back (Chromium's DevTools protocol)."""
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": registration["scopeURL"].rstrip("/"),
            "registrationId": registration["registrationId"],
            "tag": "naskah-actions",
            "lastChance": False,
        },
    )


def test_actions_made_offline_are_applied_once_and_a_conflict_is_shown(live_server, page_factory):
    world = build_world()
    to_dispose = _incoming(world, "Undangan rapat koordinasi")
    to_read = _incoming(world, "Pemberitahuan jadwal")
    moved_on = _incoming(world, "Permohonan data")
    # GIVEN the head of Bappeda with the inbox and two disposition pages open
    inbox = page_factory(width=1280, height=900)
    log_in(inbox, live_server, HOST, world.bappeda_head.username)
    _verified(inbox)
    context = inbox.context
    inbox.goto(url_on(live_server, HOST, "/letters/inbox/"))
    pages = {}
    for name, delivery in (("dispose", to_dispose), ("moved_on", moved_on)):
        pages[name] = context.new_page()
        pages[name].goto(
            url_on(live_server, HOST, f"/letters/deliveries/{delivery.pk}/disposition/")
        )

    # WHEN the network goes
    context.set_offline(True)
    # AND they mark a letter read from the inbox and write a disposition
    inbox.check(f'input[name=ids][value="{to_read.pk}"]')
    inbox.get_by_test_id("bulk-read").click()
    _fill_disposition(pages["dispose"], world)
    # AND meanwhile someone else dispositions the third letter, which they also disposition
    svc.disposition_create(
        delivery=moved_on,
        by=world.bappeda_head,
        to_positions=[world.positions["perencana"]],
        instructions=[instructions_for(world.tenant.pk).first().code],
    )
    _fill_disposition(pages["moved_on"], world)

    # THEN the pages say the actions wait on the device, and nothing reached the server
    status = pages["moved_on"].get_by_test_id("offline-status")
    status.wait_for(state="visible")
    pages["moved_on"].wait_for_function(
        "async () => (await window.naskahOffline.queued()).length === 3"
    )
    assert status.get_attribute("data-pending") == "3"
    assert not Disposition.objects.filter(delivery=to_dispose).exists()
    assert Delivery.objects.get(pk=to_read.pk).state == DeliveryState.DELIVERED

    # WHEN the network returns (every open page hears it and sends the queue)
    context.set_offline(False)
    _until(lambda: QueuedAction.objects.count() == 3)
    inbox.wait_for_function("async () => (await window.naskahOffline.queued()).length === 0")

    # THEN each was applied exactly once, and the one whose letter moved on is a conflict
    assert Disposition.objects.filter(delivery=to_dispose).count() == 1
    assert Disposition.objects.filter(delivery=moved_on).count() == 1  # only the other one
    assert Delivery.objects.get(pk=to_read.pk).state == DeliveryState.READ
    assert TransitionLog.objects.filter(object_id=to_read.pk, action="delivery.read").count() == 1
    outcomes = dict(QueuedAction.objects.values_list("target_id", "status"))
    assert outcomes == {to_dispose.pk: "applied", to_read.pk: "applied", moved_on.pk: "conflict"}
    # AND the conflict is shown: a banner on the next page, the list with the conflict first
    inbox.goto(url_on(live_server, HOST, "/"))
    banner = inbox.get_by_test_id("offline-conflicts")
    assert banner.is_visible()
    banner.locator("a").click()
    inbox.wait_for_load_state("load")
    first = inbox.get_by_test_id("offline-action").first
    assert first.get_attribute("data-status") == "conflict"
    assert first.get_attribute("data-kind") == "delivery.disposition"
    assert "Siapkan bahan rapat" in first.get_by_test_id("offline-written").text_content()

    # WHEN, with the service worker (its sync handler from sw-queue.js), a letter is marked read offline and
    # the network returns with no page open to send it
    later = _incoming(world, "Surat edaran")
    for page in pages.values():
        page.close()
    inbox.goto(url_on(live_server, HOST, "/letters/inbox/"))
    cdp, registration = _worker(inbox)
    context.set_offline(True)
    inbox.check(f'input[name=ids][value="{later.pk}"]')
    inbox.get_by_test_id("bulk-read").click()
    inbox.wait_for_function("async () => (await window.naskahOffline.queued()).length === 1")
    inbox.goto("about:blank")
    context.set_offline(False)
    _sync(cdp, registration)
    # THEN the worker sent it: applied once
    _until(lambda: QueuedAction.objects.filter(target_id=later.pk, status="applied").exists())
    assert Delivery.objects.get(pk=later.pk).state == DeliveryState.READ

    # WHEN a reviewer, on another device, gives paraf on a letter page with the network gone
    letter = svc.letter_submit(letter=draft(world), by=world.drafter)
    before = Letter.objects.get(pk=letter.pk).state
    reviewer = page_factory(width=1280, height=900)
    log_in(reviewer, live_server, HOST, world.reviewer.username)
    _verified(reviewer)
    reviewer.goto(url_on(live_server, HOST, f"/letters/{letter.pk}/"))
    reviewer.context.set_offline(True)
    reviewer.get_by_test_id("do-approve").click()
    reviewer.wait_for_function("async () => (await window.naskahOffline.queued()).length === 1")
    assert Letter.objects.get(pk=letter.pk).state == before  # kept on the device only
    assert not TransitionLog.objects.filter(object_id=letter.pk, action="letter.approved").exists()
    # AND the network returns
    reviewer.context.set_offline(False)
    # THEN the paraf is applied once, with its log entry
    _until(lambda: QueuedAction.objects.filter(target_id=letter.pk, status="applied").exists())
    assert QueuedAction.objects.filter(target_id=letter.pk).count() == 1
    assert TransitionLog.objects.filter(object_id=letter.pk, action="letter.approved").count() == 1
