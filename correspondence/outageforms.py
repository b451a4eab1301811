"""Forms of the outage pages: recording an outage, registering a letter made by hand."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Position, Unit
from workflows.choices import SecurityLevel, Urgency

from .models import AddressBookEntry, LetterType

LOCAL = {"type": "datetime-local"}


class OutageForm(forms.Form):
    reason = forms.CharField(label=_("What happened"), max_length=300)
    started_at = forms.DateTimeField(
        label=_("Started (empty: now)"), required=False, widget=forms.DateTimeInput(LOCAL)
    )
    ended_at = forms.DateTimeField(
        label=_("Ended (if over already)"), required=False, widget=forms.DateTimeInput(LOCAL)
    )


class OutageEndForm(forms.Form):
    ended_at = forms.DateTimeField(
        label=_("Ended (empty: now)"), required=False, widget=forms.DateTimeInput(LOCAL)
    )


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.label


class OutageLetterForm(forms.Form):
    """What the clerk reads off the letter made by hand under the number."""

    letter_type = forms.ModelChoiceField(queryset=None, label=_("Type"))
    letter_date = forms.DateField(
        label=_("Date of the letter"), widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(label=_("Subject (hal)"), max_length=300)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea)
    classification_code = forms.CharField(label=_("Classification"), max_length=30, required=False)
    security = forms.ChoiceField(label=_("Security"), choices=SecurityLevel.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    signer_position = forms.ModelChoiceField(queryset=None, label=_("Signed by (post)"))
    to_units = UnitsChoice(queryset=None, label=_("To (units)"), required=False)
    cc_units = UnitsChoice(queryset=None, label=_("Copy to (units)"), required=False)
    addresses = forms.ModelMultipleChoiceField(
        queryset=None, label=_("To (address book)"), required=False
    )
    scan = forms.FileField(label=_("Scan (PDF or image)"))

    def __init__(self, *args, reservation, **kwargs):
        super().__init__(*args, **kwargs)
        tenant_id = reservation.tenant_id
        self.fields["letter_type"].queryset = LetterType.objects.filter(
            tenant_id=tenant_id, is_active=True
        )
        self.fields["letter_type"].initial = reservation.letter_type_id
        self.fields["signer_position"].queryset = Position.objects.filter(
            unit_id=reservation.unit_id, is_active=True
        )
        units = Unit.objects.filter(tenant_id=tenant_id, is_active=True).order_by("path")
        self.fields["to_units"].queryset = units
        self.fields["cc_units"].queryset = units
        self.fields["addresses"].queryset = AddressBookEntry.objects.filter(tenant_id=tenant_id)
