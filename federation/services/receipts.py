"""Read and done receipts. At the receiver, the first read and the closing of a delivery that
came from a peer each queue a signed receipt in the same transaction (an outbox row), and a
worker sends it with retries. At the sender, a receipt signed by the envelope's peer updates
the letter's tracking and is kept as evidence; a repeated receipt changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.tasks import enqueue_later_with_transaction, enqueue_with_transaction
from correspondence.services.common import transition_record
from organizations.models import Tenant

from ..adapters import adapter_for
from ..choices import ReceiptKind, ReceiptState
from ..models import Arrival, Envelope, Receipt
from ..protocol import RECEIPT, Refusal, peek
from .arrivals import receipt_sign, sender_peer
from .outbox import LONGEST_WAIT, claimed_time, first_wait, receipt_check

log = logging.getLogger(__name__)
GIVE_UP_ATTEMPTS = 40  # about a day and a half of hourly tries


def receipt_issue(delivery_id: int, kind: str) -> Receipt | None:
    """Inside the transaction that read or closed a delivery: when it came from a peer, queue
    the `kind` receipt for its sender (once)."""
    arrival = Arrival.objects.filter(delivery_id=delivery_id).select_related("peer").first()
    if arrival is None:
        return None
    receipt, created = Receipt.objects.get_or_create(
        tenant_id=arrival.tenant_id,
        envelope_uid=arrival.uid,
        kind=kind,
        issued=True,
        defaults={
            "state": ReceiptState.QUEUED,
            "at": timezone.now(),
            "arrival": arrival,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        _enqueue(receipt.pk)
    return receipt


def _enqueue(receipt_id: int, *, run_after: dt.datetime | None = None) -> None:
    from .. import tasks

    if run_after is None:
        enqueue_with_transaction(tasks.receipt_send, receipt_id)
    else:
        enqueue_later_with_transaction(tasks.receipt_send, run_after, receipt_id)


def receipt_send(receipt_id: int) -> str:
    """One attempt to give a queued receipt to the envelope's sender (the worker's job)."""
    receipt = (
        Receipt.objects.select_related("arrival__peer", "arrival__tenant")
        .filter(pk=receipt_id, issued=True)
        .first()
    )
    if receipt is None or receipt.state != ReceiptState.QUEUED:
        return "nothing to do"
    if not receipt.token:
        receipt.token = receipt_sign(receipt.arrival, receipt.kind, receipt.at)
        Receipt.objects.filter(pk=receipt.pk).update(token=receipt.token)
    peer = receipt.arrival.peer
    answer = adapter_for(peer).receipt(peer, receipt.token)
    if answer.ok:
        Receipt.objects.filter(pk=receipt.pk).update(
            state=ReceiptState.SENT, last_error="", next_attempt_at=None
        )
        return "sent"
    attempts = receipt.attempts + 1
    error = answer.error or f"HTTP {answer.status}"
    if answer.outcome == "refused" or attempts >= GIVE_UP_ATTEMPTS:
        Receipt.objects.filter(pk=receipt.pk).update(
            attempts=attempts, last_error=f"given up: {error}"[:500], next_attempt_at=None
        )
        log.warning("receipt %s for %s given up: %s", receipt.kind, receipt.envelope_uid, error)
        return "given up"
    wait = min(first_wait() * 2 ** min(receipt.attempts, 16), LONGEST_WAIT)
    later = timezone.now() + dt.timedelta(seconds=wait)
    with transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(
            attempts=attempts, last_error=error[:500], next_attempt_at=later
        )
        _enqueue(receipt.pk, run_after=later)
    return f"retry in {wait} s"


def receipt_accept(*, tenant: Tenant, token: str) -> bool:
    """A peer's read or done receipt about one of this tenant's envelopes: kept, and the
    letter's tracking updated. Returns False when it was already known. Raises Refusal."""
    claims = peek(token, RECEIPT)
    peer = sender_peer(tenant, claims)
    try:
        uid = uuid.UUID(str(claims.get("envelope")))
    except ValueError as exc:
        raise Refusal("malformed", _("The receipt names no envelope.")) from exc
    env = (
        Envelope.objects.filter(tenant=tenant, uid=uid, target__peer=peer)
        .select_related("target__peer", "letter")
        .first()
    )
    kind = str(claims.get("kind"))
    if env is None or kind not in (ReceiptKind.READ, ReceiptKind.DONE):
        raise Refusal("unknown_envelope", _("No such letter was sent to you."), 404)
    if claims.get("aud") != settings.NASKAH_INSTANCE_URL:
        raise Refusal("wrong_recipient", _("The receipt is addressed to another instance."), 403)
    claims = receipt_check(env, token, kind)
    try:
        return _keep(env, kind, token, claims)
    except IntegrityError:
        return False


@transaction.atomic
def _keep(env: Envelope, kind: str, token: str, claims: dict) -> bool:
    env = Envelope.objects.select_for_update().select_related("target", "letter").get(pk=env.pk)
    if Receipt.objects.filter(
        tenant_id=env.tenant_id, envelope_uid=env.uid, kind=kind, issued=False
    ).exists():
        return False
    at = claimed_time(claims)
    Receipt.objects.create(
        tenant_id=env.tenant_id,
        envelope_uid=env.uid,
        kind=kind,
        issued=False,
        state=ReceiptState.RECEIVED,
        at=at,
        token=token,
        envelope=env,
    )
    field = "read_at" if kind == ReceiptKind.READ else "done_at"
    setattr(env, field, at)
    env.save(update_fields=[field])
    said = _("%(to)s: read") if kind == ReceiptKind.READ else _("%(to)s: done")
    transition_record(
        env.letter,
        "",
        action=f"letter.peer_{kind}",
        by=None,
        note=said % {"to": env.target.name},
        save=False,
    )
    return True


def receipts_due(now: dt.datetime | None = None) -> int:
    """Queue again every issued receipt whose attempt is overdue by a minute."""
    now = now or timezone.now()
    due = list(
        Receipt.objects.filter(
            issued=True,
            state=ReceiptState.QUEUED,
            next_attempt_at__lt=now - dt.timedelta(minutes=1),
        ).values_list("pk", flat=True)[:500]
    )
    with transaction.atomic():
        for pk in due:
            _enqueue(pk)
    return len(due)
