"""Forms of the archive's record pages (parsing only; the services decide)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from organizations.models import Unit
from workflows.choices import SecurityLevel

from .choices import Medium, RecordState, TransferKind
from .models import Classification
from .selectors import RecordFilters
from .selectors.disposal import records_by_reference


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data]
        return [one(data, initial)] if data else []


def _blank(choices) -> list:
    return [("", "—"), *choices]


class RecordFilterForm(forms.Form):
    q = forms.CharField(label=_("Title or number"), required=False, max_length=200)
    classification = forms.CharField(label=_("Classification"), required=False, max_length=30)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    medium = forms.ChoiceField(label=_("Medium"), required=False, choices=_blank(Medium.choices))
    security = forms.ChoiceField(
        label=_("Security"), required=False, choices=_blank(SecurityLevel.choices)
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=_blank(RecordState.choices))
    vital = forms.BooleanField(label=_("Vital records only"), required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(tenant=tenant, depth__lte=2).values_list("pk", "name")
        self.fields["unit"].choices = _blank(list(units))

    def filters(self) -> RecordFilters:
        if not self.is_valid():
            return RecordFilters()
        d = self.cleaned_data
        return RecordFilters(
            classification=d["classification"].strip(),
            unit=d["unit"],
            date_from=d["date_from"],
            date_to=d["date_to"],
            medium=d["medium"],
            security=d["security"],
            state=d["state"],
            vital=d["vital"],
        )


class RecordForm(forms.Form):
    classification = forms.ModelChoiceField(label=_("Classification"), queryset=None)
    unit = forms.ModelChoiceField(label=_("Creating unit"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    number = forms.CharField(label=_("Number"), required=False, max_length=120)
    sender = forms.CharField(label=_("Sender"), required=False, max_length=300)
    document_date = forms.DateField(
        label=_("Date of the document"), widget=forms.DateInput(attrs={"type": "date"})
    )
    security = forms.ChoiceField(
        label=_("Security"), required=False, choices=_blank(SecurityLevel.choices)
    )
    medium = forms.ChoiceField(label=_("Medium"), choices=Medium.choices)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    building = forms.CharField(label=_("Building"), required=False, max_length=120)
    room = forms.CharField(label=_("Room"), required=False, max_length=60)
    shelf = forms.CharField(label=_("Shelf"), required=False, max_length=30)
    box = forms.CharField(label=_("Box"), required=False, max_length=30)
    folder = forms.CharField(label=_("Folder"), required=False, max_length=30)
    is_vital = forms.BooleanField(label=_("Vital record"), required=False)
    files = MultipleFileField(label=_("Files (scans)"), required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classification"].queryset = Classification.objects.filter(
            tenant=tenant, is_active=True
        ).order_by("code")
        self.fields["unit"].queryset = Unit.objects.filter(tenant=tenant, is_active=True)


class RecordEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    building = forms.CharField(label=_("Building"), required=False, max_length=120)
    room = forms.CharField(label=_("Room"), required=False, max_length=60)
    shelf = forms.CharField(label=_("Shelf"), required=False, max_length=30)
    box = forms.CharField(label=_("Box"), required=False, max_length=30)
    folder = forms.CharField(label=_("Folder"), required=False, max_length=30)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1)
    is_vital = forms.BooleanField(label=_("Vital record"), required=False)


class ImportForm(forms.Form):
    csv_file = forms.FileField(label=_("List (CSV)"))
    files = MultipleFileField(label=_("Files named in the list"), required=False)


class CaseFileForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)


# --- legal holds and transfer lists ---


class HoldForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    records = forms.CharField(
        label=_("Records"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One per line: the record's id (the number in its address, e.g. 123) or the number "
            "written on it (e.g. 000.1/12/2024)."
        ),
    )

    def __init__(self, *args, tenant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant_id = tenant_id

    def clean_records(self):
        found, missing = records_by_reference(self.tenant_id, self.cleaned_data["records"])
        if missing:
            raise ValidationError(
                _("No record of this tenant has the reference: %(refs)s.")
                % {"refs": ", ".join(missing[:20])}
            )
        if not found:
            raise ValidationError(_("Name at least one record."))
        return found


class HoldRecordsForm(HoldForm):
    """Records to add to a hold already placed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["title"], self.fields["reason"]


MAX_CANDIDATES = 500  # records offered on a transfer form; narrow by code beyond that


class TransferForm(forms.Form):
    """A new list: its kind, the creating unit, the chosen records (`record`, repeated)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=TransferKind.choices, initial=TransferKind.TRANSFER
    )
    unit = forms.TypedChoiceField(
        label=_("Creating unit"), coerce=int, required=False, empty_value=None
    )
    classification = forms.CharField(label=_("Classification"), required=False, max_length=30)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units, can_hand_over: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *((u.pk, u.name) for u in units)]
        if not can_hand_over:
            self.fields["kind"].choices = [
                c for c in TransferKind.choices if c[0] == TransferKind.TRANSFER
            ]

    def clean(self):
        data = super().clean()
        if data.get("kind") == TransferKind.TRANSFER and not data.get("unit"):
            self.add_error("unit", _("Choose the creating unit."))
        return data

    def record_ids(self) -> list[int]:
        """The chosen records' ids; raises ValidationError for none, too many or garbage."""
        raw = self.data.getlist("record") if hasattr(self.data, "getlist") else []
        if len(raw) > MAX_CANDIDATES:
            raise ValidationError(
                _("List at most %(n)s records at a time.") % {"n": MAX_CANDIDATES}
            )
        try:
            ids = sorted({int(v) for v in raw})
        except (TypeError, ValueError):
            raise ValidationError(_("Choose records from the list.")) from None
        if not ids:
            raise ValidationError(_("Choose at least one record."))
        return ids
