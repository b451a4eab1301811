"""The installable app's server side (core/offline.py, naskah/pwa.py, organizations/appicons.py):
the manifest and icons per tenant, the service worker script, the offline page, and the
headers that tell the service worker what it may keep (never a confidential page)."""

import datetime as dt
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from core.offline import CONFIDENTIAL_HEADER, COPY_HEADER, SESSION_HEADER, STORE_HEADER
from correspondence import services as correspondence
from scheduling import services as scheduling
from tests.conftest import client_for
from tests.correspondence.helpers import PDF

pytestmark = pytest.mark.django_db

INBOX = "/letters/inbox/"


def test_manifest_and_icons_are_the_tenants(world):
    # GIVEN two tenants on their own hosts, one with a raster logo
    logo = io.BytesIO()
    Image.new("RGB", (64, 32), (10, 200, 30)).save(logo, format="PNG")
    world.other_tenant.logo.save("logo.png", ContentFile(logo.getvalue()))
    for tenant in (world.tenant, world.other_tenant):
        client = client_for(tenant=tenant)  # anonymous: browsers fetch manifests without cookies
        # WHEN the browser asks for the manifest
        r = client.get("/manifest.webmanifest")
        # THEN it carries the tenant's name, colours and icons
        assert r.status_code == 200
        assert r["Content-Type"] == "application/manifest+json"
        data = json.loads(r.content)
        assert data["name"] == tenant.app_name
        assert data["description"] == tenant.name
        assert data["theme_color"] == tenant.primary_colour
        assert (data["start_url"], data["scope"], data["display"], data["lang"]) == (
            "/",
            "/",
            "standalone",
            "id",
        )
        assert [i["sizes"] for i in data["icons"]] == ["192x192", "512x512"]
        for icon in data["icons"]:
            png = client.get(icon["src"])
            assert png.status_code == 200 and png["Content-Type"] == "image/png"
            image = Image.open(io.BytesIO(png.content)).convert("RGB")
            size = int(icon["sizes"].split("x")[0])
            assert image.size == (size, size)
            corner = image.getpixel((2, 2))
            if tenant == world.other_tenant:  # the logo on white, its green in the middle
                assert corner == (255, 255, 255)
                assert image.getpixel((size // 2, size // 2)) == (10, 200, 30)
            else:  # initials on the tenant's colour
                colour = tenant.primary_colour.lstrip("#")
                assert corner == tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
    assert client.get("/branding/icon-100.png").status_code == 404
    assert client.get("/branding/icon-192.png")["Cache-Control"] == "max-age=86400, public"


def test_service_worker_script_and_offline_page(world):
    client = client_for(tenant=world.tenant)
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Cache-Control"] == "no-cache"
    assert r["Service-Worker-Allowed"] == "/"
    head = r.content.split(b"\n", 1)[0].decode()
    assert head.startswith("self.__NASKAH = ")
    config = json.loads(head.removeprefix("self.__NASKAH = ").removesuffix(";"))
    urls = [e["url"] for e in config["precache"]]
    assert "/offline/" in urls and "/branding.css" in urls
    assert config["lists"] == [INBOX, "/calendar/", "/letters/outage/sheet/"]
    # the outage sheet (the unit's pre-issued numbers) may be kept: nothing confidential on it
    sheet = client_for(world.bappeda_staff).get("/letters/outage/sheet/")
    assert sheet.status_code == 200
    assert sheet["X-Naskah-Offline"] == "store"
    # the offline page: no user data, no form token, kept by the worker at install
    page = client_for(world.bappeda_staff).get("/offline/")
    assert page.status_code == 200
    assert b'data-testid="offline-page"' in page.content
    assert b"csrfmiddlewaretoken" not in page.content
    assert world.bappeda_staff.username.encode() not in page.content


def _incoming(world, subject: str, security: str):
    """A letter registered in Bappeda's inbox (cheaper than one signed and sent)."""
    return correspondence.incoming_register(
        unit=world.units["bappeda"],
        by=world.bappeda_clerk,
        sender_name="PT Pos Indonesia",
        subject=subject,
        received_date=correspondence.tenant_today(world.tenant),
        scan=SimpleUploadedFile("scan.pdf", PDF, "application/pdf"),
        security=security,
        addressed_position=world.positions["kaban_bappeda"],
    )


def test_pages_say_what_a_device_may_keep(world):
    # GIVEN an ordinary and a Rahasia letter in Bappeda's inbox
    ordinary = _incoming(world, "Permohonan data biasa", "biasa").letter
    secret_delivery = _incoming(world, "Laporan intelijen rahasia", "rahasia")
    secret = secret_delivery.letter
    client = client_for(world.bappeda_head)
    session_key = client.session.session_key

    # WHEN the head opens the inbox
    r = client.get(INBOX)
    # THEN the page is marked confidential: not kept, not cached
    assert r.status_code == 200 and b"Laporan intelijen rahasia" in r.content
    assert r[CONFIDENTIAL_HEADER] == "1"
    assert "no-store" in r["Cache-Control"]
    assert STORE_HEADER not in r
    tag = r[SESSION_HEADER]
    assert tag not in ("", "-") and session_key not in tag

    # WHEN the service worker asks for the offline copy
    copy = client.get(INBOX, headers={COPY_HEADER: "1"})
    # THEN the confidential row is masked and the copy may be kept
    assert copy[STORE_HEADER] == "store" and CONFIDENTIAL_HEADER not in copy
    assert b"Laporan intelijen rahasia" not in copy.content
    assert b'data-testid="masked-subject"' in copy.content
    assert reverse("correspondence:letter", args=[secret.pk]).encode() not in copy.content
    assert b"Permohonan data biasa" in copy.content
    assert COPY_HEADER in copy["Vary"]

    # the ordinary letter's page may be kept, the Rahasia one never, nor its PDF
    page = client.get(reverse("correspondence:letter", args=[ordinary.pk]))
    assert page[STORE_HEADER] == "store" and page[SESSION_HEADER] == tag
    page = client.get(reverse("correspondence:letter", args=[secret.pk]))
    assert page.status_code == 200 and page[CONFIDENTIAL_HEADER] == "1"
    assert STORE_HEADER not in page
    scan = client.get(reverse("correspondence:attachment", args=[secret.attachments.get().pk]))
    assert scan.status_code == 200 and scan[CONFIDENTIAL_HEADER] == "1"
    # nor the page to disposition it
    form = client.get(reverse("correspondence:disposition-new", args=[secret_delivery.pk]))
    assert form.status_code == 200 and form[CONFIDENTIAL_HEADER] == "1"
    # a page not on the allow-list is never kept
    assert STORE_HEADER not in client.get(reverse("correspondence:outbox"))

    # WHEN the head logs out THEN the browser is told to drop the site's data
    out = client.post(reverse("logout"))
    assert out.status_code == 302
    assert out["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/accounts/login/")[SESSION_HEADER] == "-"


def test_pages_are_compressed(world):
    client = client_for(world.bappeda_staff)
    r = client.get(INBOX, headers={"accept-encoding": "gzip"})
    assert r.status_code == 200 and r["Content-Encoding"] == "gzip"


def test_calendar_offline_copy_masks_confidential_events(world):
    # GIVEN a Rahasia meeting and an ordinary one in the Bappeda head's calendar
    head = world.bappeda_head
    post = head.assignments.first().position
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    for title, security in (("Rapat anggaran terbuka", "biasa"), ("Rapat sandi", "rahasia")):
        scheduling.event_create(
            by=head,
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            organiser_unit=post.unit,
            invite_positions=[post],
            security=security,
        )
    client = client_for(head)
    url = f"/calendar/?view=week&date={timezone.localdate(start):%Y-%m-%d}"
    # WHEN the calendar is opened THEN it shows both and is marked confidential
    page = client.get(url)
    assert b"Rapat sandi" in page.content and page[CONFIDENTIAL_HEADER] == "1"
    # AND its offline copy masks the Rahasia meeting and may be kept
    copy = client.get(url, headers={COPY_HEADER: "1"})
    assert copy[STORE_HEADER] == "store"
    assert b"Rapat sandi" not in copy.content and b"Rapat anggaran terbuka" in copy.content
    assert b'data-testid="masked-event"' in copy.content
