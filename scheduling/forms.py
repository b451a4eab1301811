from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Position, Unit
from workflows.choices import SecurityLevel

from .choices import Rsvp
from .models import Room

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL)
    organiser_unit = forms.ModelChoiceField(label=_("Organiser"), queryset=Unit.objects.none())
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    location = forms.CharField(label=_("Or another place"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False)
    agenda = forms.CharField(
        label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    security = forms.ChoiceField(label=_("Security"), choices=SecurityLevel.choices)
    invite_positions = forms.ModelMultipleChoiceField(
        label=_("Invite"),
        queryset=Position.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, user, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser_unit"].queryset = units
        self.fields["room"].queryset = Room.objects.filter(tenant_id=user.tenant_id, is_active=True)
        self.fields["invite_positions"].queryset = (
            Position.objects.filter(tenant_id=user.tenant_id, is_active=True)
            .select_related("unit")
            .order_by("unit__path", "-is_head", "title")
        )


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL)
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none(), required=False)
    location = forms.CharField(label=_("Or another place"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(tenant_id=user.tenant_id, is_active=True)


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[(Rsvp.ATTENDING, _("I attend")), (Rsvp.DECLINED, _("I decline"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class BookingForm(forms.Form):
    title = forms.CharField(label=_("Purpose"), max_length=300)
    starts_at = forms.DateTimeField(label=_("From"), widget=LOCAL)
    ends_at = forms.DateTimeField(label=_("Until"), widget=LOCAL)
