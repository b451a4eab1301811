"""A letter and what belongs to it alone: versions, recipients, attachments, its review route
and comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from workflows.choices import SecurityLevel, Urgency

from ..choices import (
    AttachmentKind,
    LetterState,
    RecipientKind,
    RecipientScope,
    SigningMode,
    StepKind,
    StepState,
)
from ..querysets import LetterQuerySet
from .common import transition_policy
from .reference import AddressBookEntry, LetterType


class Letter(ConcurrentTransitionMixin, models.Model):
    """A naskah dinas: drafted, reviewed, signed, numbered, sent; or registered when it came in
    on paper."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    letter_type = models.ForeignKey(
        LetterType, on_delete=models.PROTECT, related_name="letters", verbose_name=_("type")
    )
    subject = models.CharField(_("subject (hal)"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"), blank=True)
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("originating unit"),
    )
    signer_position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signer"),
    )
    # a.n.: the post on whose behalf the signer signs (a mandate of the tenant file); the
    # letter is numbered in that post's register.
    on_behalf_of = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signs on behalf of (a.n.)"),
    )
    # The structured parts of its type's layout (menimbang, diktum, people, parties, ...).
    # db_default: rows written by COPY (the load generator) without the column get {} too.
    parts = models.JSONField(
        _("parts"), default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True
    )
    classification_code = models.CharField(_("classification"), max_length=30, blank=True)
    security = models.CharField(
        _("security"), max_length=16, choices=SecurityLevel.choices, default=SecurityLevel.BIASA
    )
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.BIASA
    )
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    state = FSMField(
        _("state"), default=LetterState.DRAFT, choices=LetterState.choices, protected=True
    )
    version = models.PositiveIntegerField(default=1)
    review_round = models.PositiveSmallIntegerField(default=0)
    number = models.CharField(_("number"), max_length=120, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True)
    number_unit = models.ForeignKey(
        "organizations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The signing unit whose register gave the number."),
    )
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # The number it carried when another letter had it too (manage.py number_duplicates).
    # db_default: rows written by COPY (the load generator) without the column get "" too.
    number_previous = models.CharField(
        _("previous number"), max_length=120, default="", db_default="", blank=True
    )
    signing_mode = models.CharField(max_length=12, choices=SigningMode.choices, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_as = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    retract_reason = models.TextField(_("reason for retraction"), blank=True)
    # Invitation (undangan) details, rendered into the PDF and turned into an event.
    # The official PDF (electronically signed letters): file, its hash and the QR token.
    pdf = models.FileField(_("signed PDF"), upload_to="letters/pdf/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # When the signed PDF needs a new document timestamp (its last TSA certificate expires
    # a year after this): `signatures_renew` adds one then.
    pdf_renew_by = models.DateTimeField(null=True, blank=True, db_index=True)
    verify_token = models.CharField(max_length=43, unique=True, null=True, blank=True)
    sign_pending_since = models.DateTimeField(null=True, blank=True)
    sign_error = models.CharField(max_length=500, blank=True)
    event_start = models.DateTimeField(_("event starts"), null=True, blank=True)
    event_end = models.DateTimeField(_("event ends"), null=True, blank=True)
    event_location = models.CharField(_("place"), max_length=200, blank=True)
    # A letter that came from outside the platform, registered by the agenda clerk.
    is_incoming = models.BooleanField(default=False)
    sender_name = models.CharField(_("sender"), max_length=200, blank=True)
    sender_number = models.CharField(_("their number"), max_length=120, blank=True)
    sender_date = models.DateField(_("their date"), null=True, blank=True)
    received_date = models.DateField(_("received"), null=True, blank=True)
    # The sender closed the matter (or every delivery was finished): the letter is filed.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["drafter", "state"]),
            models.Index(fields=["unit", "state", "-sent_at"]),
            models.Index(fields=["tenant", "number"]),
            models.Index(fields=["tenant", "signed_at"], name="letter_tenant_signed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "number_unit", "letter_type", "number_year", "number_seq"],
                condition=Q(number_seq__isnull=False),
                name="letter_number_unique",
            ),
            # One number, one letter. An incoming letter's own number (theirs) is in
            # sender_number, and its `number` stays empty, so every number here is one the
            # tenant gave.
            models.UniqueConstraint(
                fields=["tenant", "number"],
                condition=~Q(number=""),
                name="letter_number_issued_once",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.subject

    # --- conditions (pure) ---
    def has_route(self) -> bool:
        return self.signer_position_id is not None

    def has_recipients(self) -> bool:
        return self.recipients.exists()

    def has_scan_if_paper(self) -> bool:
        if self.signing_mode != SigningMode.PAPER:
            return True
        return self.attachments.filter(kind=AttachmentKind.SCAN).exists()

    @property
    def is_confidential(self) -> bool:
        return self.security in SecurityLevel.confidential()

    # --- transitions (they only change fields; services save, log and grant) ---
    @transition(
        field=state,
        source=LetterState.DRAFT,
        target=RETURN_VALUE(LetterState.IN_REVIEW, LetterState.APPROVED),
        conditions=[has_route, has_recipients],
        permission=transition_policy("can_submit_letter"),
    )
    def submit(self, *, has_reviewers: bool):
        self.review_round += 1
        return LetterState.IN_REVIEW if has_reviewers else LetterState.APPROVED

    @transition(
        field=state,
        source=LetterState.IN_REVIEW,
        target=RETURN_VALUE(LetterState.IN_REVIEW, LetterState.APPROVED),
        permission=transition_policy("can_review_letter"),
    )
    def approve(self, *, last: bool):
        return LetterState.APPROVED if last else LetterState.IN_REVIEW

    @transition(
        field=state,
        source=[LetterState.IN_REVIEW, LetterState.APPROVED],
        target=LetterState.DRAFT,
        permission=transition_policy("can_return_letter"),
    )
    def return_to_drafter(self):
        pass

    @transition(
        field=state,
        source=[LetterState.IN_REVIEW, LetterState.APPROVED],
        target=LetterState.DRAFT,
        permission=transition_policy("can_withdraw_letter"),
    )
    def withdraw(self):
        pass

    @transition(
        field=state,
        source=LetterState.DRAFT,
        target=LetterState.CANCELLED,
        permission=transition_policy("can_edit_letter"),
    )
    def cancel(self):
        pass

    @transition(
        field=state,
        source=LetterState.APPROVED,
        target=RETURN_VALUE(LetterState.APPROVED, LetterState.SIGNED),
        permission=transition_policy("can_sign_letter"),
    )
    def sign(self, *, last: bool, mode: str, signer, position):
        if not last:
            return LetterState.APPROVED
        self.signing_mode = mode
        self.signed_at = timezone.now()
        self.signed_by = signer
        self.signed_as = position
        return LetterState.SIGNED

    @transition(
        field=state,
        source=LetterState.SIGNED,
        target=LetterState.SENT,
        conditions=[has_recipients, has_scan_if_paper],
        permission=transition_policy("can_send_letter"),
    )
    def send(self):
        self.sent_at = timezone.now()

    @transition(
        field=state,
        source=LetterState.DRAFT,
        target=LetterState.SENT,
        conditions=[has_recipients, has_scan_if_paper],
        permission=transition_policy("can_register_outage_letter", module="outagepolicy"),
    )
    def record_made_by_hand(self, *, signed_at, position):
        """A letter made on paper under an outage number during an outage, registered after
        it: it was signed and sent then, so it is sent now."""
        self.signing_mode = SigningMode.PAPER
        self.signed_at = signed_at
        self.signed_as = position
        self.sent_at = timezone.now()

    @transition(
        field=state,
        source=LetterState.SENT,
        target=LetterState.RETRACTED,
        permission=transition_policy("can_retract_letter"),
    )
    def retract(self, *, reason: str):
        self.retracted_at = timezone.now()
        self.retract_reason = reason


class LetterVersion(models.Model):
    """A saved state of a draft; every edit keeps one."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    parts = models.JSONField(
        default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="letter_version_unique")
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class Recipient(models.Model):
    """A `to` or `cc` addressee in one of three scopes."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(_("as"), max_length=2, choices=RecipientKind.choices)
    scope = models.CharField(_("scope"), max_length=10, choices=RecipientScope.choices)
    unit = models.ForeignKey(
        "organizations.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address = models.ForeignKey(
        AddressBookEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)
    # E-mail to an addressee off the platform (correspondence.services.emailing): the
    # Message-ID is chosen when the letter is sent, so that every attempt and any bounce
    # names the same message; `emailed_at` is when the SMTP server accepted it.
    # db_default: rows written by COPY (the load generator) without the columns get them too.
    email_message_id = models.CharField(
        max_length=255, blank=True, db_index=True, default="", db_default=""
    )
    email_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    email_error = models.CharField(
        _("last e-mail error"), max_length=500, blank=True, default="", db_default=""
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    undelivered_at = models.DateTimeField(_("undelivered"), null=True, blank=True)
    undelivered_reason = models.CharField(
        _("why undelivered"), max_length=500, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["letter", "kind", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope=RecipientScope.EXTERNAL) & Q(address__isnull=False))
                | (~Q(scope=RecipientScope.EXTERNAL) & Q(unit__isnull=False)),
                name="recipient_has_target",
            )
        ]

    def __str__(self) -> str:
        if self.address_id:
            return str(self.address)
        return str(self.position or self.unit)

    @property
    def needs_dispatch(self) -> bool:
        """Whether the clerk may still dispatch to this addressee off the platform by hand: no
        e-mail reached them (none was sent yet, none could be, or it bounced)."""
        return (
            self.scope == RecipientScope.EXTERNAL
            and self.dispatched_at is None
            and (self.emailed_at is None or self.undelivered_at is not None)
        )


class Attachment(models.Model):
    """A file of a letter, stored under a generated name; its sha256 is recorded."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        max_length=12, choices=AttachmentKind.choices, default=AttachmentKind.ATTACHMENT
    )
    file = models.FileField(upload_to="letters/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["letter", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReviewStep(models.Model):
    """One step of a letter's route in one review round: a reviewer's paraf or a signature."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=StepKind.choices)
    position = models.ForeignKey(
        "organizations.Position", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.WAITING)
    reached_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    seen_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["letter", "round", "order"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "round", "order"], name="step_order_unique")
        ]
        indexes = [models.Index(fields=["position", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position}"


class Comment(models.Model):
    """A note on a letter by someone who may see it."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]
