"""Certified providers against real local services: a CSC API service (certomancer-csc-dummy,
scripts/csc_local.py), a BSrE stand-in (scripts/bsre_local.py) and the local TSA
(scripts/pki_services.py), each a subprocess on a free loopback port. Every signed PDF is then
checked with pyHanko directly and with the project's validator."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature

from correspondence import signing
from correspondence.signing import SignSpec
from correspondence.signing.bsre import BSrEAdapter
from correspondence.signing.csc import CSCAdapter
from correspondence.signing.ltv import _pem_file_certs

from .helpers import _one_page_pdf

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
NIP, NIP_REVOKED, NIP_UNKNOWN = "197001011995031001", "197001011995031002", "199901012020121001"
NIK, NIK_EXPIRED, NIK_REVOKED = "3171012345678901", "3171012345678902", "3171012345678903"
PIN, PASSPHRASE = "123456", "passphrase-benar"
SPEC = SignSpec(field_name="Tanda_Tangan_1", reason="Menyetujui", location="Kota", certify=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(script: str, directory: Path, *args: str):
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPTS / script),
            "--port",
            str(port),
            "--dir",
            str(directory),
            *args,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{script} did not start")


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    base = tmp_path_factory.mktemp("providers")
    running = []
    try:
        tsa, tsa_port = _serve("pki_services.py", base / "tsa")
        running.append(tsa)
        csc, csc_port = _serve(
            "csc_local.py",
            base / "csc",
            "--token", "csc-token",
            "--user", f"{NIP}:{PIN}",
            "--user", f"{NIP_REVOKED}:{PIN}:revoked",
        )  # fmt: off
        running.append(csc)
        bsre, bsre_port = _serve(
            "bsre_local.py",
            base / "bsre",
            "--client", "esign:rahasia",
            "--user", f"{NIK}:{PASSPHRASE}",
            "--user", f"{NIK_EXPIRED}:{PASSPHRASE}:expired",
            "--user", f"{NIK_REVOKED}:{PASSPHRASE}:revoked",
        )  # fmt: off
        running.append(bsre)
        yield SimpleNamespace(
            tsa_url=f"http://127.0.0.1:{tsa_port}/naskah-dev/tsa/tsa",
            tsa_root=str(base / "tsa" / "tsa-root.pem"),
            csc_url=f"http://127.0.0.1:{csc_port}",
            csc_root=str(base / "csc" / "root.pem"),
            bsre_url=f"http://127.0.0.1:{bsre_port}",
            bsre_root=str(base / "bsre" / "root.pem"),
        )
    finally:
        for process in running:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def csc(services, settings):
    settings.NASKAH_SIGNING_ADAPTER = "csc"
    settings.NASKAH_TSA_URL = services.tsa_url
    settings.NASKAH_TRUST_ROOTS = [services.tsa_root, services.csc_root]
    settings.NASKAH_CSC_URL = services.csc_url
    settings.NASKAH_CSC_TOKEN = "csc-token"
    settings.NASKAH_CSC_CREDENTIAL_ID = "naskah-csc/{nip}"
    settings.NASKAH_PROVIDER_TIMEOUT = 10
    return services


@pytest.fixture
def bsre(services, settings):
    settings.NASKAH_SIGNING_ADAPTER = "bsre"
    settings.NASKAH_TSA_URL = services.tsa_url
    settings.NASKAH_TRUST_ROOTS = [services.tsa_root, services.bsre_root]
    settings.NASKAH_BSRE_URL = services.bsre_url
    settings.NASKAH_BSRE_USER, settings.NASKAH_BSRE_PASSWORD = "esign", "rahasia"
    settings.NASKAH_PROVIDER_TIMEOUT = 10
    return services


@pytest.fixture
def signer(db):
    """A signer of a tenant without its own authority: the provider is the only one trusted.
    (The `world` fixture would do too; a factory user is enough and cheaper.)"""
    from tests.factories import UserFactory

    return UserFactory(name="Dr. Rina Siregar")


def _signer(user, **ids):
    for field, value in ids.items():
        setattr(user, field, value)
    user.save()
    return user


def _user(**fields):
    """A signer that needs no database (the adapter refuses before anything is stored)."""
    return SimpleNamespace(
        **{"nip": "", "nik": "", "username": "someone", "tenant": None, **fields}
    )


def assert_long_term_and_trusted(data: bytes, roots: list[str]) -> None:
    """pyHanko on its own: the signature is intact, chains to the provider's root with the
    revocation data the file carries (no network), has a signature timestamp, and a document
    timestamp covers the DSS."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    stamps = [s for s in reader.embedded_signatures if s.sig_object.get("/Type") == "/DocTimeStamp"]
    sigs = [s for s in reader.embedded_signatures if s.sig_object.get("/Type") != "/DocTimeStamp"]
    assert len(sigs) == 1 and stamps
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.crls  # the provider's CRL (and the TSA's)
    trust = [c for path in roots for c in _pem_file_certs(path)]
    context = dss.as_validation_context(
        {"trust_roots": trust, "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    status = validate_pdf_signature(sigs[0], context)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert sigs[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"


# --- CSC ---
def test_csc_signs_a_long_term_pdf_that_pyhanko_trusts(signer, csc):
    user = _signer(signer, nip=NIP)
    adapter = signing.adapter()
    assert isinstance(adapter, CSCAdapter)
    adapter.check(user)
    assert adapter.issuer(user) == "Naskah CSC Test CA"
    signed = adapter.sign(_one_page_pdf(), user=user, passphrase=PIN, spec=SPEC)
    assert_long_term_and_trusted(signed, [csc.tsa_root, csc.csc_root])
    check = signing.pdf_validate(signed, tenant=signer.tenant)
    assert check.valid, check
    [sig] = check.signatures
    assert sig.long_term and sig.issuer == "Naskah CSC Test CA" and sig.signer == f"Signer {NIP}"


def test_csc_wrong_pin_is_a_wrong_passphrase(signer, csc):
    user = _signer(signer, nip=NIP)
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().sign(_one_page_pdf(), user=user, passphrase="000000", spec=SPEC)
    assert err.value.code == signing.WRONG_PASSPHRASE


def test_csc_revoked_credential_cannot_sign(signer, csc):
    user = _signer(signer, nip=NIP_REVOKED)
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().sign(_one_page_pdf(), user=user, passphrase=PIN, spec=SPEC)
    assert err.value.code == "certificate_revoked"


def test_csc_unknown_credential_is_not_registered(csc):
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().sign(_one_page_pdf(), user=_user(nip=NIP_UNKNOWN), passphrase=PIN, spec=SPEC)
    assert err.value.code == "not_registered"


def test_csc_bad_token_is_refused(csc, settings):
    settings.NASKAH_CSC_TOKEN = "stolen"
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().issuer(_user(nip=NIP))
    assert err.value.code == "provider_auth"


def test_csc_service_down(csc, settings):
    settings.NASKAH_CSC_URL = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().sign(_one_page_pdf(), user=_user(nip=NIP), passphrase=PIN, spec=SPEC)
    assert err.value.code == signing.SERVICE_DOWN


def test_csc_check_refuses_early(settings):
    settings.NASKAH_CSC_URL = ""
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().check(_user(nip=NIP))
    assert err.value.code == "provider_unconfigured"
    settings.NASKAH_CSC_URL = "http://127.0.0.1:9"
    settings.NASKAH_CSC_CREDENTIAL_ID = "{nip}"
    with pytest.raises(signing.SigningError) as err:
        CSCAdapter().check(_user())
    assert err.value.code == "no_signer_id" and "NIP" in err.value.message


# --- BSrE ---
def test_bsre_signs_a_long_term_pdf_that_pyhanko_trusts(signer, bsre):
    user = _signer(signer, nik=NIK)
    adapter = signing.adapter()
    assert isinstance(adapter, BSrEAdapter)
    adapter.check(user)
    pdf = _one_page_pdf()
    signed = adapter.sign(pdf, user=user, passphrase=PASSPHRASE, spec=SPEC)
    assert signed.startswith(pdf)  # incremental: the original bytes stay as they were
    assert_long_term_and_trusted(signed, [bsre.tsa_root, bsre.bsre_root])
    check = signing.pdf_validate(signed, tenant=signer.tenant)
    assert check.valid, check
    [sig] = check.signatures
    assert sig.long_term and sig.issuer == "Naskah BSrE Test CA" and sig.signer == f"Signer {NIK}"


def test_bsre_second_signature_keeps_the_first_valid(signer, bsre):
    user = _signer(signer, nik=NIK)
    once = BSrEAdapter().sign(_one_page_pdf(), user=user, passphrase=PASSPHRASE, spec=SPEC)
    last = SignSpec(field_name="Tanda_Tangan_2", reason="Menetapkan", location="Kota", lock=True)
    twice = BSrEAdapter().sign(once, user=user, passphrase=PASSPHRASE, spec=last)
    check = signing.pdf_validate(twice, tenant=signer.tenant)
    assert check.valid and len(check.signatures) == 2, check


@pytest.mark.parametrize(
    ("nik", "passphrase", "code"),
    [
        (NIK, "salah-sekali", signing.WRONG_PASSPHRASE),
        ("3171099999999999", PASSPHRASE, "not_registered"),
        (NIK_EXPIRED, PASSPHRASE, "certificate_expired"),
        (NIK_REVOKED, PASSPHRASE, "certificate_revoked"),
    ],
)
def test_bsre_refusals(bsre, nik, passphrase, code):
    with pytest.raises(signing.SigningError) as err:
        BSrEAdapter().sign(_one_page_pdf(), user=_user(nik=nik), passphrase=passphrase, spec=SPEC)
    assert err.value.code == code and err.value.message


def test_bsre_wrong_client_account(bsre, settings):
    settings.NASKAH_BSRE_PASSWORD = "bukan"
    with pytest.raises(signing.SigningError) as err:
        BSrEAdapter().sign(_one_page_pdf(), user=_user(nik=NIK), passphrase=PASSPHRASE, spec=SPEC)
    assert err.value.code == "provider_auth"


def test_bsre_service_down(bsre, settings):
    settings.NASKAH_BSRE_URL = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(signing.SigningError) as err:
        BSrEAdapter().sign(_one_page_pdf(), user=_user(nik=NIK), passphrase=PASSPHRASE, spec=SPEC)
    assert err.value.code == signing.SERVICE_DOWN


def test_bsre_check_refuses_early(settings):
    settings.NASKAH_BSRE_URL = "http://127.0.0.1:9"
    with pytest.raises(signing.SigningError) as err:
        BSrEAdapter().check(_user())
    assert err.value.code == "no_signer_id"
    settings.NASKAH_BSRE_URL = ""
    with pytest.raises(signing.SigningError) as err:
        BSrEAdapter().check(_user(nik=NIK))
    assert err.value.code == "provider_unconfigured"
