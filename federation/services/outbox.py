"""The sender's side: a sent letter to a peer address becomes an envelope in the outbox, in
the send's own transaction; a worker delivers it (retrying with backoff while the peer cannot
be reached) and keeps the peer's signed receipt, or its refusal and the reason."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue_later_with_transaction, enqueue_with_transaction
from correspondence.choices import RecipientScope
from correspondence.models import Attachment, Letter
from correspondence.services.common import letter_url, transition_record
from notifications.kinds import Kind
from notifications.services import notify
from workflows.choices import SecurityLevel

from ..adapters import FilePart, Outgoing, adapter_for
from ..choices import AddressKind, EnvelopeState, ReceiptKind, ReceiptState
from ..models import Arrival, Envelope, PeerAddress, Receipt
from ..protocol import ENVELOPE, RECEIPT, Refusal, key_from_public, sign, verify

log = logging.getLogger(__name__)

# Backoff between attempts: NASKAH_FEDERATION_RETRY_SECONDS (30 s), doubling, at most an hour;
# after three days the envelope is given up as unreachable and the sender is told.
LONGEST_WAIT = 3600
GIVE_UP_AFTER = dt.timedelta(days=3)


def first_wait() -> int:
    return max(1, settings.NASKAH_FEDERATION_RETRY_SECONDS)


def envelopes_for_sent(letter: Letter, by) -> list[Envelope]:
    """Inside the send's transaction: one envelope per recipient that is a peer address,
    each queued for delivery once this commits. A Rahasia or Sangat Rahasia letter to a
    peer's unit (not a named official) is refused here and never leaves."""
    recipients = letter.recipients.filter(scope=RecipientScope.EXTERNAL)
    targets = {
        a.address_id: a
        for a in PeerAddress.objects.filter(
            address_id__in=recipients.values("address_id"), peer__enabled=True
        ).select_related("peer")
    }
    made = []
    for r in recipients:
        target = targets.get(r.address_id)
        if target is None:
            continue
        env = Envelope(tenant_id=letter.tenant_id, letter=letter, recipient=r, target=target)
        if letter.is_confidential and target.kind != AddressKind.POSITION:
            env.state, env.refused_code = EnvelopeState.REFUSED, "confidential_needs_official"
            env.refused_reason = _(
                "A Rahasia or Sangat Rahasia letter goes only to a named official of a partner "
                "instance, never to a unit's inbox."
            )
        else:
            env.next_attempt_at = timezone.now()
        env.save()
        if env.state == EnvelopeState.QUEUED:
            _enqueue(env.pk)
        made.append(env)
    return made


def _enqueue(envelope_id: int, *, run_after: dt.datetime | None = None) -> None:
    from .. import tasks

    if run_after is None:
        enqueue_with_transaction(tasks.envelope_deliver, envelope_id)
    else:
        enqueue_later_with_transaction(tasks.envelope_deliver, run_after, envelope_id)


def _in_reply_to(letter: Letter, target: PeerAddress) -> str:
    """The envelope id the letter answers, when it replies to a letter that came from the
    same peer: the peer links the two."""
    if not letter.reply_to_id:
        return ""
    arrival = Arrival.objects.filter(letter_id=letter.reply_to_id, peer=target.peer).first()
    return str(arrival.uid) if arrival else ""


def envelope_outgoing(env: Envelope) -> Outgoing:
    """The envelope as it travels: signed metadata (the subject left out for Rahasia and
    above: it is only inside the signed PDF) and the files its digests name."""
    letter, target = env.letter, env.target
    files = [("letter", "application/pdf", f"{letter.number or 'naskah'}.pdf", letter.pdf)]
    for a in Attachment.objects.filter(letter=letter, kind="attachment"):
        files.append(("attachment", a.content_type, a.original_name, a.file))
    parts, manifest = [], []
    for i, (role, ctype, name, stored) in enumerate(files):
        with stored.open("rb") as fh:
            data = fh.read()
        parts.append(FilePart(f"f{i}", name, ctype, data))
        manifest.append(_file_entry(f"f{i}", role, name, ctype, data))
    signer = letter.signed_as
    confidential = letter.security in SecurityLevel.confidential()
    claims = {
        "aud": target.peer.instance_url,
        "jti": str(env.uid),
        "from": {"tenant": letter.tenant.slug, "name": letter.tenant.name},
        "to": {
            "tenant": target.peer.remote_tenant,
            "unit": target.remote_unit,
            "position": target.remote_position,
        },
        "letter": {
            "number": letter.number,
            "date": timezone.localdate(letter.signed_at or letter.sent_at).isoformat(),
            "type": letter.letter_type.code,
            "security": letter.security,
            "urgency": letter.urgency,
            "subject": "" if confidential else letter.subject,
            "classification": letter.classification_code,
            "unit": letter.unit.label,
            "signer": letter.signed_by.display_name if letter.signed_by_id else "",
            "signer_post": signer.title if signer else "",
            "kind": env.recipient.kind,
            "in_reply_to": _in_reply_to(letter, target),
        },
        "files": manifest,
    }
    return Outgoing(sign(ENVELOPE, claims), parts)


def _file_entry(part: str, role: str, name: str, ctype: str, data: bytes) -> dict:
    return {
        "part": part,
        "role": role,
        "name": name,
        "type": ctype,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def envelope_deliver(envelope_id: int) -> str:
    """One delivery attempt (the worker's job): delivered with the peer's signed receipt,
    refused with its reason, or queued again with backoff. A retry after a lost answer is
    safe: the peer answers a known envelope with its first receipt."""
    env = (
        Envelope.objects.select_related("letter__tenant", "target__peer", "recipient")
        .filter(pk=envelope_id)
        .first()
    )
    if env is None or env.state != EnvelopeState.QUEUED:
        return "nothing to do"
    try:
        outgoing = envelope_outgoing(env)
    except OSError as exc:  # the letter's file is missing: storage trouble, try later
        return _retry(env, f"{type(exc).__name__}: {exc}")
    answer = adapter_for(env.target.peer).deliver(env.target.peer, outgoing)
    if answer.outcome == "retry":
        return _retry(env, answer.error)
    if answer.outcome == "refused":
        code = str(answer.body.get("code", "refused"))[:40]
        return _refuse(env, code, str(answer.body.get("reason", answer.error))[:500])
    try:
        claims = receipt_check(env, str(answer.body.get("receipt", "")), ReceiptKind.DELIVERED)
    except Refusal as exc:
        return _retry(env, f"the receipt does not verify ({exc})")
    _delivered(env.pk, str(answer.body["receipt"]), claims)
    return "delivered"


def receipt_check(env: Envelope, token: str, kind: str) -> dict:
    """The claims of a receipt about `env` signed by its peer. Raises Refusal."""
    peer = env.target.peer
    claims = verify(token, RECEIPT, key_from_public(peer.key), max_age=10**9)
    if (
        claims.get("iss") != peer.instance_url
        or claims.get("envelope") != str(env.uid)
        or claims.get("kind") != kind
        or claims.get("tenant") != peer.remote_tenant
    ):
        raise Refusal("wrong_receipt", _("The receipt is about another letter or peer."), 422)
    return claims


@transaction.atomic
def _delivered(envelope_id: int, token: str, claims: dict) -> None:
    env = (
        Envelope.objects.select_for_update().select_related("letter", "target").get(pk=envelope_id)
    )
    if env.state != EnvelopeState.QUEUED:
        return
    at = claimed_time(claims)  # the receiver's moment; `delivered_at` is when we knew
    env.state, env.delivered_at = EnvelopeState.DELIVERED, timezone.now()
    env.agenda_number = str(claims.get("agenda", ""))[:60]
    env.last_error, env.next_attempt_at = "", None
    env.save(
        update_fields=["state", "delivered_at", "agenda_number", "last_error", "next_attempt_at"]
    )
    Receipt.objects.get_or_create(
        tenant_id=env.tenant_id,
        envelope_uid=env.uid,
        kind=ReceiptKind.DELIVERED,
        issued=False,
        defaults={"state": ReceiptState.RECEIVED, "at": at, "token": token, "envelope": env},
    )
    note = _("%(to)s: received, agenda %(agenda)s") % {
        "to": env.target.name,
        "agenda": env.agenda_number or "-",
    }
    transition_record(
        env.letter, "", action="letter.peer_delivered", by=None, note=note, save=False
    )


def claimed_time(claims: dict) -> dt.datetime:
    try:
        at = dt.datetime.fromisoformat(str(claims.get("at")))
    except ValueError:
        return timezone.now()
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _retry(env: Envelope, error: str) -> str:
    now = timezone.now()
    if now - env.created_at > GIVE_UP_AFTER:
        return _refuse(
            env, "unreachable", _("The partner instance could not be reached: %s") % error
        )
    wait = min(first_wait() * 2 ** min(env.attempts, 16), LONGEST_WAIT)
    with transaction.atomic():
        updated = Envelope.objects.filter(pk=env.pk, state=EnvelopeState.QUEUED).update(
            attempts=env.attempts + 1,
            last_error=error[:500],
            next_attempt_at=now + dt.timedelta(seconds=wait),
        )
        if updated:
            _enqueue(env.pk, run_after=now + dt.timedelta(seconds=wait))
    log.warning("envelope %s not delivered (%s); next try in %s s", env.uid, error, wait)
    return f"retry in {wait} s"


@transaction.atomic
def _refuse(env: Envelope, code: str, reason: str) -> str:
    env = Envelope.objects.select_for_update().select_related("letter", "target").get(pk=env.pk)
    if env.state != EnvelopeState.QUEUED:
        return "nothing to do"
    env.state, env.refused_code, env.refused_reason = EnvelopeState.REFUSED, code, reason
    env.next_attempt_at = None
    env.save(update_fields=["state", "refused_code", "refused_reason", "next_attempt_at"])
    note = f"{env.target.name}: {reason}"
    transition_record(env.letter, "", action="letter.peer_refused", by=None, note=note, save=False)
    notify(
        [env.letter.drafter],
        Kind.LETTER_RETURNED,
        env.letter,
        text=_("Not delivered to %(to)s: %(why)s") % {"to": env.target.name, "why": reason},
        url=letter_url(env.letter),
    )
    return f"refused: {code}"


def outbox_due(now: dt.datetime | None = None) -> int:
    """Queue again every envelope whose attempt is overdue by a minute (its task was lost,
    e.g. with a backend that is no outbox); returns how many."""
    now = now or timezone.now()
    due = list(
        Envelope.objects.filter(
            state=EnvelopeState.QUEUED, next_attempt_at__lt=now - dt.timedelta(minutes=1)
        ).values_list("pk", flat=True)[:500]
    )
    with transaction.atomic():
        for pk in due:
            _enqueue(pk)
    return len(due)
