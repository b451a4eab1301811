from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .permissions import has_second_factor, needs_second_factor
from .selectors import second_factor_enrolled

# Paths a signed-in user may reach before the second step.
OPEN_PREFIXES = (
    "/account/two-step/",
    "/accounts/logout/",
    "/static/",
    "/i18n/",
    "/healthz",
    "/readyz",
    "/v/",
    # The tenant's colours and logo: the two-step pages show them too (a redirect broke them).
    "/branding.css",
    "/branding/logo",
    # The installable app's parts (core/offline.py, naskah/pwa.py): no user data in them.
    "/branding/icon-",
    "/manifest.webmanifest",
    "/sw.js",
)
# Exact paths open before the second step: the offline page (no user data). Its neighbours
# (`/offline/actions/`, which applies queued actions) are not: they need the second factor.
OPEN_PATHS = frozenset({"/offline/"})


class SecondFactorMiddleware:
    """Signers and tenant administrators verify a second factor (TOTP) before anything else:
    pages redirect to enrolment or verification, the session API answers 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and request.path not in OPEN_PATHS
            and not has_second_factor(user)  # first: a verified session needs no query
            and needs_second_factor(user)
        ):
            if request.path.startswith("/api/") or request.content_type == "application/json":
                return JsonResponse(
                    {
                        "error": "second_factor_required",
                        "detail": "Verify your second factor in the web app first.",
                    },
                    status=403,
                )
            enrolled = second_factor_enrolled(user)
            target = "accounts:two-step-verify" if enrolled else "accounts:two-step-enrol"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
