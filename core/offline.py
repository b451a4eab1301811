"""What a device may keep for offline reading: the response headers the service worker obeys.

The service worker (assets/sw.js) stores a page only when its response says
`X-Naskah-Offline: store`, which only views decorated with `offline_page` can earn (a positive
allow-list), and never one marked `X-Naskah-Confidential: 1` (sent with `Cache-Control:
no-store, private` for any page or file that shows Rahasia or Sangat Rahasia content). A list
page with confidential rows is marked too; the service worker then asks for the same URL again
with `X-Naskah-Offline-Copy: 1`, for which the view renders those rows masked (`mask_rows`),
and stores that copy instead. Every response of the app names the session it was made for in
`X-Naskah-Session` (a keyed hash of the session key, "-" when nobody is logged in): the service
worker wipes what it stored when the tag changes (logout, expiry, a session ended elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.functional import SimpleLazyObject

STORE_HEADER = "X-Naskah-Offline"
CONFIDENTIAL_HEADER = "X-Naskah-Confidential"
SESSION_HEADER = "X-Naskah-Session"
USER_HEADER = "X-Naskah-User"
COPY_HEADER = "X-Naskah-Offline-Copy"
NO_SESSION = "-"
# A logout response: the browser drops the site's caches and storage (service worker included).
WIPE_HEADER = ("Clear-Site-Data", '"cache", "storage"')


def offline_page(view: Callable) -> Callable:
    """A page the service worker may keep for offline reading (unless it is confidential)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.naskah_offline = True
        return view(request, *args, **kwargs)

    return wrapped


def mark_confidential(request: HttpRequest, *, confidential: bool = True) -> None:
    """Note that the response to this request shows Rahasia or Sangat Rahasia content."""
    if confidential:
        request.naskah_confidential = True


def is_offline_copy(request: HttpRequest) -> bool:
    """The service worker asks for the copy of a list it may keep (confidential rows masked)."""
    return request.method == "GET" and request.headers.get(COPY_HEADER) == "1"


def mask_rows(request: HttpRequest, *, any_confidential: bool) -> bool:
    """Whether a list page must mask its confidential rows: only in the offline copy; a page
    that shows them unmasked is marked confidential."""
    if not any_confidential:
        return False
    if is_offline_copy(request):
        return True
    mark_confidential(request)
    return False


def confidential_response(response: HttpResponse) -> HttpResponse:
    """Mark a response that carries confidential content: no cache and no device keeps it."""
    response[CONFIDENTIAL_HEADER] = "1"
    response["Cache-Control"] = "private, no-store"
    return response


def session_tag(request: HttpRequest) -> str:
    """A keyed hash naming the request's session, never the key; "-" without a login."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    key = session.session_key if session is not None else None
    if user is None or not user.is_authenticated or not key:
        return NO_SESSION
    return salted_hmac("naskah.offline.session", key, algorithm="sha256").hexdigest()[:24]


def user_tag(request: HttpRequest) -> str:
    """A keyed hash naming the logged-in user (the same across their sessions), "-" without
    one: the device's queued actions belong to it, and a new user on the device wipes them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return NO_SESSION
    return salted_hmac("naskah.offline.user", str(user.pk), algorithm="sha256").hexdigest()[:24]


class OfflineHeadersMiddleware:
    """Sets the offline headers on every response (after the view decided what it shows)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # base.html hands it to the page's queue (data-offline-user): asked for lazily
        request.naskah_user_tag = SimpleLazyObject(lambda: user_tag(request))
        response = self.get_response(request)
        response[SESSION_HEADER] = session_tag(request)
        response[USER_HEADER] = user_tag(request)
        if getattr(request, "naskah_confidential", False):
            confidential_response(response)
        elif (
            getattr(request, "naskah_offline", False)
            and request.method == "GET"
            and response.status_code == 200
            and CONFIDENTIAL_HEADER not in response
        ):
            response[STORE_HEADER] = "store"
            # The HTTP cache must not hand the page to another session (the SW keeps it).
            response["Cache-Control"] = "no-cache, private"
        if getattr(request, "naskah_offline", False):
            patch_vary_headers(response, [COPY_HEADER])
        return response
