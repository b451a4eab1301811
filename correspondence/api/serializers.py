"""Explicit input and output shapes of the letters API."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import IdField
from workflows.choices import SecurityLevel, Urgency

from ..checker import draft_findings
from ..choices import RecipientKind, SigningMode
from ..models import Attachment, Delivery, Disposition, Letter, Recipient, ReviewStep


class RecipientIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecipientKind.choices)
    unit = IdField(required=False, allow_null=True)
    position = IdField(required=False, allow_null=True)
    address = IdField(required=False, allow_null=True)


def _no_nul(value, path: str = "parts") -> None:
    """PostgreSQL's jsonb cannot store a NUL character: refuse it as the bad input it is."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError(f"{path}: null characters are not allowed.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key, path)
            _no_nul(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            _no_nul(item, path)


class PartsField(serializers.DictField):
    """A letter's structured parts by name, as its type's layout has them: `items` parts a
    list of strings, `people` a list of {name, nip, rank, position}, `parties` a list of
    {label, name, nip, position}, the others a string."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        _no_nul(value)
        return value


class LetterIn(serializers.Serializer):
    letter_type = serializers.CharField(help_text="Letter type code, e.g. surat_dinas")
    subject = serializers.CharField(max_length=300)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="")
    security = serializers.ChoiceField(choices=SecurityLevel.choices, default=SecurityLevel.BIASA)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.BIASA)
    classification_code = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30
    )
    signer_position = IdField(required=False, allow_null=True)
    on_behalf_of = IdField(
        required=False,
        allow_null=True,
        help_text="The post the signer signs for (a.n.), a position of the same government.",
    )
    parts = PartsField(
        required=False,
        default=dict,
        help_text="The structured parts beyond the body, by name, as the type's layout has "
        "them (e.g. dasar, kepada, untuk for a surat_tugas).",
    )
    reply_to = IdField(required=False, allow_null=True)
    recipients = RecipientIn(many=True)
    event_start = serializers.DateTimeField(required=False, allow_null=True)
    event_end = serializers.DateTimeField(required=False, allow_null=True)
    event_location = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )


class LetterPatch(LetterIn):
    version = serializers.IntegerField(min_value=1, max_value=2**31)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "version":
                field.required = False


class RecipientOut(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__")

    class Meta:
        model = Recipient
        fields = [
            "id",
            "kind",
            "scope",
            "unit",
            "position",
            "address",
            "label",
            "dispatched_at",
            "emailed_at",
            "undelivered_at",
            "undelivered_reason",
        ]


class StepOut(serializers.ModelSerializer):
    class Meta:
        model = ReviewStep
        fields = ["round", "order", "kind", "position", "state", "acted_by", "acted_at", "note"]


class AttachmentOut(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "created_at"]


class LetterOut(serializers.ModelSerializer):
    letter_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Letter
        fields = [
            "id",
            "letter_type",
            "subject",
            "summary",
            "state",
            "version",
            "number",
            "security",
            "urgency",
            "classification_code",
            "unit",
            "unit_name",
            "drafter",
            "signer_position",
            "reply_to",
            "signed_at",
            "sent_at",
            "is_incoming",
            "sender_name",
            "sender_number",
            "created_at",
            "updated_at",
        ]


def letter_pdf_url(letter) -> str | None:
    return reverse("correspondence:letter-pdf", args=[letter.pk]) if letter.pdf else None


class FindingOut(serializers.Serializer):
    """One finding of the rules checker on a draft."""

    level = serializers.ChoiceField(
        choices=["error", "warning"], help_text="An error blocks submit; a warning does not."
    )
    code = serializers.CharField(help_text='A stable id of the rule, e.g. "part.missing".')
    message = serializers.CharField(help_text="What to fix, in the user's language.")
    rule = serializers.CharField(help_text='The rule applied, e.g. "Permendagri 1/2023 art. 44".')
    field = serializers.CharField(
        allow_blank=True, help_text="The input field or letter part it is about; empty if none."
    )


class LetterDetailOut(LetterOut):
    parts = serializers.DictField(read_only=True)
    recipients = RecipientOut(many=True, read_only=True)
    steps = StepOut(many=True, read_only=True)
    attachments = AttachmentOut(many=True, read_only=True)
    pdf_url = serializers.SerializerMethodField()
    signing = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField(
        help_text=(
            "The rules checker's findings while the letter is a draft, errors first: an error "
            "blocks `submit` (which answers 400 with the errors' messages by field), a warning "
            "does not. Answered after every create and update, so a client shows them right "
            "after saving; empty once the letter has left its drafter."
        )
    )

    class Meta(LetterOut.Meta):
        fields = [
            *LetterOut.Meta.fields,
            "body",
            "parts",
            "on_behalf_of",
            "recipients",
            "steps",
            "attachments",
            "event_start",
            "event_end",
            "event_location",
            "retract_reason",
            "pdf_url",
            "pdf_sha256",
            "signing",
            "sign_error",
            "findings",
        ]

    def get_pdf_url(self, letter) -> str | None:
        return letter_pdf_url(letter)

    def get_signing(self, letter) -> bool:
        """True while the PDF is being rendered and signed in the background."""
        return letter.sign_pending_since is not None

    @extend_schema_field(FindingOut(many=True))
    def get_findings(self, letter) -> list[dict]:
        """The findings of a draft (see the field's help text)."""
        return [f.as_dict() for f in draft_findings(letter)]


class PreviewRefusedOut(serializers.Serializer):
    error = serializers.CharField()
    detail = serializers.CharField()
    pdf_url = serializers.CharField(allow_null=True, help_text="The signed PDF, if it has one.")


class OutboxOut(LetterOut):
    n_deliveries = serializers.IntegerField(read_only=True)
    n_read = serializers.IntegerField(read_only=True)
    n_done = serializers.IntegerField(read_only=True)

    class Meta(LetterOut.Meta):
        fields = [*LetterOut.Meta.fields, "n_deliveries", "n_read", "n_done"]


class DeliveryOut(serializers.ModelSerializer):
    letter = LetterOut(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "letter",
            "unit",
            "position",
            "kind",
            "security",
            "urgency",
            "state",
            "agenda_number",
            "delivered_at",
            "first_read_at",
            "done_at",
        ]


class DispositionOut(serializers.ModelSerializer):
    class Meta:
        model = Disposition
        fields = [
            "id",
            "letter",
            "delivery",
            "parent",
            "issued_as",
            "issued_by",
            "to_position",
            "instructions",
            "note",
            "due_date",
            "urgency",
            "state",
            "read_at",
            "reported_at",
            "report_text",
            "created_at",
        ]


class NoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)


class RescheduleIn(serializers.Serializer):
    event_start = serializers.DateTimeField()
    event_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    event_location = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class SignIn(serializers.Serializer):
    mode = serializers.ChoiceField(choices=SigningMode.choices, default=SigningMode.ELECTRONIC)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(
        write_only=True,
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        help_text="Paper signing: the signer's login password (a wrong or missing one is 400).",
    )
    passphrase = serializers.CharField(
        write_only=True,
        max_length=256,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Electronic signing: the signer's signing passphrase, which opens their key for "
            "this one signature (wrong: 400, counted toward the account's lockout)."
        ),
    )
    otp = serializers.CharField(
        write_only=True,
        max_length=8,
        required=False,
        allow_blank=True,
        default="",
        help_text="A code from the signer's authenticator, when the session is not verified.",
    )


class SubmitIn(serializers.Serializer):
    route = serializers.ListField(child=IdField(), required=False, allow_null=True, default=None)
    signers = serializers.ListField(child=IdField(), required=False, allow_null=True, default=None)


class DispositionIn(serializers.Serializer):
    to_positions = serializers.ListField(child=IdField(), min_length=1)
    instructions = serializers.ListField(child=serializers.CharField(), min_length=1)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.BIASA)
    parent = IdField(required=False, allow_null=True, default=None)
    prepare = serializers.BooleanField(required=False, default=False)


class ReportIn(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    file = serializers.FileField(required=False, allow_null=True)


class AttachmentIn(serializers.Serializer):
    file = serializers.FileField()
    scan = serializers.BooleanField(required=False, default=False)


class IncomingIn(serializers.Serializer):
    unit = IdField()
    sender_name = serializers.CharField(max_length=200)
    sender_number = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )
    sender_date = serializers.DateField(required=False, allow_null=True, default=None)
    received_date = serializers.DateField()
    subject = serializers.CharField(max_length=300)
    classification_code = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default=""
    )
    security = serializers.ChoiceField(choices=SecurityLevel.choices, default=SecurityLevel.BIASA)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.BIASA)
    addressed_position = IdField(required=False, allow_null=True, default=None)
    scan = serializers.FileField()
