"""A partner city's administrator manages its rooms and its default reminders here."""

from django import forms
from django.contrib import admin

from organizations.admin import TenantScopedAdmin

from .models import CalendarSettings, Room
from .services import reminder_minutes_clean


@admin.register(Room)
class RoomAdmin(TenantScopedAdmin):
    list_display = ("name", "code", "building", "capacity", "unit", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "building")
    list_select_related = ("unit",)


class CalendarSettingsForm(forms.ModelForm):
    class Meta:
        model = CalendarSettings
        fields = ["reminder_minutes"]

    def clean_reminder_minutes(self):
        return reminder_minutes_clean(self.cleaned_data["reminder_minutes"] or [])


@admin.register(CalendarSettings)
class CalendarSettingsAdmin(TenantScopedAdmin):
    form = CalendarSettingsForm
    list_display = ("tenant", "reminder_minutes")
