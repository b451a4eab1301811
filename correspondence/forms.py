"""HTML forms of correspondence: they parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.uploads import SCAN_TYPES, upload_inspect
from organizations.models import Position, Unit
from workflows.choices import SecurityLevel, Urgency

from . import layouts, selectors
from .choices import DeliveryState, RecipientKind, SigningMode
from .grouppolicy import can_keep_tenant_groups
from .models import AddressBookEntry
from .picker import signer_choices_for
from .services import RecipientInput
from .services.drafting import EVENT_FIELDS, TEXT_FIELDS


class UnitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} — {obj.tenant.app_name}" if obj.depth <= 2 else obj.name


class PositionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Position) -> str:
        return f"{obj.title} — {obj.unit.label}"


class PositionsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Position) -> str:
        return f"{obj.title} — {obj.unit.label}"


def _check_upload(f, allowed=None):
    if f:
        try:
            upload_inspect(f, allowed=allowed)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
    return f


class TypeSelect(forms.Select):
    """The letter type's select: each option carries its type's code (`data-code`), which the
    fields shown only for some types name (`data-letter-types` on their wrapper)."""

    def __init__(self, attrs=None):
        super().__init__({"data-type-select": "", **(attrs or {})})

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-code"] = instance.code
        return option


# How a structured part is typed in its textarea (`layouts.part_from_text`).
PART_FORMATS = {
    "items": _("One item per line."),
    "people": _("One person per line: name | NIP | rank | position."),
    "parties": _("One party per line: label (e.g. PIHAK PERTAMA) | name | NIP | position."),
}


def _part_field(specs: dict, type_names: dict) -> forms.CharField:
    """One textarea for a part name that several types may have (`specs`: type pk -> spec);
    its label is the types' common label, its help the line format of each kind."""
    labels = {spec.label for spec in specs.values()}
    name = next(iter(specs.values())).name
    label = labels.pop() if len(labels) == 1 and "" not in labels else ""
    by_kind: dict[str, list[str]] = {}
    for pk, spec in specs.items():
        by_kind.setdefault(spec.kind, []).append(type_names[pk])
    formats = [(kind, PART_FORMATS[kind]) for kind in by_kind if kind in PART_FORMATS]
    if len(by_kind) == 1:
        help_text = formats[0][1] if formats else ""
    else:  # one name, several kinds (kepada: a list in an instruksi, people in a surat tugas)
        help_text = " ".join(f"{', '.join(by_kind[k])}: {text}" for k, text in formats)
    return forms.CharField(
        label=label or name.replace("_", " ").capitalize(),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=help_text,
    )


# The recipient fields the picker (static/js/picker.js, Tom Select) enhances, and the kind
# of recipient each searches (correspondence.picker.ROLES).
PICKED = {
    "to_units": "unit",
    "cc_units": "unit",
    "to_positions": "position",
    "signer_position": "signer",
    "on_behalf_of": "signer",
    "to_addresses": "address",
}
SAVABLE = {"to_units", "cc_units", "to_positions"}


def picker_attrs(widget: forms.Widget, role: str, *, save: bool) -> None:
    """Mark a select for the picker: its endpoint, and its texts in the page's language."""
    widget.attrs.update(
        {
            "data-picker": role,
            "data-picker-url": reverse("correspondence:picker"),
            "data-picker-no-results": _("No match. Type another part of the name."),
            "data-picker-loading": _("Searching…"),
            "data-picker-placeholder": _("Type to search"),
        }
    )
    if save:
        widget.attrs.update(
            {
                "data-picker-save-url": reverse("correspondence:recipient-group-create"),
                "data-picker-save": _("Save these as a group"),
                "data-picker-save-confirm": _("Save"),
                "data-picker-save-name": _("Group name"),
                "data-picker-saved": _("Group saved."),
            }
        )


class LetterForm(forms.Form):
    letter_type = forms.ModelChoiceField(queryset=None, label=_("Type"), widget=TypeSelect)
    subject = forms.CharField(label=_("Subject (hal)"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    # data-editor: the compose page mounts its rich-text editor on it (assets/editor.js).
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 10, "data-editor": ""}),
        required=False,
    )
    security = forms.ChoiceField(label=_("Security"), choices=SecurityLevel.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    classification_code = forms.CharField(label=_("Classification"), max_length=30, required=False)
    signer_position = PositionChoice(queryset=None, label=_("Signer"), required=False)
    on_behalf_of = PositionChoice(
        queryset=None,
        label=_("On behalf of (a.n.)"),
        required=False,
        help_text=_("The post the signer signs for, when it is not their own."),
    )
    to_units = UnitChoice(queryset=None, label=_("To (units)"), required=False)
    to_positions = PositionsChoice(queryset=None, label=_("To (positions)"), required=False)
    cc_units = UnitChoice(queryset=None, label=_("Copy to (tembusan)"), required=False)
    to_addresses = forms.ModelMultipleChoiceField(
        queryset=None, label=_("To (off the platform)"), required=False
    )
    event_start = forms.DateTimeField(
        label=_("Event starts"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    event_end = forms.DateTimeField(
        label=_("Event ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    event_location = forms.CharField(label=_("Place"), max_length=200, required=False)
    attachment = forms.FileField(label=_("Attachment"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter_type"].queryset = selectors.letter_types_for(user)
        # Only the posts that may sign for this drafter (picker.signer_choices_for); the
        # picker narrows them to the chosen type's rule, the service checks the rule again.
        signers = signer_choices_for(user)
        self.fields["signer_position"].queryset = signers
        self.fields["on_behalf_of"].queryset = signers
        self._type_fields(list(self.fields["letter_type"].queryset))
        units = selectors.recipient_units(user)
        self.fields["to_units"].queryset = units
        self.fields["cc_units"].queryset = units
        self.fields["to_positions"].queryset = Position.objects.filter(
            tenant_id=user.tenant_id, is_active=True
        ).select_related("unit")
        self.fields["to_addresses"].queryset = AddressBookEntry.objects.filter(
            tenant_id=user.tenant_id, is_active=True
        )
        tenant_groups = can_keep_tenant_groups(user)
        for name, role in PICKED.items():
            widget = self.fields[name].widget
            picker_attrs(widget, role, save=name in SAVABLE)
            if tenant_groups and name in SAVABLE:
                widget.attrs["data-picker-save-tenant"] = _("For the whole tenant")

    def _type_fields(self, types) -> None:
        """A textarea per structured part name of the tenant's types (`part_<name>`), after
        the body; it, the body and the event fields are shown only for the types that have
        them (`shown_for`: field name -> type codes, for the wrapper's data attribute)."""
        specs: dict[str, dict] = {}
        for t in types:
            for spec in layouts.layout_of(t).structured:
                specs.setdefault(spec.name, {})[t.pk] = spec
        names = {t.pk: t.name for t in types}
        codes = {t.pk: t.code for t in types}
        self.shown_for = {
            "body": [t.code for t in types if layouts.layout_of(t).has_body],
            **{f: [t.code for t in types if t.creates_event] for f in EVENT_FIELDS},
        }
        part_fields = []
        for name, by_type in specs.items():
            field = f"part_{name}"
            self.fields[field] = _part_field(by_type, names)
            self.shown_for[field] = [codes[pk] for pk in by_type]
            part_fields.append(field)
        order = list(self.fields)
        at = order.index("body") + 1
        self.order_fields([*order[:at], *part_fields, *order[at:]])

    def rows(self) -> list[tuple]:
        """The visible fields, each with the type codes it is shown for (None: always)."""
        return [
            (f, " ".join(self.shown_for[f.name]) if f.name in self.shown_for else None)
            for f in self.visible_fields()
        ]

    def clean_attachment(self):
        return _check_upload(self.cleaned_data.get("attachment"))

    def recipients(self) -> list[RecipientInput]:
        d = self.cleaned_data
        rows = [RecipientInput(kind=RecipientKind.TO, unit=u) for u in d["to_units"]]
        rows += [
            RecipientInput(kind=RecipientKind.TO, unit=p.unit, position=p)
            for p in d["to_positions"]
        ]
        rows += [RecipientInput(kind=RecipientKind.TO, address=a) for a in d["to_addresses"]]
        rows += [RecipientInput(kind=RecipientKind.CC, unit=u) for u in d["cc_units"]]
        return rows

    def letter_fields(self) -> dict:
        """The service's fields; `parts` are the chosen type's, as typed in their textareas
        (a part another type has is not the letter's, even if it was filled in)."""
        d = self.cleaned_data
        keys = ["letter_type", *TEXT_FIELDS, "signer_position", "on_behalf_of", *EVENT_FIELDS]
        parts = {
            spec.name: layouts.part_from_text(spec, d.get(f"part_{spec.name}") or "")
            for spec in layouts.layout_of(d["letter_type"]).structured
        }
        return {**{k: d[k] for k in keys}, "parts": parts}

    @staticmethod
    def initial_for(letter) -> dict:
        recipients = list(letter.recipients.all())
        layout = layouts.layout_of(letter.letter_type)
        parts = {
            f"part_{spec.name}": layouts.part_to_text(spec, (letter.parts or {}).get(spec.name))
            for spec in layout.structured
        }
        return {
            **parts,
            "letter_type": letter.letter_type_id,
            "subject": letter.subject,
            "summary": letter.summary,
            "body": letter.body,
            "security": letter.security,
            "urgency": letter.urgency,
            "classification_code": letter.classification_code,
            "signer_position": letter.signer_position_id,
            "on_behalf_of": letter.on_behalf_of_id,
            "to_units": [
                r.unit_id for r in recipients if r.kind == "to" and r.unit_id and not r.position_id
            ],
            "to_positions": [r.position_id for r in recipients if r.position_id],
            "cc_units": [r.unit_id for r in recipients if r.kind == "cc" and r.unit_id],
            "to_addresses": [r.address_id for r in recipients if r.address_id],
            "event_start": letter.event_start,
            "event_end": letter.event_end,
            "event_location": letter.event_location,
            "version": letter.version,
        }


class LabelledWidgets(forms.Form):
    """A form whose fields the letter page renders bare (no <label> of their own): each
    control carries its label as aria-label, so a screen reader still names it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label and not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", str(field.label))


class NoteForm(LabelledWidgets):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class SignForm(LabelledWidgets):
    mode = forms.ChoiceField(
        label=_("How"), choices=SigningMode.choices, initial=SigningMode.ELECTRONIC
    )
    note = forms.CharField(required=False, widget=forms.HiddenInput)
    # Electronic: the signing passphrase that opens the signer's key; paper: the login password.
    password = forms.CharField(
        label=_("Signing passphrase (on paper: your password)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "required": True}),
    )


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label=_("PDF to check"))

    def clean_file(self):
        return _check_upload(self.cleaned_data["file"], {"pdf"})


class AttachmentForm(LabelledWidgets):
    file = forms.FileField(label=_("File"))
    scan = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_file(self):
        allowed = SCAN_TYPES if self.data.get("scan") else None
        return _check_upload(self.cleaned_data["file"], allowed)


class CommentForm(LabelledWidgets):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class DispositionForm(forms.Form):
    to_positions = PositionsChoice(
        queryset=None, label=_("To"), widget=forms.CheckboxSelectMultiple
    )
    instructions = forms.MultipleChoiceField(
        label=_("Instructions"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)

    def __init__(self, *args, positions, instructions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_positions"].queryset = Position.objects.filter(
            pk__in=[p.pk for p in positions]
        ).select_related("unit")
        self.fields["instructions"].choices = [(i.code, i.text) for i in instructions]


class ReportForm(forms.Form):
    text = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("File"), required=False)

    def clean_file(self):
        return _check_upload(self.cleaned_data.get("file"))


class IncomingForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("Received by"))
    sender_name = forms.CharField(label=_("Sender"), max_length=200)
    sender_number = forms.CharField(label=_("Their number"), max_length=120, required=False)
    sender_date = forms.DateField(
        label=_("Their date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_date = forms.DateField(
        label=_("Received"), widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(label=_("Subject (hal)"), max_length=300)
    classification_code = forms.CharField(label=_("Classification"), max_length=30, required=False)
    security = forms.ChoiceField(label=_("Security"), choices=SecurityLevel.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    addressed_position = PositionChoice(queryset=None, label=_("Addressed to"), required=False)
    scan = forms.FileField(label=_("Scan (PDF or image)"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["addressed_position"].queryset = Position.objects.filter(
            unit__in=units, is_active=True
        ).select_related("unit")

    def clean_scan(self):
        return _check_upload(self.cleaned_data["scan"], SCAN_TYPES)


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", "—"), *DeliveryState.choices]
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", "—"), *Urgency.choices]
    )
    security = forms.ChoiceField(
        label=_("Security"), required=False, choices=[("", "—"), *SecurityLevel.choices]
    )
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sender = forms.CharField(label=_("Sender"), required=False, max_length=100)
    q = forms.CharField(label=_("Subject or number"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("As"), required=False, choices=[("", "—"), *RecipientKind.choices]
    )

    def controls(self) -> list[dict]:
        """The fields as plain values for a light template: the inbox is the busiest page, and
        rendering eight widgets (and their options) through widget templates cost more than
        its list query."""
        out = []
        for name, field in self.fields.items():
            value = self.data.get(name, "") if self.is_bound else ""
            choices = getattr(field, "choices", None)
            kind = getattr(field.widget, "input_type", "text")
            out.append(
                {
                    "name": name,
                    "label": field.label,
                    "value": value,
                    "type": "date" if field.widget.attrs.get("type") == "date" else kind,
                    "options": [(str(k), v) for k, v in choices] if choices is not None else None,
                    "errors": self.errors.get(name, []) if self.is_bound else [],
                }
            )
        return out

    def to_filter(self) -> selectors.InboxFilter:
        if not self.is_valid():
            return selectors.InboxFilter()
        return selectors.InboxFilter(**{k: v for k, v in self.cleaned_data.items() if v})


class ReserveForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("Unit"))
    letter_type = forms.ModelChoiceField(queryset=None, label=_("Type"))
    count = forms.IntegerField(label=_("How many"), min_value=1, max_value=100)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(queryset=None, label=_("Delegate"))
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class RescheduleForm(forms.Form):
    """A sent invitation's new time and place (in the tenant's time zone)."""

    event_start = forms.DateTimeField(
        label=_("Event starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    event_end = forms.DateTimeField(
        label=_("Event ends"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    event_location = forms.CharField(label=_("Place"), max_length=200, required=False)

    @classmethod
    def parsed(cls, data) -> dict:
        """The cleaned fields; invalid input raises ValidationError with the form's messages."""
        form = cls(data)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        return form.cleaned_data


class SigningKeyForm(forms.Form):
    """A new signing key: the passphrase twice (never stored) and the login password."""

    passphrase = forms.CharField(
        label=_("New signing passphrase"),
        min_length=8,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not your login password. Nobody can reset it."),
    )
    passphrase2 = forms.CharField(
        label=_("The passphrase again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password = forms.CharField(
        label=_("Your login password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        phrase = data.get("passphrase") or ""
        if phrase and phrase != data.get("passphrase2"):
            self.add_error("passphrase2", _("The two passphrases differ."))
        if not check_password(data.get("password") or "", self.user.password):
            self.add_error("password", _("The password is not right."))
        elif phrase and check_password(phrase, self.user.password):
            self.add_error("passphrase", _("Choose a passphrase other than your login password."))
        return data
