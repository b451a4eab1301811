"""A tenant's administrator manages its letter templates here (per type, per unit)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organizations.admin import TenantScopedAdmin

from .models import LetterTemplate
from .services import body_sanitize


class LetterTemplateForm(forms.ModelForm):
    """The texts are kept as the compose editor's markup: typed plain text becomes paragraphs
    (a blank line between two), anything else is sanitised like a letter's body."""

    class Meta:
        model = LetterTemplate
        fields = [
            "name",
            "code",
            "letter_type",
            "unit",
            "opening",
            "body",
            "closing",
            "sort_order",
            "is_active",
        ]

    tenant = None  # the request's, set by the admin's get_form

    def clean_code(self):
        # The tenant is set on save, after the model's own unique check would have run.
        code = self.cleaned_data["code"]
        taken = LetterTemplate.objects.filter(tenant=self.tenant, code=code)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A template with this code exists already."))
        return code

    def clean_opening(self):
        return body_sanitize(self.cleaned_data["opening"])

    def clean_body(self):
        return body_sanitize(self.cleaned_data["body"])

    def clean_closing(self):
        return body_sanitize(self.cleaned_data["closing"])


@admin.register(LetterTemplate)
class LetterTemplateAdmin(TenantScopedAdmin):
    form = LetterTemplateForm
    list_display = ("name", "code", "letter_type", "unit", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    list_select_related = ("letter_type", "unit")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.tenant = request.tenant
        return form
