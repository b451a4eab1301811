"""A new city comes up from its tenant file alone and sends its first letter."""

import pytest
from django.core.management import call_command
from django.test import Client

from correspondence import services as svc
from correspondence.choices import LetterState
from correspondence.models import Delivery, LetterType
from correspondence.signing import certificate_issue
from organizations.models import Position, Tenant, Unit, User

from ..factories import PASSWORD

TENANT_FILE = """
tenant:
  slug: bontang
  name: Pemerintah Kota Bontang
  app_name: Taman Naskah
  city: Bontang
  time_zone: Asia/Makassar
  domains: [bontang.localhost]
  colours: {primary: "#1b5e20", accent: "#fbc02d"}
  letterhead:
    government: PEMERINTAH KOTA BONTANG
    address: Jalan Moh. Roem Nomor 1, Bontang
position_templates:
  agency:
    - {code: KEPALA, title: "Kepala {name}", head: true, signer: true, order: 1}
units:
  - code: WALIKOTA
    name: Wali Kota Bontang
    kind: office
    positions: [{code: WALIKOTA, title: Wali Kota Bontang, head: true, signer: true}]
    children:
      - code: DISKOMINFO
        name: Dinas Komunikasi dan Informatika
        kind: agency
        positions:
          - {code: PRAKOM, title: Pranata Komputer Ahli Pertama, order: 20}
          - {code: PRAKOM-MUDA, title: Pranata Komputer Ahli Muda, order: 21}
      - code: DINKES
        name: Dinas Kesehatan
        kind: agency
users:
  - username: bontang.kadis
    name: Ir. Andi Mappaseng
    nip: "197512122000031001"
    password: Bontang-Kota-Taman-2026
    assignments: [{position: "DISKOMINFO:KEPALA", start: 2025-01-02}]
  - username: bontang.drafter
    name: Wulan Sari
    password: Bontang-Kota-Taman-2026
    assignments: [{position: "DISKOMINFO:PRAKOM", start: 2025-01-02}]
  - username: bontang.kadinkes
    name: dr. Hasanuddin
    password: Bontang-Kota-Taman-2026
    assignments: [{position: "DINKES:KEPALA", start: 2025-01-02}]
  - username: bontang.admin
    name: Admin Bontang
    password: Bontang-Kota-Taman-2026
    assignments: [{position: "DISKOMINFO:PRAKOM-MUDA", start: 2025-01-02}]
    roles: [{role: tenant_admin}]
# A small office: its surat dinas may go straight to the signer (never signed by its drafter).
letter_types:
  - {code: surat_dinas, name: Surat Dinas, direct_to_signer: true}
"""


@pytest.mark.django_db
def test_a_new_city_onboards_from_its_tenant_file_and_sends_a_letter(tmp_path):
    path = tmp_path / "bontang.yaml"
    path.write_text(TENANT_FILE)
    call_command("load_tenant", str(path))
    call_command("init_signing_ca", "bontang")
    tenant = Tenant.objects.get(slug="bontang")
    assert LetterType.objects.filter(tenant=tenant, code="nota_dinas").exists()
    kadis = User.objects.get(username="bontang.kadis")
    drafter = User.objects.get(username="bontang.drafter")
    # the branded login page answers on the new host, and the first admin can log in
    client = Client(HTTP_HOST="bontang.localhost")
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and b"Taman Naskah" in page.content
    login = client.post(
        "/accounts/login/", {"username": "bontang.admin", "password": "Bontang-Kota-Taman-2026"}
    )
    assert login.status_code == 302
    # a tenant admin turns on two-step verification before anything else
    first = client.get("/")
    assert first.status_code == 302 and "/account/two-step/enrol/" in first["Location"]
    enrol = client.get(first["Location"])
    assert enrol.status_code == 200 and b'data-testid="totp-qr"' in enrol.content
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username="bontang.admin", confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    done = client.post(first["Location"], {"code": code, "next": "/"})
    assert done.status_code == 302 and client.get("/").status_code == 200
    letter = svc.letter_create(
        by=drafter,
        letter_type=LetterType.objects.get(tenant=tenant, code="surat_dinas"),
        recipients=[
            svc.RecipientInput(kind="to", unit=Unit.objects.get(tenant=tenant, code="DINKES"))
        ],
        subject="Koordinasi layanan kesehatan digital",
        body="<p>Dengan hormat,</p>",
        signer_position=Position.objects.get(tenant=tenant, unit__code="DISKOMINFO", code="KEPALA"),
    )
    letter = svc.letter_submit(letter=letter, by=drafter, route=[])
    certificate_issue(kadis, passphrase=PASSWORD)  # the head makes their own signing key
    letter = svc.letter_sign(passphrase=PASSWORD, letter=letter, by=kadis)
    letter = svc.letter_send(letter=letter, by=kadis)
    assert letter.state == LetterState.SENT and letter.number.startswith("1/")
    delivery = Delivery.objects.get(letter=letter)
    assert delivery.unit.code == "DINKES" and delivery.tenant == tenant
    from correspondence.signing import pdf_validate

    assert pdf_validate(letter.pdf.open("rb").read(), tenant=tenant).valid
