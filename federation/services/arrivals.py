"""The receiver's side: an envelope is accepted only when a known peer's instance signed it
for this instance and tenant, every file matches its signed digest and the letter's own
PAdES signatures verify against the roots the peer's directory gave; it is then registered in
the addressed unit's inbox (a Rahasia letter: in the named official's) with an agenda number,
and answered with a signed receipt. An envelope id is accepted once per tenant: a retry or a
replay gets the first receipt back and makes no second inbox entry."""

from __future__ import annotations

import datetime as dt
import uuid

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.uploads import upload_inspect
from correspondence.choices import AttachmentKind
from correspondence.models import Letter, LetterType
from correspondence.services import incoming_accept
from correspondence.signing import pdf_validate, sha256
from correspondence.signing.ltv import configured_roots
from organizations.models import Position, Tenant, Unit, User
from workflows.choices import SecurityLevel, Urgency

from ..choices import ReceiptKind, ReceiptState
from ..models import Arrival, Envelope, Peer, Receipt
from ..protocol import ENVELOPE, RECEIPT, Refusal, key_from_public, peek, sign, verify

EXCHANGE_USERNAME = "pertukaran-naskah@{slug}"
ROLES = {"letter", "attachment"}


def exchange_account(tenant: Tenant) -> User:
    """The tenant's account that registers letters from peers (it cannot log in)."""
    user, created = User.objects.get_or_create(
        username=EXCHANGE_USERNAME.format(slug=tenant.slug),
        defaults={"tenant": tenant, "name": _("Exchange between instances"), "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def sender_peer(tenant: Tenant, claims: dict) -> Peer:
    """The enabled peer of `tenant` that says it sent `claims`. Raises Refusal."""
    sender = claims.get("from") if isinstance(claims.get("from"), dict) else {}
    peer = Peer.objects.filter(
        tenant=tenant,
        instance_url=str(claims.get("iss", "")).rstrip("/"),
        remote_tenant=str(sender.get("tenant", claims.get("tenant", ""))),
        enabled=True,
    ).first()
    if peer is None:
        raise Refusal(
            "unknown_peer", _("This instance does not exchange letters with the sender."), 403
        )
    return peer


def envelope_accept(*, tenant: Tenant, token: str, files: dict) -> tuple[str, bool]:
    """Accept a signed envelope and its files (form parts by name). Returns the signed
    delivered receipt and whether this call registered the letter (False: a duplicate,
    answered with the first receipt). Raises Refusal."""
    claims = peek(token, ENVELOPE)
    peer = sender_peer(tenant, claims)
    claims = verify(token, ENVELOPE, key_from_public(peer.key))
    _addressed_here(tenant, claims)
    uid = _uid(claims.get("jti"))
    known = _receipt_of(tenant, uid)
    if known is not None:
        return known, False
    unit, position = _target(tenant, claims)
    checked = _files_check(claims, files)
    _signature_check(peer, checked[0][1])
    try:
        return _register(tenant, peer, uid, token, claims, unit, position, checked), True
    except IntegrityError:  # the same envelope, accepted by a concurrent request
        known = _receipt_of(tenant, uid)
        if known is None:
            raise
        return known, False


def _addressed_here(tenant: Tenant, claims: dict) -> None:
    to = claims.get("to") if isinstance(claims.get("to"), dict) else {}
    if claims.get("aud") != settings.NASKAH_INSTANCE_URL or to.get("tenant") != tenant.slug:
        raise Refusal("wrong_recipient", _("The envelope is addressed to another instance."), 403)


def _uid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Refusal("malformed", _("The envelope has no valid id.")) from exc


def _receipt_of(tenant: Tenant, uid: uuid.UUID) -> str | None:
    r = Receipt.objects.filter(
        tenant=tenant, envelope_uid=uid, kind=ReceiptKind.DELIVERED, issued=True
    ).first()
    return r.token if r else None


def _target(tenant: Tenant, claims: dict) -> tuple[Unit, Position | None]:
    to, letter = claims["to"], claims.get("letter") or {}
    unit = Unit.objects.filter(tenant=tenant, code=str(to.get("unit", "")), is_active=True).first()
    if unit is None:
        raise Refusal("unknown_unit", _("No such unit receives letters here."), 404)
    position = None
    if to.get("position"):
        position = Position.objects.filter(
            unit=unit, code=str(to["position"]), is_active=True
        ).first()
        if position is None:
            raise Refusal("unknown_official", _("No such official receives letters here."), 404)
    if letter.get("security") not in SecurityLevel.values:
        raise Refusal("malformed", _("The envelope's security level is unknown."))
    if letter.get("security") in SecurityLevel.confidential():
        if position is None:
            raise Refusal(
                "confidential_needs_official",
                _("A Rahasia or Sangat Rahasia letter must be addressed to a named official."),
                422,
            )
        if letter.get("subject"):
            raise Refusal(
                "confidential_subject", _("A confidential letter's subject must not travel."), 422
            )
    return unit, position


def _files_check(claims: dict, files: dict) -> list[tuple[dict, bytes]]:
    """Each file the envelope names, read and compared with its signed digest; the letter's
    signed PDF first. Raises Refusal (a missing, extra, oversized or changed file)."""
    manifest = claims.get("files")
    if not isinstance(manifest, list) or not manifest or manifest[0].get("role") != "letter":
        raise Refusal("malformed", _("The envelope names no signed letter."))
    names = {str(f.get("part")) for f in manifest}
    if len(names) != len(manifest) or set(files) != names:
        raise Refusal("tampered", _("The files sent are not the files the envelope names."), 422)
    limit = settings.NASKAH_FEDERATION_MAX_MB * 1024 * 1024
    checked, total = [], 0
    for entry in manifest:
        upload = files[str(entry["part"])]
        total += upload.size or 0
        if entry.get("role") not in ROLES or total > limit:
            raise Refusal("too_large", _("The envelope's files are too large."), 413)
        data = upload.read()
        if sha256(data) != entry.get("sha256") or len(data) != entry.get("size"):
            raise Refusal("tampered", _("A file does not match its signed digest."), 422)
        checked.append((entry, data))
    return checked


def _signature_check(peer: Peer, pdf: bytes) -> None:
    roots = [asn1_x509.Certificate.load(der) for _t, _h, der in _unarmor(peer.roots_pem)]
    check = pdf_validate(pdf, roots=roots + configured_roots())
    if not check.valid:
        raise Refusal(
            "signature_invalid", _("The letter's electronic signature does not verify."), 422
        )


def _unarmor(text: str):
    data = text.encode()
    return list(pem.unarmor(data, multiple=True)) if pem.detect(data) else []


@transaction.atomic
def _register(tenant, peer, uid, token, claims, unit, position, checked) -> str:
    """Register the letter in the unit's inbox, keep the envelope and sign the receipt: one
    transaction, so a failure leaves nothing and the sender's retry starts afresh."""
    meta = claims.get("letter") or {}
    account = exchange_account(tenant)
    files = []
    for entry, data in checked:
        upload = SimpleUploadedFile(str(entry.get("name") or "naskah.pdf")[:150], data)
        try:
            info = upload_inspect(upload)
        except ValidationError as exc:
            raise Refusal("file_refused", "; ".join(exc.messages), 422) from exc
        kind = AttachmentKind.SCAN if entry["role"] == "letter" else AttachmentKind.ATTACHMENT
        files.append((upload, info, kind))
    subject = str(meta.get("subject") or "")[:300] or _("Confidential letter %(n)s") % {
        "n": meta.get("number", "")
    }
    try:
        delivery = incoming_accept(
            unit=unit,
            by=account,
            sender_name=f"{meta.get('unit', '')}, {claims['from'].get('name', peer.name)}"[:200],
            subject=subject,
            files=files,
            sender_number=str(meta.get("number", ""))[:120],
            sender_date=_date(meta.get("date")),
            classification_code=str(meta.get("classification", ""))[:30],
            security=meta["security"],
            urgency=meta.get("urgency") if meta.get("urgency") in Urgency.values else Urgency.BIASA,
            letter_type=LetterType.objects.filter(
                tenant=tenant, code=str(meta.get("type", "")), is_active=True
            ).first(),
            addressed_position=position,
            reply_to=_original(tenant, meta.get("in_reply_to")),
        )
    except ValidationError as exc:
        raise Refusal("not_registered", "; ".join(exc.messages), 422) from exc
    arrival = Arrival.objects.create(
        tenant=tenant, peer=peer, uid=uid, letter=delivery.letter, delivery=delivery, token=token
    )
    now = timezone.now()
    receipt = receipt_sign(arrival, ReceiptKind.DELIVERED, now, agenda=delivery.agenda_number)
    Receipt.objects.create(
        tenant=tenant,
        envelope_uid=uid,
        kind=ReceiptKind.DELIVERED,
        issued=True,
        state=ReceiptState.SENT,
        at=now,
        token=receipt,
        arrival=arrival,
    )
    return receipt


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _original(tenant: Tenant, uid) -> Letter | None:
    """The letter of ours that an arriving letter replies to (its envelope id)."""
    if not uid:
        return None
    try:
        env = Envelope.objects.filter(tenant=tenant, uid=uuid.UUID(str(uid))).first()
    except ValueError:
        return None
    return env.letter if env else None


def receipt_sign(arrival: Arrival, kind: str, at, *, agenda: str = "") -> str:
    """A receipt about an arrival, signed by this instance for its sender."""
    claims = {
        "aud": arrival.peer.instance_url,
        "tenant": arrival.tenant.slug,
        "envelope": str(arrival.uid),
        "kind": kind,
        "at": at.isoformat(),
    }
    if agenda:
        claims["agenda"] = agenda
    return sign(RECEIPT, claims)
