import errno
import logging
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .memo import request_memo_scope

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
log = logging.getLogger("naskah")


class LocaleMiddleware:
    """Indonesian unless the user chose another language with the switch (a cookie).

    Django's own LocaleMiddleware follows the browser's Accept-Language, which would show
    English to most civil servants whose phones are set to English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


SESSION_SEEN_KEY = "_naskah_seen"


class SessionRefreshMiddleware:
    """Sessions end after `SESSION_COOKIE_AGE` of inactivity, yet a session is written at most
    once per `NASKAH_SESSION_REFRESH` seconds instead of on every request (Django's
    SESSION_SAVE_EVERY_REQUEST costs a write and a commit per page). Sits right below
    SessionMiddleware, which saves what this marks as modified."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():  # no cookie, or a session just ended (logout)
            return response
        seen = session.get(SESSION_SEEN_KEY, 0)
        if session.is_empty():  # the cookie named a session that has ended: start none
            return response
        now = int(time.time())
        # A stamp from the future (another replica's clock runs ahead) counts as stale.
        if session.modified or not 0 <= now - seen < settings.SESSION_REFRESH:
            session[SESSION_SEEN_KEY] = now
        return response


class RequestIdMiddleware:
    """Give each request an id (the proxy's X-Request-ID when it is sane, else a new one),
    put it on every log line of the request and on the response; open its memo scope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _sane_id(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        try:
            with request_memo_scope():
                response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _sane_id(value: str) -> bool:
    return 8 <= len(value) <= 64 and all(c.isalnum() or c in "-_." for c in value)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (`-` outside a request)."""

    def filter(self, record):
        record.request_id = REQUEST_ID.get()
        return True


STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class StorageFullMiddleware:
    """A disk (or quota) that is full answers 507 with a message saying nothing was saved,
    instead of a 500: the transaction of the request rolled back, and the half-written file
    was removed by the storage (ops.storage)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OSError) or exception.errno not in STORAGE_FULL:
            return None
        log.critical("file storage is full: %s", exception)
        message = _(
            "The file storage is full, so nothing was saved. Try again later; the "
            "administrator has been alerted."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(message), "code": "storage_full"}, status=507)
        return HttpResponse(
            render_to_string("storage_full.html", {"message": message}, request=request),
            status=507,
        )


class PageGZipMiddleware(GZipMiddleware):
    """Compresses pages and other text the app renders (whitenoise compresses static files);
    files, images and streams pass untouched. Django's gzip pads each response with random
    bytes (a mitigation of BREACH for pages that carry a CSRF token)."""

    TEXT = ("text/", "application/json", "application/javascript", "application/manifest+json")

    def process_response(self, request, response):
        if response.streaming or not response.get("Content-Type", "").startswith(self.TEXT):
            return response
        return super().process_response(request, response)
