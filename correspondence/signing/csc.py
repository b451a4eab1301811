"""A certified remote signing service that speaks the Cloud Signature Consortium API (v1.0.4),
through pyHanko's CSC client: the signer's key stays with the provider, which signs the hash of
each signature's attributes after the signer's PIN (their signing passphrase here) authorised
exactly that hash (`credentials/authorize` with hash pinning, then `signatures/signHash`).

Settings: NASKAH_CSC_URL (the part before /csc/v1), NASKAH_CSC_TOKEN (an OAuth2 access token of
this platform's account at the provider, sent as a bearer token; how it is obtained is the
provider's business), NASKAH_CSC_CREDENTIAL_ID (a rule naming a signer's credential from their
NIP, NIK or username, e.g. "{nip}" or "pemda-x/{nik}"), NASKAH_CSC_API_VERSION (URL segment,
"v1"; pyHanko sends v1 request bodies), NASKAH_PROVIDER_TIMEOUT.
"""

from __future__ import annotations

import datetime as dt
import string

import aiohttp
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import csc_signer

from .adapters import SigningAdapter
from .errors import SERVICE_DOWN, WRONG_PASSPHRASE, SigningError
from .ltv import SignSpec, run_async, sign_pdf

USER_FIELDS = {"nip", "nik", "username"}


def cert_name(name) -> str:
    """The common name of an X.509 name (asn1crypto), else all of it."""
    return name.native.get("common_name", "") or name.human_friendly


def provider_down(service: str, why: str) -> SigningError:
    return SigningError(
        SERVICE_DOWN,
        _(
            "The signing service %(service)s did not answer (%(why)s). Try again in a few "
            "minutes; the letter stays waiting for your signature and nothing was signed."
        )
        % {"service": service, "why": why},
    )


def not_registered(service: str) -> SigningError:
    return SigningError(
        "not_registered",
        _(
            "You are not registered as a signer at %(service)s (or your identity number in "
            "Naskah differs from the one registered there). Ask the administrator to check "
            "your NIP/NIK; the letter stays approved."
        )
        % {"service": service},
    )


def wrong_passphrase() -> SigningError:
    return SigningError(
        WRONG_PASSPHRASE,
        _(
            "The signing service says your PIN or passphrase is not right; nothing was signed. "
            "Several wrong attempts lock your account for a while (and the service may block "
            "your certificate)."
        ),
    )


def credential_id(user) -> str:
    """The user's credential at the CSC service, named by NASKAH_CSC_CREDENTIAL_ID. Raises
    SigningError when a field the rule needs is empty."""
    rule = settings.NASKAH_CSC_CREDENTIAL_ID
    fields = {f for _t, f, _s, _c in string.Formatter().parse(rule) if f}
    if not fields <= USER_FIELDS:
        raise SigningError(
            "provider_unconfigured",
            _("NASKAH_CSC_CREDENTIAL_ID may only use {nip}, {nik} and {username}."),
        )
    values = {f: getattr(user, f, "") or "" for f in USER_FIELDS}
    if any(not values[f] for f in fields):
        raise SigningError(
            "no_signer_id",
            _(
                "Your %(fields)s is not recorded in Naskah, so the signing service cannot "
                "find your certificate. Ask the administrator to fill it in."
            )
            % {"fields": "/".join(sorted(f.upper() for f in fields))},
        )
    return rule.format(**values)


def _session(user) -> csc_signer.CSCServiceSessionInfo:
    if not settings.NASKAH_CSC_URL:
        raise SigningError(
            "provider_unconfigured",
            _(
                "The CSC signing service is not configured (NASKAH_CSC_URL). Tell the administrator."
            ),
        )
    return csc_signer.CSCServiceSessionInfo(
        service_url=settings.NASKAH_CSC_URL.rstrip("/"),
        credential_id=credential_id(user),
        oauth_token=settings.NASKAH_CSC_TOKEN or None,
        api_ver=settings.NASKAH_CSC_API_VERSION,
    )


def _failure(exc: BaseException) -> SigningError:
    """Our error for what went wrong talking to the service (the cause pyHanko wrapped)."""
    cause = exc.__cause__ if isinstance(exc, PyHankoSigningError) and exc.__cause__ else exc
    if isinstance(cause, aiohttp.ClientResponseError):
        if cause.status in (400, 404):
            return not_registered("CSC")
        if cause.status in (401, 403):
            return SigningError(
                "provider_auth",
                _(
                    "The signing service refused this server's access token "
                    "(NASKAH_CSC_TOKEN). Tell the administrator; nothing was signed."
                ),
            )
        return provider_down("CSC", f"HTTP {cause.status}")
    return provider_down("CSC", type(cause).__name__)


def credential_info(session: csc_signer.CSCServiceSessionInfo) -> csc_signer.CSCCredentialInfo:
    """The credential's certificates and algorithms (`credentials/info`). Raises SigningError."""

    async def fetch():
        async with aiohttp.ClientSession() as http:
            return await csc_signer.fetch_certs_in_csc_credential(
                http, session, timeout=settings.NASKAH_PROVIDER_TIMEOUT
            )

    try:
        return run_async(fetch)
    except Exception as exc:
        raise _failure(exc) from exc


class _PinAuthorization(csc_signer.CSCAuthorizationManager):
    """Signature activation data for exactly the hashes about to be signed, authorised with the
    signer's PIN."""

    def __init__(self, session, info, *, pin: str):
        super().__init__(session, info)
        self.pin = pin
        self.http: aiohttp.ClientSession | None = None

    async def authorize_signature(self, hash_b64s: list[str]) -> csc_signer.CSCAuthorizationInfo:
        body = self.format_csc_auth_request(pin=self.pin, hash_b64s=hash_b64s)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        timeout = aiohttp.ClientTimeout(total=settings.NASKAH_PROVIDER_TIMEOUT)
        try:
            async with self.http.post(
                url, headers=self.auth_headers, json=body, timeout=timeout
            ) as response:
                data = await response.json(content_type=None)
                if response.status == 400 and _pin_refused(data):
                    raise wrong_passphrase()
                response.raise_for_status()
        except SigningError:
            raise
        except Exception as exc:
            raise _failure(exc) from exc
        return self.parse_csc_auth_response(data)


def _pin_refused(data) -> bool:
    """CSC reports a wrong PIN or OTP as `invalid_request` ("Invalid PIN") in v1.0.4; some
    services use `invalid_pin` / `invalid_otp`."""
    if not isinstance(data, dict):
        return False
    error = str(data.get("error", ""))
    text = str(data.get("error_description", "")).lower()
    return error in {"invalid_pin", "invalid_otp"} or (
        error == "invalid_request" and ("pin" in text or "otp" in text)
    )


class _Signer(csc_signer.CSCSigner):
    """pyHanko's CSC signer with an HTTP session per commit: it must live in the event loop
    the signature is made in, which `ltv.sign_pdf` starts itself."""

    def __init__(self, auth: _PinAuthorization):
        super().__init__(
            session=None, auth_manager=auth, sign_timeout=settings.NASKAH_PROVIDER_TIMEOUT
        )

    async def commit(self):
        async with aiohttp.ClientSession() as http:
            self.session = self.auth_manager.http = http
            try:
                await super().commit()
            except PyHankoSigningError as exc:
                raise _failure(exc) from exc
            finally:
                self.session = self.auth_manager.http = None


class CSCAdapter(SigningAdapter):
    def check(self, user) -> None:
        _session(user)

    def issuer(self, user) -> str:
        return cert_name(credential_info(_session(user)).signing_cert.issuer)

    def sign(self, pdf: bytes, *, user, passphrase: str, spec: SignSpec) -> bytes:
        if not passphrase:
            raise SigningError(WRONG_PASSPHRASE, _("Type your signing PIN; nothing was signed."))
        session = _session(user)
        info = credential_info(session)
        not_after = info.signing_cert["tbs_certificate"]["validity"]["not_after"].native
        if not_after <= dt.datetime.now(dt.UTC):
            raise SigningError(
                "certificate_expired",
                _(
                    "Your certificate at the signing service expired on %(d)s. Renew it with "
                    "the provider; the letter stays approved until you sign."
                )
                % {"d": not_after.strftime("%d-%m-%Y")},
            )
        signer = _Signer(_PinAuthorization(session, info, pin=passphrase))
        return sign_pdf(pdf, signer=signer, tenant=user.tenant, spec=spec)
