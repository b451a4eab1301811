"""Accounts, the API and pages under attack: lockout, second factor, tokens, deactivation,
rate limits, redirects, XSS, CSP and the security log."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.throttling import UserRateThrottle

from accounts.models import ApiToken
from accounts.permissions import SecondFactorRequired, needs_second_factor
from accounts.services import api_token_create, user_deactivate
from correspondence import services as svc
from correspondence.choices import LetterState
from correspondence.models import LetterType
from correspondence.pdf.build import letter_pdf
from organizations.choices import RoleKind
from organizations.services import role_grant
from tests.conftest import client_for, host_of
from tests.correspondence.helpers import draft, signed, through_review
from workflows.models import SecurityEvent
from workflows.selectors import audit_verify


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- lockout ---
def test_lockout_after_five_failures_even_with_the_right_password(world, password, settings):
    client = Client(HTTP_HOST=host_of(world.drafter))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, world.drafter.username, "salah-sekali").status_code == 200
    assert _login(client, world.drafter.username, "salah-sekali").status_code == 429
    locked = _login(client, world.drafter.username, password)
    assert locked.status_code == 429 and b'data-testid="locked"' in locked.content
    # another user on the same office IP is not locked
    other = Client(HTTP_HOST=host_of(world.colleague))
    assert _login(other, world.colleague.username, password).status_code == 302
    failed = SecurityEvent.objects.filter(
        kind="login.failed", detail__username=world.drafter.username
    )
    assert failed.count() >= settings.AXES_FAILURE_LIMIT


def test_a_successful_login_is_logged_with_the_address(world, password):
    client = Client(HTTP_HOST=host_of(world.colleague), REMOTE_ADDR="10.20.30.40")
    assert _login(client, world.colleague.username, password).status_code == 302
    event = SecurityEvent.objects.filter(kind="login", user=world.colleague).get()
    assert event.ip_address == "10.20.30.40"
    page = client.get(reverse("accounts:account"))
    assert b"10.20.30.40" in page.content


# --- second factor ---
@pytest.mark.parametrize(
    ("persona", "needs"),
    [
        ("head", True),
        ("reviewer2", True),
        ("tenant_admin", True),
        ("drafter", False),
        ("clerk", False),
        ("bappeda_staff", False),
    ],
)
def test_who_needs_a_second_factor(world, persona, needs):
    assert needs_second_factor(world.users[persona]) is needs


def test_signing_is_refused_without_the_second_factor(world, password):
    letter = through_review(world, draft(world))
    with pytest.raises(SecondFactorRequired):
        svc.letter_sign_request(letter=letter, by=world.head, password=password)
    letter.refresh_from_db()
    assert letter.state == LetterState.APPROVED
    # the unverified session reaches no page and no session API
    unverified = client_for(world.head, verified=False)
    page = unverified.get(reverse("correspondence:letter", args=[letter.pk]))
    assert page.status_code == 302 and "/account/two-step/" in page["Location"]
    api = unverified.post(
        reverse("api:letter-sign", args=[letter.pk]),
        {"password": password},
        content_type="application/json",
    )
    assert api.status_code == 403 and api.json()["error"] == "second_factor_required"


def test_a_token_must_carry_a_code_to_sign(world, password):
    letter = through_review(world, draft(world))
    key = api_token_create(user=world.head, name="mobile", scope="write")
    device = TOTPDevice.objects.create(user=world.head, name="phone", confirmed=True)
    api = Client(HTTP_HOST=host_of(world.head), HTTP_AUTHORIZATION=f"Token {key}")
    url = reverse("api:letter-sign", args=[letter.pk])
    refused = api.post(url, {"password": password}, content_type="application/json")
    assert refused.status_code == 403
    wrong = api.post(url, {"password": password, "otp": "000000"}, content_type="application/json")
    assert wrong.status_code == 403
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code slows the next attempt down (django-otp throttling)
    ok = api.post(
        url,
        {"passphrase": password, "otp": f"{totp(device.bin_key):06d}"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    letter.refresh_from_db()
    assert letter.state == LetterState.SIGNED


def test_enrolment_and_verification_pages(world):
    client = client_for(world.head, verified=False)
    enrol = client.get(reverse("accounts:two-step-enrol"))
    assert b'data-testid="totp-qr"' in enrol.content
    device = TOTPDevice.objects.get(user=world.head, confirmed=False)
    bad = client.post(reverse("accounts:two-step-enrol"), {"code": "123456"})
    assert bad.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post(
        reverse("accounts:two-step-enrol"),
        {"code": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"},
    )
    assert ok.status_code == 302 and ok["Location"] == "/"  # never an open redirect
    assert client.get(reverse("home")).status_code == 200
    # a new session verifies with the confirmed device
    again = client_for(world.head, verified=False)
    assert "/verify/" in again.get(reverse("home"))["Location"]


# --- tokens, deactivation ---
def test_token_scopes_and_revocation(world):
    read = api_token_create(user=world.drafter, name="dashboard", scope="read")
    write = api_token_create(user=world.drafter, name="mobile", scope="write")
    url = reverse("api:letter-list")
    body = {
        "letter_type": "surat_dinas",
        "subject": "Uji",
        "recipients": [{"kind": "to", "unit": world.units["bappeda"].pk}],
    }

    def call(key, method="get"):
        client = Client(HTTP_HOST=host_of(world.drafter), HTTP_AUTHORIZATION=f"Token {key}")
        if method == "get":
            return client.get(url)
        return client.post(url, body, content_type="application/json")

    assert call(read).status_code == 200
    assert call(read, "post").status_code == 403
    assert call(write, "post").status_code == 201
    assert call("not-a-token").status_code == 401

    ApiToken.objects.filter(prefix=write[:8]).update(expires_at=timezone.now() - dt.timedelta(1))
    assert call(write).status_code == 401


def test_deactivation_ends_sessions_and_tokens_at_once(world):
    key = api_token_create(user=world.drafter, name="mobile", scope="read")
    session = client_for(world.drafter)
    assert session.get(reverse("home")).status_code == 200
    admin = client_for(world.tenant_admin)
    page = admin.get(reverse("org-person", args=[world.drafter.pk]))
    assert b'data-testid="deactivate"' in page.content
    assert (
        admin.post(reverse("accounts:user-deactivate", args=[world.drafter.pk])).status_code == 302
    )
    assert session.get(reverse("home")).status_code == 302
    token = Client(HTTP_HOST=host_of(world.drafter), HTTP_AUTHORIZATION=f"Token {key}")
    assert token.get(reverse("api:letter-list")).status_code == 401
    # only a tenant admin of the same tenant, and never oneself
    with pytest.raises(PermissionDenied):
        user_deactivate(user=world.colleague, by=world.reviewer)
    with pytest.raises(PermissionDenied):
        user_deactivate(user=world.tenant_admin, by=world.tenant_admin)
    foreign = client_for(world.foreign_admin)
    assert (
        foreign.post(reverse("accounts:user-deactivate", args=[world.colleague.pk])).status_code
        == 404
    )


# --- API limits ---
def test_rate_limit_answers_429_with_the_error_body(world, settings):
    original = UserRateThrottle.THROTTLE_RATES
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/min"}
    UserRateThrottle.THROTTLE_RATES = rates
    try:
        client = client_for(world.drafter)
        codes = [client.get(reverse("api:letter-list")).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        assert client.get(reverse("api:letter-list")).json()["error"] == "throttled"
    finally:
        UserRateThrottle.THROTTLE_RATES = original


def test_page_size_is_capped(world):
    response = client_for(world.drafter).get(reverse("api:letter-list"), {"page_size": 5000})
    assert response.status_code == 200
    assert "page_size=100" in (response.json().get("next") or "page_size=100")


# --- web ---
XSS = (
    '<p>Halo</p><script>alert(1)</script><img src=x onerror="alert(2)">'
    '<a href="javascript:alert(3)">klik</a><p onclick="alert(4)">x</p>'
)


def test_stored_xss_renders_inert_in_page_and_pdf(world):
    letter = draft(world, body=XSS)
    assert "<script" not in letter.body and "onerror" not in letter.body
    assert "javascript:" not in letter.body and "onclick" not in letter.body
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[letter.pk]))
    html = page.content.decode()
    assert "alert(1)</script>" not in html and "onerror" not in html
    assert "javascript:alert" not in html
    pdf = letter_pdf(signed(world, body=XSS))
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/OpenAction" not in pdf


def test_pages_have_csp_without_inline_scripts(world):
    client = client_for(world.drafter)
    for url in (
        reverse("home"),
        reverse("correspondence:inbox"),
        reverse("accounts:account"),
        reverse("notifications:centre"),
    ):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response["X-Frame-Options"] == "DENY"
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
        assert inline == [], url


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_no_open_redirects(world, target, password):
    letter = draft(world)
    response = client_for(world.drafter).post(
        reverse("correspondence:comment", args=[letter.pk]), {"text": "ok", "back": target}
    )
    assert "evil" not in response["Location"] and "javascript" not in response["Location"]
    login = Client(HTTP_HOST=host_of(world.colleague)).post(
        reverse("login") + "?next=" + target,
        {"username": world.colleague.username, "password": password, "next": target},
    )
    assert login.status_code == 302 and login["Location"] == "/"


def test_a_rejected_upload_keeps_the_rest_of_the_form(world):
    client = client_for(world.drafter)
    form = {
        "letter_type": world.tenant.pk,
        "subject": "Subjek yang tidak boleh hilang",
        "attachment": SimpleUploadedFile("laporan.pdf", b"<html></html>", "application/pdf"),
    }

    form["letter_type"] = LetterType.objects.get(tenant=world.tenant, code="surat_dinas").pk
    response = client.post(reverse("correspondence:compose"), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "laporan.pdf" in html and "Subjek yang tidak boleh hilang" in html


# --- audit ---
def test_permission_changes_are_in_the_tamper_evident_log(world):
    role_grant(user=world.colleague, kind=RoleKind.REGISTRY_CLERK, unit=world.units["kominfo"])
    event = SecurityEvent.objects.filter(kind="role.granted").latest("id")
    assert event.object_id == world.colleague.pk and event.tenant_id == world.tenant.pk
    assert audit_verify() == []
    SecurityEvent.objects.filter(pk=event.pk).update(detail={"role": "tenant_admin"})
    assert audit_verify() != []


@pytest.mark.parametrize(
    ("persona", "status"),
    [("tenant_admin", 200), ("head", 403), ("drafter", 403), ("foreign_admin", 200)],
)
def test_only_tenant_admins_read_their_own_security_log(world, persona, status):
    role_grant(user=world.colleague, kind=RoleKind.REGISTRY_CLERK, unit=world.units["kominfo"])
    user = world.users[persona]
    client = client_for(user)
    assert client.get(reverse("accounts:security-events")).status_code == status
    api = client.get(reverse("api:security-event-list"))
    assert api.status_code == status
    if status == 200:
        tenants = {e["id"] for e in api.json()["results"]}
        own = set(SecurityEvent.objects.filter(tenant=user.tenant).values_list("id", flat=True))
        assert tenants <= own


@pytest.mark.parametrize("who", ["reviewer", "foreign_admin", "colleague"])
def test_revoking_or_deactivating_what_is_not_yours_answers_as_unknown(world, who):
    """Another person's token and an account one may not administer answer the 404 of an
    unknown id, in one's own tenant as in another (never a 403 that confirms the id)."""

    api_token_create(user=world.drafter, name="mobile", scope="read")
    token = ApiToken.objects.get(user=world.drafter)
    client = client_for(getattr(world, who))
    unknown = 2_000_000_000
    for name, pk in (("token-revoke", token.pk), ("user-deactivate", world.drafter.pk)):
        got = client.post(reverse(f"accounts:{name}", args=[pk])).status_code
        missing = client.post(reverse(f"accounts:{name}", args=[unknown])).status_code
        assert got == missing == 404, name
    token.refresh_from_db()
    world.drafter.refresh_from_db()
    assert token.revoked_at is None and world.drafter.is_active
    # the owner revokes their own token; the tenant's administrator may too
    own = client_for(world.drafter)
    assert own.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 302
