"""The installable app's server side: the service worker script (built from assets/sw.js into
static/vendor/sw.js by scripts/build-assets.mjs), the offline page it falls back to, and the
logout that wipes the device. What the worker may store is decided per response by
core/offline.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from core.offline import WIPE_HEADER

SW_FILE = "vendor/sw.js"
# The static files every page needs: kept by the worker at install, so the offline page and
# the pages kept for offline reading show as they do online.
SHELL = ("css/naskah.css", "vendor/htmx.min.js", "js/naskah.js", "vendor/pwa.js")
_source_cache: dict[tuple[str, float], bytes] = {}


def _sw_source() -> bytes:
    path = finders.find(SW_FILE)
    if not path and staticfiles_storage.exists(SW_FILE):
        path = staticfiles_storage.path(SW_FILE)
    if not path:
        raise Http404("service worker not built (make assets)")
    key = (str(path), Path(path).stat().st_mtime)
    if key not in _source_cache:
        _source_cache.clear()
        _source_cache[key] = Path(path).read_bytes()
    return _source_cache[key]


def _config(request, source: bytes) -> dict:
    """What the worker needs from the server: the shell to keep (with the hashed names of this
    deployment), the pages it may keep for offline reading, and where login lives."""
    shell = [static(name) for name in SHELL]
    tenant = request.tenant
    stamp = f"{tenant.pk}:{tenant.updated_at.isoformat()}" if tenant else "-"
    version = hashlib.sha256(
        source + json.dumps([shell, stamp, get_language()]).encode()
    ).hexdigest()[:16]
    plain = settings.STATIC_URL
    precache = [
        {"url": url, "revision": None if url != plain + name else version}
        for url, name in zip(shell, SHELL, strict=True)
    ]
    offline = reverse("offline")
    precache.append({"url": offline, "revision": version})
    if tenant:
        precache.append({"url": reverse("branding-css"), "revision": version})
    return {
        "version": version,
        "precache": precache,
        "offline": offline,
        "login": reverse("login"),
        "lists": [
            reverse("correspondence:inbox"),
            reverse("scheduling:calendar"),
            # The outage sheet: the unit's pre-issued numbers, at hand when the server is not.
            reverse("correspondence:outage-sheet"),
        ],
        "letters": reverse("correspondence:letter", args=[0]).replace("0/", ""),
        "static": plain,
        "branding": [reverse("branding-css"), "/branding/", reverse("web-manifest")],
    }


@require_GET
def service_worker(request):
    """The service worker for the whole site, with its configuration in front of it."""
    source = _sw_source()
    head = f"self.__NASKAH = {json.dumps(_config(request, source))};\n".encode()
    response = HttpResponse(head + source, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline_page(request):
    """The page the worker shows for a page it does not keep: no user data in it (it is
    kept at install), the list of what it keeps is filled in by vendor/pwa.js."""
    return render(
        request,
        "offline.html",
        {
            "inbox": reverse("correspondence:inbox"),
            "calendar": reverse("scheduling:calendar"),
            "outage_sheet": reverse("correspondence:outage-sheet"),
        },
    )


class LogoutView(auth_views.LogoutView):
    """Django's logout, whose response tells the browser to drop what the site stored (the
    page script wiped the worker's caches before; this also covers a page without it)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response[WIPE_HEADER[0]] = WIPE_HEADER[1]
        return response
