"""The installable app in Chromium, with static files as production serves them (hashed names,
compressed, immutable): the manifest and service worker; the inbox and a recently opened
letter read offline, the offline page for the rest; a Rahasia letter opened online absent from
Cache Storage and IndexedDB, masked in the inbox's offline copy; the wipe at logout and at a
session ended on the server; and the light pages on a throttled link (400 kbps, 400 ms)."""

import json
import time
from urllib.parse import urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from correspondence.services import incoming_register, tenant_today
from tests.correspondence.helpers import PDF, sent
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOST = "medan.localhost"
MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECRET = "Laporan intelijen penanganan konflik"
ORDINARY = "Permohonan data aplikasi perencanaan"
LIGHT_BYTES = 60 * 1024

# Everything the device keeps: every cache's URLs and bodies, every IndexedDB record.
DEVICE_DUMP = """async () => {
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request, { ignoreVary: true });
      out.push(name + " " + request.url + " " + (response ? await response.text() : ""));
    }
  }
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((ok, ko) => {
      const r = indexedDB.open(info.name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => ko(r.error);
    });
    for (const store of db.objectStoreNames) {
      const rows = await new Promise((ok) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result);
      });
      out.push(info.name + " " + store + " " + JSON.stringify(rows));
    }
    db.close();
  }
  return out.join("\\n");
}"""
KEPT = """async (name) => (await caches.has(name))
  ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname) : []"""


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """The project's static files collected once as production does (hashed, compressed);
    the apps' own (admin, API docs) are left out: these pages do not use them."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root,
        STORAGES=MANIFEST_STORAGE,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def production_like(settings, production_static, monkeypatch):
    # The live server's own static handler steps aside for whitenoise, as in production; in
    # its finders mode (tests) whitenoise finds the hashed files first in the collected folder.
    monkeypatch.setattr(StaticFilesHandler, "_should_handle", lambda self, path: False)
    settings.STATIC_ROOT = production_static
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATICFILES_DIRS = [production_static, *settings.STATICFILES_DIRS]


def _controlled(page) -> None:
    """Wait until the service worker controls the page (reloading it if the worker became
    active without claiming it, as after the logout's Clear-Site-Data removed the last one)."""
    for _ in range(3):
        try:
            page.wait_for_function(
                "() => navigator.serviceWorker.controller !== null", timeout=10_000
            )
            return
        except PlaywrightTimeout:
            page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def _wait_kept(page, cache: str, path: str) -> None:
    page.wait_for_function(
        f"() => ({KEPT})({json.dumps(cache)}).then(k => k.includes({json.dumps(path)}))"
    )


def _light_pages(browser, live_server, user, paths: list[str]) -> dict:
    """Bytes transferred and time to a usable page on the second visit of each path (and the
    inbox's first visit with an empty cache), on a 400 kbps link with 400 ms latency; the
    service worker is kept out so that what is measured is what any browser transfers."""
    context = browser.new_context(
        viewport={"width": 360, "height": 760}, locale="en-US", service_workers="block"
    )
    page = context.new_page()
    try:
        log_in(page, live_server, HOST, user.username)
        _verified(page)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes: dict[str, int] = {}
        urls: dict[str, str] = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
        )
        figures = {}

        def visit(key: str, path: str) -> None:
            sizes.clear()
            start = time.monotonic()
            page.goto(url_on(live_server, HOST, path), wait_until="commit")
            page.locator("main h1").first.wait_for()
            if path == paths[0]:
                page.get_by_test_id("inbox-row").first.wait_for()
            usable = time.monotonic() - start
            page.wait_for_load_state("networkidle")
            figures[key] = {
                "bytes": int(sum(sizes.values())),
                "usable_s": round(usable, 2),
                "by": {urlsplit(urls.get(k, k)).path: v for k, v in sizes.items() if v},
            }

        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 400,
                "downloadThroughput": 400_000 / 8,
                "uploadThroughput": 400_000 / 8,
            },
        )
        cdp.send("Network.clearBrowserCache")
        visit("inbox_first", paths[0])  # an empty cache: the first visit
        visit("letter_first", paths[1])
        visit("inbox", paths[0])  # the second visits
        visit("letter", paths[1])
        return figures
    finally:
        context.close()


def test_offline_reading_confidential_never_kept_and_wipes(live_server, browser, production_like):
    # GIVEN an ordinary and a Rahasia letter in Bappeda's inbox
    world = build_world()
    ordinary = sent(world, subject=ORDINARY)
    secret = incoming_register(
        unit=world.units["bappeda"],
        by=world.bappeda_clerk,
        sender_name="PT Pos Indonesia",
        subject=SECRET,
        received_date=tenant_today(world.tenant),
        scan=SimpleUploadedFile("scan.pdf", PDF, "application/pdf"),
        security="rahasia",
        addressed_position=world.positions["kaban_bappeda"],
    ).letter
    inbox = reverse("correspondence:inbox")
    ordinary_url = reverse("correspondence:letter", args=[ordinary.pk])
    secret_url = reverse("correspondence:letter", args=[secret.pk])
    context = browser.new_context(viewport={"width": 360, "height": 760}, locale="en-US")
    page = context.new_page()
    try:
        log_in(page, live_server, HOST, world.bappeda_head.username)
        _verified(page)
        # WHEN the head opens the inbox: the tenant's manifest is linked and the worker controls
        page.goto(url_on(live_server, HOST, inbox))
        manifest = page.evaluate(
            "() => fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
        )
        assert manifest["name"] == world.tenant.app_name
        assert manifest["theme_color"] == world.tenant.primary_colour
        _controlled(page)
        # AND reads the inbox, the ordinary letter and the Rahasia one online
        page.goto(url_on(live_server, HOST, inbox))
        page.goto(url_on(live_server, HOST, ordinary_url))
        page.goto(url_on(live_server, HOST, secret_url))
        assert SECRET in page.content()
        _wait_kept(page, "naskah-letters", ordinary_url)
        _wait_kept(page, "naskah-lists", inbox)

        # THEN nothing of the Rahasia letter is on the device; the inbox copy masks it
        dump = page.evaluate(DEVICE_DUMP)
        assert ORDINARY in dump
        assert SECRET not in dump and secret_url not in dump
        kept_inbox = page.evaluate(
            "(p) => caches.open('naskah-lists')"
            ".then(c => c.match(location.origin + p, {ignoreVary: true})).then(r => r.text())",
            inbox,
        )
        assert 'data-testid="masked-subject"' in kept_inbox and ORDINARY in kept_inbox

        # WHEN the network goes away
        context.set_offline(True)
        page.goto(url_on(live_server, HOST, inbox))
        # THEN the inbox and the letter read from the device, the Rahasia row masked
        assert page.get_by_test_id("inbox-row").count() == 2
        assert page.get_by_test_id("masked-subject").count() == 1
        assert SECRET not in page.content()
        page.goto(url_on(live_server, HOST, ordinary_url))
        assert ORDINARY in page.content()
        # AND a page not kept, or the Rahasia letter, shows the offline page with what is kept
        for path in (reverse("correspondence:outbox"), secret_url):
            page.goto(url_on(live_server, HOST, path))
            page.get_by_test_id("offline-page").wait_for()
        page.get_by_test_id("offline-letters").locator(f"a[href='{ordinary_url}']").wait_for()
        context.set_offline(False)

        # WHEN the head logs out THEN the device keeps nothing
        page.goto(url_on(live_server, HOST, inbox))
        page.locator("details.menu summary").click()
        page.locator("form[data-logout] button").click()
        page.wait_for_url("**/accounts/login/**")
        assert page.evaluate(KEPT, "naskah-letters") == []
        assert page.evaluate(KEPT, "naskah-lists") == []

        # WHEN they log in again, read, and their session is ended on the server
        log_in(page, live_server, HOST, world.bappeda_head.username)
        _verified(page)
        page.goto(url_on(live_server, HOST, inbox))
        _controlled(page)
        page.goto(url_on(live_server, HOST, ordinary_url))
        _wait_kept(page, "naskah-letters", ordinary_url)
        Session.objects.all().delete()
        # THEN the next page they open (the login page) wipes what the device kept
        page.goto(url_on(live_server, HOST, inbox))
        page.wait_for_url("**/accounts/login/**")
        assert page.evaluate(KEPT, "naskah-letters") == []
        assert page.evaluate(KEPT, "naskah-lists") == []
    finally:
        context.close()

    # WHEN the inbox and a letter are opened again on a slow link
    figures = _light_pages(browser, live_server, world.bappeda_clerk, [inbox, ordinary_url])
    print("light pages:", figures)  # noqa: T201 (the figures the README quotes)
    # THEN each transfers under 60 KB and the inbox is usable within 3 s
    assert figures["inbox"]["bytes"] < LIGHT_BYTES, figures
    assert figures["letter"]["bytes"] < LIGHT_BYTES, figures
    assert figures["inbox"]["usable_s"] < 3, figures
