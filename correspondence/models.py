"""Letters and their life: types, drafts, versions, review routes, numbers, deliveries, dispositions.

Models hold fields, constraints and FSM transitions (which only change fields). Who may fire a
transition is answered by `permissions.py`; the services in `services.py` lock, check, fire,
save, log and grant in one transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from guardian.models import UserObjectPermissionBase

from workflows.choices import SecurityLevel, Urgency

from .choices import (
    AttachmentKind,
    DeliveryState,
    DispositionState,
    LetterScope,
    LetterState,
    RecipientKind,
    RecipientScope,
    ReservationState,
    SignerRule,
    SigningMode,
    StepKind,
    StepState,
)
from .querysets import DeliveryQuerySet, DispositionQuerySet, LetterQuerySet


def _policy(name: str):
    """A django-fsm `permission=` callable that asks the policy module (imported lazily)."""

    def check(instance, user) -> bool:
        from . import permissions

        return getattr(permissions, name)(user, instance)

    check.__name__ = name
    return check


class LetterType(models.Model):
    """A kind of naskah dinas of one tenant (surat dinas, nota dinas, undangan, ...)."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="letter_types"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=120,
        blank=True,
        help_text=_("Empty: the tenant's pattern."),
    )
    scope = models.CharField(
        _("scope"), max_length=10, choices=LetterScope.choices, default=LetterScope.BOTH
    )
    signer_rule = models.CharField(
        _("who signs"), max_length=12, choices=SignerRule.choices, default=SignerRule.UNIT_HEAD
    )
    signer_position_codes = models.JSONField(
        _("positions that may sign"),
        default=list,
        blank=True,
        help_text=_("Position codes; when set, only these positions may sign."),
    )
    creates_event = models.BooleanField(_("creates a calendar event"), default=False)
    multiple_signers = models.BooleanField(_("several signers in order"), default=False)
    direct_to_signer = models.BooleanField(
        _("may go straight to its signer"),
        default=False,
        help_text=_(
            "A draft of this type may skip review (paraf); its signer is never its drafter."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("letter type")
        verbose_name_plural = _("letter types")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="lettertype_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


class AddressBookEntry(models.Model):
    """An addressee off the platform, to whom the clerk dispatches the signed PDF."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="address_book"
    )
    name = models.CharField(_("addressee"), max_length=200)
    organization = models.CharField(_("organisation"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("address book entry")
        verbose_name_plural = _("address book")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.organization}" if self.organization else self.name


class DispositionInstruction(models.Model):
    """One of the tenant's standard disposition instructions ("Tindak lanjuti", ...)."""

    tenant = models.ForeignKey(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="disposition_instructions"
    )
    code = models.CharField(_("code"), max_length=30)
    text = models.CharField(_("instruction"), max_length=120)
    represents = models.BooleanField(
        _("attend or represent"),
        default=False,
        help_text=_("The assignee attends the invitation's event for the unit."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("disposition instruction")
        verbose_name_plural = _("disposition instructions")
        ordering = ["sort_order", "text"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="instruction_code_per_tenant")
        ]

    def __str__(self) -> str:
        return self.text


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
        permission=_policy("can_submit_letter"),
    )
    def submit(self, *, has_reviewers: bool):
        self.review_round += 1
        return LetterState.IN_REVIEW if has_reviewers else LetterState.APPROVED

    @transition(
        field=state,
        source=LetterState.IN_REVIEW,
        target=RETURN_VALUE(LetterState.IN_REVIEW, LetterState.APPROVED),
        permission=_policy("can_review_letter"),
    )
    def approve(self, *, last: bool):
        return LetterState.APPROVED if last else LetterState.IN_REVIEW

    @transition(
        field=state,
        source=[LetterState.IN_REVIEW, LetterState.APPROVED],
        target=LetterState.DRAFT,
        permission=_policy("can_return_letter"),
    )
    def return_to_drafter(self):
        pass

    @transition(
        field=state,
        source=[LetterState.IN_REVIEW, LetterState.APPROVED],
        target=LetterState.DRAFT,
        permission=_policy("can_withdraw_letter"),
    )
    def withdraw(self):
        pass

    @transition(
        field=state,
        source=LetterState.DRAFT,
        target=LetterState.CANCELLED,
        permission=_policy("can_edit_letter"),
    )
    def cancel(self):
        pass

    @transition(
        field=state,
        source=LetterState.APPROVED,
        target=RETURN_VALUE(LetterState.APPROVED, LetterState.SIGNED),
        permission=_policy("can_sign_letter"),
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
        permission=_policy("can_send_letter"),
    )
    def send(self):
        self.sent_at = timezone.now()

    @transition(
        field=state,
        source=LetterState.SENT,
        target=LetterState.RETRACTED,
        permission=_policy("can_retract_letter"),
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


class NumberCounter(models.Model):
    """The last number given for one key (tenant+unit+type+year, or a unit's agenda + year)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


class NumberReservation(models.Model):
    """A number taken in advance for a letter made by hand during an outage."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    letter_type = models.ForeignKey(LetterType, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=120)
    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.RESERVED
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reserved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reserved_at = models.DateTimeField(auto_now_add=True)
    bound_subject = models.CharField(_("subject"), max_length=300, blank=True)
    bound_file = models.FileField(upload_to="reserved/%Y/", blank=True)
    bound_sha256 = models.CharField(max_length=64, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "unit", "letter_type", "year", "seq"],
                name="reservation_unique",
            )
        ]

    def __str__(self) -> str:
        return self.number


class Delivery(ConcurrentTransitionMixin, models.Model):
    """A letter in one recipient unit's inbox (or addressed to one position there)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    unit = models.ForeignKey("organizations.Unit", on_delete=models.PROTECT, related_name="+")
    position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("addressed position"),
    )
    kind = models.CharField(max_length=2, choices=RecipientKind.choices)
    security = models.CharField(max_length=16, choices=SecurityLevel.choices)
    urgency = models.CharField(max_length=16, choices=Urgency.choices)
    state = FSMField(default=DeliveryState.DELIVERED, choices=DeliveryState.choices, protected=True)
    agenda_year = models.PositiveSmallIntegerField()
    agenda_seq = models.PositiveIntegerField()
    agenda_number = models.CharField(_("agenda number"), max_length=60)
    delivered_at = models.DateTimeField(_("delivered"), default=timezone.now)
    first_read_at = models.DateTimeField(_("first read"), null=True, blank=True)
    first_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_at", "-id"]
        indexes = [
            # Covering: a unit inbox's page and counts read the index alone (100,000 rows).
            models.Index(
                fields=["unit", "-delivered_at", "-id"],
                include=["tenant", "security", "position", "state", "kind"],
                name="delivery_unit_inbox_v2",
            ),
            models.Index(fields=["position", "-delivered_at"]),
            models.Index(fields=["tenant", "delivered_at"], name="delivery_tenant_time"),
            models.Index(fields=["letter", "unit"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "agenda_year", "agenda_seq"], name="delivery_agenda_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agenda_number} {self.letter}"

    @property
    def is_confidential(self) -> bool:
        return self.security in SecurityLevel.confidential()

    def is_to(self) -> bool:
        return self.kind == RecipientKind.TO

    @transition(
        field=state,
        source=DeliveryState.DELIVERED,
        target=DeliveryState.READ,
        permission=_policy("can_view_delivery"),
    )
    def open(self, *, reader):
        self.first_read_at = timezone.now()
        self.first_read_by = reader

    @transition(
        field=state,
        source=[DeliveryState.READ, DeliveryState.DELIVERED],
        target=DeliveryState.IN_PROGRESS,
        conditions=[is_to],
        permission=_policy("can_disposition_delivery"),
    )
    def start(self):
        pass

    @transition(
        field=state,
        source=[DeliveryState.READ, DeliveryState.IN_PROGRESS],
        target=DeliveryState.DONE,
        conditions=[is_to],
        permission=_policy("can_finish_delivery"),
    )
    def finish(self):
        self.done_at = timezone.now()

    @transition(
        field=state,
        source=[DeliveryState.DELIVERED, DeliveryState.READ, DeliveryState.IN_PROGRESS],
        target=DeliveryState.RETRACTED,
    )
    def withdraw_by_sender(self):
        pass


class Disposition(ConcurrentTransitionMixin, models.Model):
    """An instruction from a holder of a delivery to a position below, with a due date."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.PROTECT, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="dispositions")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="dispositions")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_as = models.ForeignKey(
        "organizations.Position", on_delete=models.PROTECT, related_name="+"
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_position = models.ForeignKey(
        "organizations.Position",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to"),
    )
    instructions = models.JSONField(_("instructions"), default=list)
    note = models.TextField(_("note"), blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    # When the assignee was told it is due soon / overdue: each notice goes out once.
    due_soon_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    urgency = models.CharField(
        _("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.BIASA
    )
    security = models.CharField(max_length=16, choices=SecurityLevel.choices)
    state = FSMField(
        default=DispositionState.ISSUED, choices=DispositionState.choices, protected=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report_text = models.TextField(_("report"), blank=True)
    report_file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    report_file_name = models.CharField(max_length=200, blank=True)

    objects = DispositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["to_position", "state"]),
            models.Index(fields=["issued_as", "state"]),
            models.Index(fields=["delivery", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.letter} → {self.to_position}"

    @transition(
        field=state,
        source=DispositionState.PREPARED,
        target=DispositionState.ISSUED,
        permission=_policy("can_confirm_disposition"),
    )
    def confirm(self, *, issuer):
        self.issued_by = issuer
        self.issued_at = timezone.now()

    @transition(
        field=state,
        source=DispositionState.ISSUED,
        target=DispositionState.READ,
        permission=_policy("can_act_on_disposition"),
    )
    def open(self, *, reader):
        self.read_at = timezone.now()
        self.read_by = reader

    @transition(
        field=state,
        source=[DispositionState.ISSUED, DispositionState.READ],
        target=DispositionState.DONE,
        permission=_policy("can_act_on_disposition"),
    )
    def report(self, *, reporter, text: str):
        self.reported_at = timezone.now()
        self.reported_by = reporter
        self.report_text = text
        if self.read_at is None:
            self.read_at, self.read_by = self.reported_at, reporter

    @transition(
        field=state,
        source=[DispositionState.ISSUED, DispositionState.PREPARED],
        target=DispositionState.CANCELLED,
        permission=_policy("can_cancel_disposition"),
    )
    def cancel(self):
        pass


class Delegation(models.Model):
    """A head hands inbox handling to a named person for a period (cuti, dinas luar)."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    position = models.ForeignKey(
        "organizations.Position", on_delete=models.CASCADE, related_name="delegations"
    )
    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        verbose_name=_("delegate"),
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["delegate", "start_date", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="delegation_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}"


class InboxChange(models.Model):
    """A committed change to the rows of a unit's inbox, written by database triggers on
    deliveries, their dispositions and their grants (migration 0008): the sum of a unit's
    weights is the version its kept inbox counts are read under (`correspondence.inboxcount`).
    Rows are folded into one per unit now and then; the sum never changes by that."""

    unit_id = models.BigIntegerField(db_index=True)
    weight = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"unit {self.unit_id} +{self.weight}"


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


# Guardian's direct foreign-key permission tables: integer joins instead of text object ids.
class LetterUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Letter, on_delete=models.CASCADE)


class DeliveryUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Delivery, on_delete=models.CASCADE)


class DispositionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Disposition, on_delete=models.CASCADE)


class AttachmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Attachment, on_delete=models.CASCADE)


class SigningAuthority(models.Model):
    """A tenant's own certificate authority for the built-in signing adapter (embedded
    default and tests); production can sign through a remote service instead."""

    tenant = models.OneToOneField(
        "organizations.Tenant", on_delete=models.CASCADE, related_name="signing_authority"
    )
    name = models.CharField(max_length=200)
    certificate_pem = models.TextField()
    key_pem = models.TextField()  # encrypted with a key derived from SECRET_KEY
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")

    def __str__(self) -> str:
        return self.name


class SignerCertificate(models.Model):
    """A signer's certificate and (encrypted) key issued by the tenant's authority."""

    tenant = models.ForeignKey("organizations.Tenant", on_delete=models.CASCADE, related_name="+")
    authority = models.ForeignKey(
        SigningAuthority, on_delete=models.CASCADE, related_name="certificates"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signing_certificates"
    )
    serial = models.CharField(max_length=64, unique=True)
    certificate_pem = models.TextField()
    key_pem = models.TextField()
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signer certificate")
        verbose_name_plural = _("signer certificates")
        indexes = [models.Index(fields=["user", "-not_after"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.serial}"


class RecordSplitPending(models.Model):
    """An archive record of a letter filed before records were kept per side, still to be
    split (see `correspondence.archiving.records_split_pending`, run after `migrate`)."""

    record_id = models.BigIntegerField(primary_key=True)

    def __str__(self) -> str:
        return str(self.record_id)
