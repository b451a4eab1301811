from django import forms
from django.utils.translation import gettext_lazy as _

from correspondence.forms import IncomingForm


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ScansField(forms.FileField):
    """One or more files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class ScanUploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("Received by"))
    scans = ScansField(label=_("Scans (PDF or image), one letter per file"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        only = list(units[:2])
        if len(only) == 1:
            self.fields["unit"].initial = only[0].pk


class PendingForm(IncomingForm):
    """The incoming register's form without the scan (it is the pending letter's)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["scan"]
