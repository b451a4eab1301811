"""Letters between deployments. A `Peer` is a tenant on another Naskah instance that this
tenant exchanges with (its instance key pinned from the tenant file); its directory lists the
units and named officials it accepts letters for, each kept as a `PeerAddress` that is also an
address-book entry. A letter to one becomes an `Envelope` (the sender's outbox row and its
tracking); an accepted envelope is an `Arrival` at the receiver; every signed receipt, either
way, is a `Receipt` kept as evidence."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AddressKind, EnvelopeState, ReceiptKind, ReceiptState


class InstanceKey(models.Model):
    """The key this instance signs envelopes, receipts and directories with (Ed25519, as a
    JWK). One row; made on first use."""

    jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="one_instance_key")]

    def __str__(self) -> str:
        return "instance key"


class Peer(models.Model):
    """A tenant on another instance that this tenant exchanges letters with."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    instance_url = models.URLField(_("instance address"), max_length=300)
    remote_tenant = models.SlugField(_("tenant at the peer"), max_length=50)
    key = models.JSONField(help_text="The peer instance's public key (JWK), pinned.")
    roots_pem = models.TextField(blank=True, help_text="Its signing trust roots (directory).")
    directory_at = models.DateTimeField(null=True, blank=True)
    directory_error = models.CharField(max_length=500, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["tenant", "code"]
        verbose_name = _("partner instance")
        verbose_name_plural = _("partner instances")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="peer_code_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "instance_url", "remote_tenant"], name="peer_once_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PeerAddress(models.Model):
    """A unit, or a named official, at a peer that accepts letters (from its directory)."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=8, choices=AddressKind.choices)
    remote_unit = models.CharField(max_length=40)
    remote_position = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=300)
    address = models.OneToOneField(
        "correspondence.AddressBookEntry", on_delete=models.PROTECT, related_name="+"
    )
    listed = models.BooleanField(default=True)  # still in the peer's directory

    class Meta:
        ordering = ["peer", "remote_unit", "remote_position"]
        constraints = [
            models.UniqueConstraint(
                fields=["peer", "remote_unit", "remote_position"], name="peer_address_once"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Envelope(models.Model):
    """A sent letter on its way to one peer address: the outbox row (written in the send's
    transaction) and, once there, the sender's tracking of it."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    letter = models.ForeignKey("correspondence.Letter", on_delete=models.PROTECT, related_name="+")
    recipient = models.OneToOneField(
        "correspondence.Recipient", on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(PeerAddress, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=10, choices=EnvelopeState.choices, default=EnvelopeState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    refused_code = models.CharField(max_length=40, blank=True)
    refused_reason = models.CharField(max_length=500, blank=True)
    agenda_number = models.CharField(max_length=60, blank=True)  # at the receiver
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="envelope_due")]

    def __str__(self) -> str:
        return str(self.uid)


class Arrival(models.Model):
    """An envelope this tenant accepted from a peer: its id makes a replay a duplicate, its
    signed form is kept as evidence."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="+")
    uid = models.UUIDField()
    letter = models.ForeignKey("correspondence.Letter", on_delete=models.PROTECT, related_name="+")
    delivery = models.OneToOneField(
        "correspondence.Delivery", on_delete=models.PROTECT, related_name="+"
    )
    token = models.TextField()  # the envelope as signed by the peer
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "uid"], name="arrival_once_per_tenant")
        ]

    def __str__(self) -> str:
        return str(self.uid)


class Receipt(models.Model):
    """A signed receipt about one envelope: received by the sender (evidence of its tracking)
    or issued by the receiver (an outbox row until the sender has it)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    envelope_uid = models.UUIDField()
    kind = models.CharField(max_length=10, choices=ReceiptKind.choices)
    issued = models.BooleanField()  # issued here (the receiver's), else received (the sender's)
    state = models.CharField(max_length=10, choices=ReceiptState.choices)
    at = models.DateTimeField()  # the moment the receipt states
    token = models.TextField(blank=True)  # the signed receipt
    envelope = models.ForeignKey(
        Envelope, on_delete=models.CASCADE, null=True, blank=True, related_name="receipts"
    )
    arrival = models.ForeignKey(
        Arrival, on_delete=models.CASCADE, null=True, blank=True, related_name="receipts"
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "envelope_uid", "kind", "issued"], name="receipt_once"
            ),
            models.CheckConstraint(
                condition=models.Q(envelope__isnull=False) | models.Q(arrival__isnull=False),
                name="receipt_about_something",
            ),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="receipt_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.envelope_uid}"
