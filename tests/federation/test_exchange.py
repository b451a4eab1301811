"""Letters between deployments (issue 28): a signed letter goes to a peer's unit as a signed
envelope from the outbox, is registered there with an agenda number, and every receipt
(delivered, read, done) comes back signed; replays, tampering, unknown peers, lost answers
and confidential letters each get the answer the protocol promises."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from joserfc import jws
from joserfc.jwk import OKPKey

from correspondence import services as svc
from correspondence.models import Delivery, Letter
from correspondence.services import RecipientInput
from correspondence.signing import pdf_validate
from federation import protocol
from federation.adapters import Outgoing
from federation.choices import EnvelopeState, ReceiptKind
from federation.models import Arrival, Envelope, PeerAddress, Receipt
from federation.services import envelope_deliver, exchange_account, outbox_due
from federation.services.outbox import envelope_outgoing
from organizations.models import Unit
from workflows.models import TransitionLog

from ..conftest import client_for
from ..correspondence.helpers import PDF, letter_type, signed
from ..factories import PASSWORD
from .conftest import URL

pytestmark = pytest.mark.django_db


def _address(exchange, unit_code, position=""):
    return PeerAddress.objects.get(
        peer=exchange.medan, remote_unit=unit_code, remote_position=position
    ).address


def _send(world, exchange, capture, *, position="", unit="T_KOMINFO", **kw):
    """Medan's head sends a letter to Tangerang's Diskominfo (or a named official there)."""
    kw.setdefault("to", ())
    letter = signed(world, addresses=[_address(exchange, unit, position)], **kw)
    with capture(execute=True):
        letter = svc.letter_send(letter=letter, by=world.head)
    return letter, Envelope.objects.get(letter=letter)


def _arrived(world):
    return Delivery.objects.filter(tenant=world.other_tenant, letter__is_incoming=True)


def test_the_directory_becomes_address_book_entries(world, exchange):
    names = set(
        PeerAddress.objects.filter(peer=exchange.medan).values_list("address__name", flat=True)
    )
    assert "Diskominfo Kota Tangerang" in names
    assert "Kepala Diskominfo Kota Tangerang, Diskominfo Kota Tangerang" in names
    assert "Staf Diskominfo Kota Tangerang, Diskominfo Kota Tangerang" not in names  # heads only
    assert "BEGIN CERTIFICATE" in exchange.medan.roots_pem
    # Nothing of Medan's own leaks into its list of Tangerang's addresses.
    assert not PeerAddress.objects.filter(peer=exchange.medan, remote_unit="KOMINFO").exists()


def test_a_letter_goes_across_and_every_receipt_comes_back(
    world, exchange, django_capture_on_commit_callbacks
):
    letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    # Delivered: registered in Tangerang's Diskominfo with an agenda number, the signed PDF
    # byte for byte, still valid.
    env.refresh_from_db()
    assert env.state == EnvelopeState.DELIVERED and env.agenda_number.endswith(
        "T_KOMINFO/" + str(env.delivered_at.year)
    )
    d = _arrived(world).get()
    assert d.unit == world.units["t_kominfo"] and d.agenda_number == env.agenda_number
    there = d.letter
    assert there.sender_number == letter.number and there.subject == letter.subject
    assert there.drafter == exchange_account(world.other_tenant)
    scan = there.attachments.get(kind="scan").file.open("rb").read()
    assert scan == letter.pdf.open("rb").read()
    assert pdf_validate(scan, tenant=world.tenant).valid
    # Read: Tangerang's head opens it; the read receipt reaches Medan.
    with django_capture_on_commit_callbacks(execute=True):
        svc.letter_opened(letter=there, by=world.users["foreign_head"])
    env.refresh_from_db()
    assert env.read_at is not None and env.done_at is None
    # Done: the head closes it; the done receipt reaches Medan.
    d.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        svc.delivery_finish(delivery=d, by=world.users["foreign_head"])
    env.refresh_from_db()
    assert env.done_at is not None
    kept = Receipt.objects.filter(tenant=world.tenant, envelope_uid=env.uid, issued=False)
    assert sorted(kept.values_list("kind", flat=True)) == sorted(ReceiptKind.values)
    key = OKPKey.import_key(protocol.public_jwk())
    for r in kept:  # each is evidence a third party can check with the peer's key
        claims = protocol.verify(r.token, protocol.RECEIPT, key, max_age=10**9)
        assert claims["envelope"] == str(env.uid) and claims["kind"] == r.kind
    actions = list(
        TransitionLog.objects.filter(object_id=letter.pk, action__startswith="letter.peer_")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["letter.peer_delivered", "letter.peer_read", "letter.peer_done"]
    # The sender follows it on the letter's page.
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[letter.pk]))
    html = page.content.decode()
    assert 'data-testid="exchange-tracking" data-state="delivered"' in html
    assert env.agenda_number in html and html.count('class="tag ok"') >= 3


def test_a_replayed_envelope_is_a_duplicate_and_makes_no_second_entry(
    world, exchange, django_capture_on_commit_callbacks
):
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    first = Receipt.objects.get(tenant=world.other_tenant, envelope_uid=env.uid, issued=True)
    r = exchange.wire.post_envelope(world.other_tenant.slug, exchange.wire.posted[0])
    assert r.status_code == 409 and r.json() == {"code": "duplicate", "receipt": first.token}
    r = exchange.wire.post_envelope(world.other_tenant.slug, envelope_outgoing(env))  # re-signed
    assert r.status_code == 409
    assert _arrived(world).count() == 1 and Arrival.objects.count() == 1


def test_an_answer_lost_after_the_peer_took_it_is_retried_once(
    world, exchange, django_capture_on_commit_callbacks
):
    exchange.wire.lose = 1
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    assert env.state == EnvelopeState.QUEUED and env.attempts == 1 and env.last_error
    assert envelope_deliver(env.pk) == "delivered"  # the retry: 409 with the first receipt
    env.refresh_from_db()
    assert env.state == EnvelopeState.DELIVERED and _arrived(world).count() == 1


def test_a_peer_that_is_down_is_retried_with_backoff(
    world, exchange, django_capture_on_commit_callbacks
):
    exchange.wire.down = 2
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    first_wait = env.next_attempt_at
    assert env.state == EnvelopeState.QUEUED and env.attempts == 1
    assert envelope_deliver(env.pk).startswith("retry in 60")
    env.refresh_from_db()
    assert env.attempts == 2 and env.next_attempt_at > first_wait and not _arrived(world)
    assert envelope_deliver(env.pk) == "delivered"
    assert _arrived(world).count() == 1


def _flip_pdf_byte(outgoing):
    data = bytearray(outgoing.files[0].data)
    data[len(data) // 2] ^= 0x01
    files = [dataclasses.replace(outgoing.files[0], data=bytes(data)), *outgoing.files[1:]]
    return dataclasses.replace(outgoing, files=files)


def test_a_flipped_byte_in_transit_is_refused_and_the_sender_sees_why(
    world, exchange, django_capture_on_commit_callbacks
):
    exchange.wire.tamper = _flip_pdf_byte
    letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    assert env.state == EnvelopeState.REFUSED and env.refused_code == "tampered"
    assert env.refused_reason  # the receiver's reason, in its language
    assert not _arrived(world) and not Arrival.objects.exists()
    assert letter.drafter.notifications.filter(text__contains=env.target.name).exists()
    page = client_for(world.drafter).get(reverse("correspondence:letter", args=[letter.pk]))
    assert 'data-state="refused"' in page.content.decode()
    assert env.refused_reason in page.content.decode()


def test_a_changed_digest_breaks_the_instance_signature(
    world, exchange, django_capture_on_commit_callbacks
):
    def forge(outgoing):
        head, payload, sig = outgoing.token.split(".")
        return dataclasses.replace(outgoing, token=f"{head}.{payload[:-4]}AAAA.{sig}")

    exchange.wire.tamper = forge
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    assert env.state == EnvelopeState.REFUSED
    assert env.refused_code in {"bad_signature", "malformed"} and not _arrived(world)


def _envelope(world, exchange, **kw):
    """An envelope for a signed Medan letter to Tangerang's Diskominfo, not yet sent."""
    letter = signed(world, to=(), addresses=[_address(exchange, "T_KOMINFO")], **kw)
    recipient = letter.recipients.get()
    return Envelope.objects.create(
        tenant=world.tenant,
        letter=letter,
        recipient=recipient,
        target=PeerAddress.objects.get(address=recipient.address),
    )


def test_an_unsigned_pdf_under_a_valid_envelope_is_refused(world, exchange):
    """An instance that signs an envelope around a PDF nobody signed: the letter's own
    signature is checked too, not only the instance's."""
    outgoing = envelope_outgoing(_envelope(world, exchange))
    claims = protocol.peek(outgoing.token, protocol.ENVELOPE)
    claims["files"][0].update(size=len(PDF), sha256=hashlib.sha256(PDF).hexdigest())
    token = protocol.sign(
        protocol.ENVELOPE, {k: claims[k] for k in claims if k not in {"v", "iss", "iat"}}
    )
    files = [dataclasses.replace(outgoing.files[0], data=PDF), *outgoing.files[1:]]
    r = exchange.wire.post_envelope(world.other_tenant.slug, Outgoing(token, files))
    assert r.status_code == 422 and r.json()["code"] == "signature_invalid"
    assert not _arrived(world)


def test_an_unknown_peer_is_refused(world, exchange, django_capture_on_commit_callbacks):
    exchange.tangerang.enabled = False
    exchange.tangerang.save()
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    assert env.state == EnvelopeState.REFUSED and env.refused_code == "unknown_peer"
    assert not _arrived(world)


def test_an_envelope_for_another_instance_is_refused(world, exchange, settings):
    outgoing = envelope_outgoing(_envelope(world, exchange))
    settings.NASKAH_INSTANCE_URL = "http://elsewhere.test"  # the receiver is another instance
    r = exchange.wire.post_envelope(world.other_tenant.slug, outgoing)
    assert r.status_code == 403 and r.json()["code"] in {"wrong_recipient", "unknown_peer"}


@pytest.mark.parametrize("security", ["rahasia", "sangat_rahasia"])
def test_a_confidential_letter_goes_only_to_a_named_official_without_its_subject(
    world, exchange, django_capture_on_commit_callbacks, security
):
    if security == "rahasia":  # to a peer's unit: refused before it leaves, the sender told
        letter, env = _send(world, exchange, django_capture_on_commit_callbacks, security=security)
        env.refresh_from_db()
        assert env.state == EnvelopeState.REFUSED
        assert env.refused_code == "confidential_needs_official"
    else:  # Sangat Rahasia to an address that is no named official cannot even be drafted
        with pytest.raises(ValidationError):
            signed(world, to=(), addresses=[_address(exchange, "T_KOMINFO")], security=security)
    assert not exchange.wire.posted and not _arrived(world)
    letter, env = _send(
        world, exchange, django_capture_on_commit_callbacks, security=security, position="T_KADIS"
    )
    env.refresh_from_db()
    assert env.state == EnvelopeState.DELIVERED
    claims = protocol.peek(exchange.wire.posted[-1].token, protocol.ENVELOPE)
    assert (
        claims["letter"]["subject"] == "" and letter.subject not in exchange.wire.posted[-1].token
    )
    d = _arrived(world).get()
    assert d.position == world.positions["t_kadis"] and d.letter.security == security
    assert letter.subject not in d.letter.subject


def test_a_reply_from_the_peer_arrives_linked_to_the_original(
    world, exchange, django_capture_on_commit_callbacks
):
    letter, _env = _send(world, exchange, django_capture_on_commit_callbacks)
    there = _arrived(world).get().letter
    back = PeerAddress.objects.get(
        peer=exchange.tangerang, remote_unit="KOMINFO", remote_position=""
    )
    reply = svc.letter_create(
        by=world.users["foreign_head"],
        letter_type=letter_type(world, tenant=world.other_tenant),
        recipients=[RecipientInput(kind="to", address=back.address)],
        subject="Balasan: permohonan data aplikasi",
        body="<p>Kami sampaikan jawaban atas permohonan tersebut.</p>",
        signer_position=world.positions["t_kadis"],
        reply_to=there,
    )
    reply = svc.letter_submit(
        letter=reply, by=world.users["foreign_head"], route=[world.positions["t_kaban"]]
    )
    reply = svc.letter_approve(letter=reply, by=world.users["foreign_bappeda"])
    reply = svc.letter_sign(letter=reply, by=world.users["foreign_head"], passphrase=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        svc.letter_send(letter=reply, by=world.users["foreign_head"])
    home = Delivery.objects.get(tenant=world.tenant, letter__is_incoming=True)
    assert home.unit == world.units["kominfo"] and home.letter.reply_to == letter
    assert Letter.objects.get(pk=letter.pk).state == letter.state


def test_a_receipt_signed_by_another_key_or_about_another_letter_is_refused(
    world, exchange, django_capture_on_commit_callbacks
):
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    claims = {
        "v": 1,
        "iss": URL,
        "iat": int(time.time()),
        "aud": URL,
        "tenant": world.other_tenant.slug,
        "envelope": str(env.uid),
        "kind": "done",
        "at": env.delivered_at.isoformat(),
    }
    forged = jws.serialize_compact(
        {"alg": "Ed25519", "typ": protocol.RECEIPT},
        json.dumps(claims).encode(),
        OKPKey.generate_key("Ed25519"),
        algorithms=["Ed25519"],
    )
    r = exchange.wire.client.post(
        f"/federation/v1/{world.tenant.slug}/receipts",
        json.dumps({"receipt": forged}),
        content_type="application/json",
    )
    assert r.status_code in (401, 422) and r.json()["code"] in {"bad_signature", "wrong_receipt"}
    env.refresh_from_db()
    assert env.done_at is None


@pytest.mark.parametrize(
    ("path", "data", "status", "code"),
    [
        ("/federation/v1/nowhere/envelopes", {"envelope": "x"}, 404, "unknown_tenant"),
        ("/federation/v1/tangerang/envelopes", {"envelope": "not-a-jws"}, 400, "malformed"),
        ("/federation/v1/tangerang/envelopes", {}, 400, "malformed"),
    ],
)
def test_malformed_requests_get_a_reason(world, exchange, path, data, status, code):
    r = exchange.wire.client.post(path, data)
    assert r.status_code == status and r.json()["code"] == code


def test_a_unit_the_peer_no_longer_has_is_refused(
    world, exchange, django_capture_on_commit_callbacks
):
    Unit.objects.filter(pk=world.units["t_kominfo"].pk).update(is_active=False)
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    assert env.state == EnvelopeState.REFUSED and env.refused_code == "unknown_unit"
    assert not _arrived(world)


def test_a_peer_down_for_three_days_is_given_up_and_the_sweep_requeues_what_is_due(
    world, exchange, django_capture_on_commit_callbacks
):
    exchange.wire.down = 100
    _letter, env = _send(world, exchange, django_capture_on_commit_callbacks)
    env.refresh_from_db()
    assert env.state == EnvelopeState.QUEUED and env.next_attempt_at > env.created_at
    # The immediate task backend cannot hold a task until later: the sweep queues it when due.
    due = env.next_attempt_at + dt.timedelta(minutes=2)
    with (
        time_machine.travel(due, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert outbox_due() == 1
    env.refresh_from_db()
    assert env.attempts == 2
    with time_machine.travel(env.created_at + dt.timedelta(days=3, minutes=1), tick=False):
        assert envelope_deliver(env.pk) == "refused: unreachable"
    env.refresh_from_db()
    assert env.state == EnvelopeState.REFUSED and "503" in env.refused_reason
    assert outbox_due() == 0
