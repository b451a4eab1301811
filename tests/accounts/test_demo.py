"""The demo: known authenticators for demo users, the tenant's logo and colours on the
two-step pages, date filters that say "date", links in the signed PDF on the served port."""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.management.commands.demo_totp import demo_key
from archive.forms import RecordFilterForm
from correspondence.forms import InboxFilterForm
from correspondence.pdf.build import verify_url
from organizations.models import User
from tests.conftest import client_for, host_of
from tests.correspondence.helpers import signed

pytestmark = pytest.mark.django_db

TENANTS = Path(__file__).resolve().parents[2] / "tenants"


def test_demo_users_get_a_known_authenticator_and_a_code_command(settings):
    # GIVEN the Medan demo tenant, loaded as `make run` does
    settings.DEBUG = True
    call_command("load_tenant", str(TENANTS / "medan-mini.yaml"), stdout=io.StringIO())
    # WHEN its demo users are enrolled
    call_command("demo_totp", "--enrol", str(TENANTS / "medan-mini.yaml"), stdout=io.StringIO())
    # THEN the signers have a confirmed authenticator with the key derived from their name
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert devices.exists()
    for device in devices:
        assert bytes.fromhex(device.key) == demo_key(device.user.username)
    # AND the command prints a code their authenticator accepts
    head = devices[0]
    out = io.StringIO()
    call_command("demo_totp", head.user.username, stdout=out, stderr=io.StringIO())
    assert head.verify_token(out.getvalue().strip())
    # AND a user without one is told so
    plain = User.objects.exclude(totpdevice__isnull=False).first()
    with pytest.raises(CommandError):
        call_command("demo_totp", plain.username, stdout=io.StringIO())


def test_demo_authenticators_are_refused_outside_the_embedded_default(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", "--enrol", str(TENANTS / "medan-mini.yaml"))


def test_the_two_step_pages_show_the_tenant_logo_and_colours(world):
    # GIVEN a signer who has not passed the second step, and a tenant with a logo
    world.tenant.logo.save("medan.png", ContentFile(b"\x89PNG\r\n\x1a\nfake"), save=True)
    client = client_for(world.head, verified=False)
    page = client.get(reverse("home"), follow=True)
    assert "/account/two-step/" in page.redirect_chain[-1][0]
    # WHEN the page's logo and colours are asked for
    logo = client.get(reverse("branding-logo"))
    css = client.get(reverse("branding-css"))
    # THEN they are served, not redirected to the two-step page
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"
    assert css.status_code == 200 and "css" in css["Content-Type"]


@pytest.mark.parametrize("form", [RecordFilterForm, InboxFilterForm])
def test_date_filters_name_a_date_not_an_addressee(form):
    with translation.override("en"):
        fields = form.base_fields
        assert (str(fields["date_from"].label), str(fields["date_to"].label)) == (
            "From date",
            "Until date",
        )


def test_the_signed_pdf_links_to_the_served_port(world, settings):
    # GIVEN the embedded default served on port 8000 (`make run` exports NASKAH_PUBLIC_PORT to
    # the web server and the workers alike)
    settings.NASKAH_PUBLIC_SCHEME, settings.NASKAH_PUBLIC_PORT = "http", 8000
    # WHEN a letter is signed
    letter = signed(world)
    # THEN the verification link its PDF carries names the host and the port
    assert verify_url(letter) == f"http://{host_of(world.tenant)}:8000/v/{letter.verify_token}"
