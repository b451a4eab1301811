"""Tenancy: the host decides the tenant; nobody reaches another tenant's rows."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_token_create
from correspondence.models import LetterTemplate, LetterType
from intake.models import Mailbox
from organizations.middleware import TenantMiddleware
from organizations.models import Assignment, Position, Tenant, TenantDomain, Unit, UnitRole, User
from organizations.selectors import tenant_cache_clear
from scheduling.models import CalendarSettings, Room
from tests.conftest import client_for, host_of
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def tenant_models() -> list[type]:
    return [
        m
        for m in apps.get_models()
        if any(f.name == "tenant" and f.is_relation for f in m._meta.get_fields())
    ]


# Every model that carries `tenant`: how to find a sample row in the Medan tenant, and the
# routes that expose one row by id. A new tenant model must be added here, or this fails.
SAMPLES = {
    Unit: lambda w: w.units["kominfo"],
    Position: lambda w: w.positions["kadis_kominfo"],
    User: lambda w: w.head,
    Assignment: lambda w: w.head.assignments.first(),
    UnitRole: lambda w: w.clerk.roles.first(),
    TenantDomain: lambda w: w.tenant.domains.first(),
    Room: lambda w: Room.objects.get_or_create(
        tenant=w.tenant, code="AULA", defaults={"name": "Aula"}
    )[0],
    CalendarSettings: lambda w: CalendarSettings.objects.get_or_create(tenant=w.tenant)[0],
    LetterTemplate: lambda w: LetterTemplate.objects.get_or_create(
        tenant=w.tenant,
        code="undangan-rapat",
        defaults={
            "name": "Undangan rapat",
            "letter_type": LetterType.objects.get(tenant=w.tenant, code="undangan"),
            "body": "<p>Kepada {penerima}</p>",
        },
    )[0],
    Mailbox: lambda w: Mailbox.objects.get_or_create(
        tenant=w.tenant,
        code="tu-kominfo",
        defaults={
            "unit": w.units["kominfo"],
            "host": "imap.medan.go.id",
            "username": "tu.kominfo@medan.go.id",
            "password_env": "NASKAH_MAIL_TU_KOMINFO",
        },
    )[0],
}
ROUTES = {
    Unit: ["org-unit", "api:unit-detail", "admin:organizations_unit_change"],
    Position: ["org-position", "api:position-detail", "admin:organizations_position_change"],
    User: ["org-person", "api:user-detail", "admin:organizations_user_change"],
    Assignment: ["api:assignment-detail", "admin:organizations_assignment_change"],
    UnitRole: ["api:role-detail", "admin:organizations_unitrole_change"],
    # Domains are edited inline on their tenant's admin page only; that page is the route.
    TenantDomain: ["admin:organizations_tenant_change@tenant"],
    Room: ["scheduling:room", "admin:scheduling_room_change"],
    CalendarSettings: ["admin:scheduling_calendarsettings_change"],
    Mailbox: ["admin:intake_mailbox_change"],
    LetterTemplate: [
        "correspondence:template-fill",
        "admin:correspondence_lettertemplate_change",
    ],
}


# Tenant models whose cross-tenant 404s are proven elsewhere: letters, deliveries and
# dispositions by tests/correspondence/test_access_matrix.py (foreign_user rows) and
# test_api.py; the logs, counters and notifications have no page or API of their own yet.
COVERED_ELSEWHERE = {
    "correspondence.letter",
    "correspondence.delivery",
    "correspondence.disposition",
    "correspondence.lettertype",
    "correspondence.dispositioninstruction",
    "correspondence.addressbookentry",
    "correspondence.numberreservation",
    "correspondence.numbercounter",
    # Outages: recorded and ended by the tenant's administrators only; ending another
    # tenant's, or as anyone else, is a 404 (tests/correspondence/test_outage.py, the
    # permission matrix's foreign_admin and clerk rows).
    "correspondence.outage",
    "correspondence.delegation",
    "workflows.transitionlog",
    "workflows.securityevent",
    "notifications.notification",
    # Signing keys: no page, API or admin exposes them by id; only the signing service reads
    # them, for the signer's own user (tests/correspondence/test_pdf.py).
    "correspondence.signingauthority",
    "correspondence.signercertificate",
    # Signing mandates (a.n., u.b.): no page, API or admin; the tenant file sets them, and the
    # signing rule reads them for the letter type's tenant only
    # (tests/organizations/test_tenantfile_signing.py, tests/correspondence/test_mandates.py).
    "correspondence.signingmandate",
    # Saved recipient groups: no page shows one by id; deleting another tenant's, another
    # user's or a missing group is the same 404 (tests/correspondence/test_picker.py), and the
    # picker offers only the user's own and their tenant's (the generated probe holds a hidden
    # and a foreign one).
    "correspondence.recipientgroup",
    # API tokens: listed only on the owner's account page; revoking a foreign one is a 404
    # (tests/accounts/test_security.py).
    "accounts.apitoken",
    # Events: the tenant admin reads none by role; the page, API and .ics of another tenant's
    # event are 404s in tests/scheduling/test_access_matrix.py ("other tenant"); bookings
    # have no page by id and cancelling a foreign one is a 404 (tests/scheduling/test_rooms.py).
    "scheduling.event",
    "scheduling.roombooking",
    # The archive: a tenant admin is not an archivist, so these rows are not hers to open;
    # every page and API of a record, code, case file, loan, hold, proposal and transfer of
    # another tenant is a 404 in tests/archive/test_access_matrix.py ("foreign" rows). The
    # settings row has no page: the tenant file sets it.
    "archive.record",
    "archive.classification",
    "archive.casefile",
    "archive.loan",
    "archive.legalhold",
    "archive.disposalproposal",
    "archive.transfer",
    "archive.archivesettings",
    # The search vocabulary has no page, API or admin: only the search reads it, for the
    # searching user's tenant (tests/archive/test_search.py).
    "archive.searchterm",
    # How far each security level reaches: no page, API or admin; the tenant file sets it
    # (tests/correspondence/test_reach.py). Every id-taking route is also probed generically
    # by tests/probes/test_tenancy.py.
    "workflows.securityreach",
    # Pending incoming letters: only the unit's agenda clerks open them; another tenant's (and
    # another unit's) page, progress, files, register and discard are 404s in
    # tests/intake/test_pending.py, and the generated probe holds a foreign one.
    "intake.pendingincoming",
    # Letters between deployments: no page, API or admin takes a peer, envelope, arrival or
    # receipt by id; the exchange's views take a tenant slug and accept only what that
    # tenant's pinned peers signed (tests/federation/test_exchange.py: unknown peer, another
    # instance, a receipt about another letter).
    "federation.peer",
    "federation.envelope",
    "federation.arrival",
    "federation.receipt",
    # Actions queued offline: no route takes one by id; /offline/actions/ lists the user's own
    # only, and an action naming another tenant's (or a hidden, or a missing) row is refused
    # alike (tests/offline/test_queue.py).
    "offline.queuedaction",
}


def test_every_tenant_model_has_a_sample_and_routes():
    missing = {
        m
        for m in set(tenant_models()) - set(SAMPLES)
        if m._meta.label_lower not in COVERED_ELSEWHERE
    }
    assert not missing, f"add these tenant models to SAMPLES and ROUTES: {missing}"


def _url(route: str, obj) -> str:
    name, _, attr = route.partition("@")
    target = getattr(obj, attr) if attr else obj
    if name.startswith("admin:"):
        return reverse(name, args=[target.pk])
    return reverse(name, kwargs={"pk": target.pk})


def _cases():
    for model, routes in ROUTES.items():
        for route in routes:
            yield pytest.param(model, route, id=f"{model.__name__}-{route}")


@pytest.mark.parametrize(("model", "route"), list(_cases()))
def test_another_tenants_row_is_a_404_like_a_missing_one(world, model, route):
    # GIVEN a Medan row and a Tangerang tenant administrator
    obj = SAMPLES[model](world)
    client = client_for(world.foreign_admin)
    # WHEN they ask for the Medan row by id on their own host
    response = client.get(_url(route, obj))
    # THEN it is a 404, the same as for an id that does not exist
    assert response.status_code == 404
    if not route.startswith("admin:"):
        missing = _url(route, obj).replace(f"/{obj.pk}/", "/999999999/")
        assert client.get(missing).status_code == 404


@pytest.mark.parametrize(("model", "route"), [c for c in _cases() if "@" not in c.values[1]])
def test_own_tenant_rows_are_reachable(world, model, route):
    obj = SAMPLES[model](world)
    client = client_for(world.tenant_admin)
    assert client.get(_url(route, obj)).status_code == 200


def test_medan_rows_are_not_reachable_through_the_medan_id_on_the_tangerang_host(world):
    # A Medan user's session cannot be replayed on the Tangerang host: sessions are per host,
    # and a session of another tenant is ended by the middleware.
    client = client_for(world.head)
    client.defaults["HTTP_HOST"] = host_of(world.other_tenant)
    response = client.get(reverse("org-unit", kwargs={"pk": world.units["kominfo"].pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_only_on_own_tenant_host(world):
    medan = client_for(tenant=world.tenant)
    ok = medan.post(reverse("login"), {"username": world.head.username, "password": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == reverse("home")

    tangerang = client_for(tenant=world.other_tenant)
    refused = tangerang.post(
        reverse("login"), {"username": world.head.username, "password": PASSWORD}
    )
    assert refused.status_code == 200
    assert "_auth_user_id" not in tangerang.session


def test_unknown_host_shows_the_platform_landing(world, client):
    response = client.get("/", HTTP_HOST="unknown.localhost")
    assert response.status_code == 200
    assert b"medan.localhost" in response.content
    assert client.get("/org/", HTTP_HOST="unknown.localhost").status_code == 404


def test_default_tenant_setting_serves_a_single_city(world, client, settings):
    settings.NASKAH_DEFAULT_TENANT = "medan"
    response = client.get(reverse("login"), HTTP_HOST="127.0.0.1")
    assert b"Sarana" in response.content


def test_each_host_shows_its_own_brand(world):
    for tenant in (world.tenant, world.other_tenant):
        page = client_for(tenant=tenant).get(reverse("login")).content.decode()
        assert f'data-testid="app-name">{tenant.app_name}<' in page
        css = client_for(tenant=tenant).get(reverse("branding-css")).content.decode()
        assert f"--primary: {tenant.primary_colour};" in css


def test_an_inactive_tenant_is_not_served(world):
    Tenant.objects.filter(pk=world.other_tenant.pk).update(is_active=False)

    tenant_cache_clear()
    response = client_for(tenant=world.other_tenant).get(reverse("login"))
    assert response.status_code == 404


def test_api_lists_only_own_tenant_rows(world):
    client = client_for(world.foreign_admin)
    codes = [
        u["code"]
        for u in client.get(reverse("api:unit-list"), {"page_size": 100}).json()["results"]
    ]
    assert "KOMINFO" not in codes and "T_KOMINFO" in codes


def test_token_of_another_tenant_is_refused(world):
    key = api_token_create(user=world.head, name="test", scope="read")
    client = client_for(tenant=world.other_tenant)
    response = client.get(reverse("api:unit-list"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"
    own = client_for(tenant=world.tenant).get(
        reverse("api:unit-list"), HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert own.status_code == 200


@pytest.mark.parametrize(
    ("slug", "zone"), [("medan", "Asia/Jakarta"), ("samarinda", "Asia/Makassar")]
)
def test_requests_run_in_the_tenant_time_zone(world, rf, slug, zone):
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = rf.get("/org/", HTTP_HOST=f"{slug}.localhost")
    request.user = AnonymousUser()
    TenantMiddleware(view)(request)
    assert seen == [zone]
    assert timezone.get_current_timezone_name() == "UTC"  # and back to UTC afterwards
