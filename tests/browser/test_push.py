"""Web Push in Chromium, end to end but offline: the preferences page's button subscribes
this browser (push.js: permission, the server's VAPID key, the subscription posted); a letter
notified on the server reaches a local push service encrypted for that subscription; the
message is handed to the browser's service worker (/sw.js with sw-push.js) through the
DevTools protocol's ServiceWorker.deliverPushMessage, shows a notification, and a click on it
opens the letter's page.

Chromium's own push service is Google's (FCM), out of reach here: the page's
PushManager.subscribe answers with the keys of a device the test holds, whose endpoint is the
local push service; everything else is the real browser.
"""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import Resolver404, resolve, reverse

from notifications.kinds import Kind
from notifications.models import PushSubscription
from notifications.services import notify
from notifications.webpush import b64url, public_of, raw_private
from tests.notifications.localservers import Device, LocalServer
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified


def _sw_served() -> bool:
    try:
        resolve("/sw.js")
    except Resolver404:
        return False
    return True


# Decided before any fixture is set up: a skipped run costs no live server or database flush.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "not _sw_served()", reason="no /sw.js: the service worker (issue 30, part 1) is not merged"
    ),
]
HOST = "medan.localhost"

# PushManager answering with the test's device (Chromium's FCM is unreachable offline).
FAKE_PUSH_MANAGER = """
(() => {
  if (!("PushManager" in self)) return;
  self.__pushCalls = [];
  const KEY = "test-push-subscription";
  const made = (json, key) => ({
    endpoint: json.endpoint,
    options: { applicationServerKey: key },
    toJSON: () => json,
    unsubscribe: async () => { sessionStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.getSubscription = async function () {
    const kept = sessionStorage.getItem(KEY);
    return kept ? made(JSON.parse(kept), null) : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    self.__pushCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      key: Array.from(new Uint8Array(options.applicationServerKey)),
    });
    sessionStorage.setItem(KEY, JSON.stringify(self.__deviceSubscription));
    return made(self.__deviceSubscription, options.applicationServerKey);
  };
})();
"""


def _wait(predicate, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_pushed_letter_shows_a_notification_that_opens_the_letter(
    live_server, page_factory, settings
):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.NASKAH_VAPID_PRIVATE_KEY = raw_private(key)
    settings.NASKAH_PUSH_ALLOW_LOOPBACK_HTTP = True
    world = build_world()
    user = world.bappeda_clerk
    service = LocalServer().start()
    try:
        page = page_factory(width=1280, height=900)
        origin = url_on(live_server, HOST, "").rstrip("/")
        page.context.grant_permissions(["notifications"], origin=origin)
        page.context.add_init_script(FAKE_PUSH_MANAGER)
        cdp = page.context.new_cdp_session(page)
        registrations: dict[str, str] = {}
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda e: registrations.update(
                {r["scopeURL"]: r["registrationId"] for r in e["registrations"]}
            ),
        )
        cdp.send("ServiceWorker.enable")
        log_in(page, live_server, HOST, user.username)
        _verified(page)

        # GIVEN the preferences page, its service worker ready
        page.goto(url_on(live_server, HOST, reverse("notifications:preferences")))
        # (base.html registers /sw.js; registering it again when it is not yet is harmless)
        page.evaluate(
            """navigator.serviceWorker.getRegistration("/").then(r => r ||
               navigator.serviceWorker.register("/sw.js")).then(() =>
               navigator.serviceWorker.ready).then(() => true)"""
        )
        page.reload()  # now controlled by the worker
        device = Device(endpoint=f"{service.origin}/push/browser")
        page.evaluate("s => { self.__deviceSubscription = s; }", device.subscription())

        # WHEN the user turns notifications on for this device
        page.get_by_test_id("push-on").click()
        page.locator("[data-push-device][data-subscribed='1']").wait_for()
        assert page.get_by_test_id("push-off").is_visible()
        assert not page.get_by_test_id("push-on").is_visible()
        # THEN the browser was asked with the server's key, and the server keeps the device
        (call,) = page.evaluate("self.__pushCalls")
        assert call["userVisibleOnly"] is True
        assert b64url(bytes(call["key"])) == public_of(key)
        assert PushSubscription.objects.get(user=user).endpoint == device.endpoint

        # WHEN a letter reaches the user's unit
        letter_url = reverse("notifications:centre") + "?from=push"
        notify([user], Kind.DELIVERY_RECEIVED, text="Surat baru: Rapat koordinasi", url=letter_url)
        (got,) = _wait(lambda: service.at("/push/browser"))
        payload = device.decrypt(got.body)
        assert payload["body"] == "Surat baru: Rapat koordinasi"

        # AND its push service hands the message to the browser
        scope = f"{origin}/"
        registration = _wait(lambda: registrations.get(scope))
        page.goto(url_on(live_server, HOST, reverse("notifications:preferences")))
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": origin, "registrationId": registration, "data": json.dumps(payload)},
        )
        # THEN the worker shows it with the tenant's name and the letter's link
        shown = _wait(
            lambda: page.evaluate(
                """navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns =>
                   ns.map(n => ({title: n.title, body: n.body, url: n.data.url, tag: n.tag})))"""
            )
        )
        assert shown == [
            {
                "title": world.tenant.app_name,
                "body": "Surat baru: Rapat koordinasi",
                "url": letter_url,
                "tag": payload["tag"],
            }
        ]
        # AND a click on it opens the letter's page in the open window. (DevTools cannot click
        # a system notification: the worker's own click handler runs on its notification.)
        worker = _wait(lambda: page.context.service_workers and page.context.service_workers[0])
        worker.evaluate(
            """async () => {
                 const [n] = await self.registration.getNotifications();
                 try { self.dispatchEvent(new NotificationEvent("notificationclick", {notification: n})); }
                 catch (e) {}
               }"""
        )
        page.wait_for_url(f"**{letter_url}")

        # WHEN the user turns it off again THEN the server forgets the device
        page.goto(url_on(live_server, HOST, reverse("notifications:preferences")))
        page.get_by_test_id("push-off").click()
        page.locator("[data-push-device][data-subscribed='0']").wait_for()
        assert not PushSubscription.objects.filter(user=user).exists()
    finally:
        service.stop()
