"""Pages of the archive: search (one box and the filters, facet counts, highlighted snippets)
and classification suggestions for the letter compose form (an HTMX fragment)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from organizations.models import Unit
from workflows.choices import SecurityLevel

from ..choices import Medium, RecordState
from ..models import Classification
from ..search import SearchFilters, classification_suggest, record_search, record_search_facets

PER_PAGE = 20


def _blank(choices) -> list:
    return [("", "—"), *choices]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "placeholder": _("Words, a number or a name"),
            }
        ),
    )
    classification = forms.ModelChoiceField(
        queryset=None, label=_("Classification"), required=False
    )
    unit = forms.ModelChoiceField(queryset=None, label=_("Unit"), required=False)
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    medium = forms.ChoiceField(label=_("Medium"), choices=_blank(Medium.choices), required=False)
    security = forms.ChoiceField(
        label=_("Security"), choices=_blank(SecurityLevel.choices), required=False
    )
    state = forms.ChoiceField(label=_("State"), choices=_blank(RecordState.choices), required=False)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classification"].queryset = Classification.objects.filter(tenant=tenant)
        self.fields["unit"].queryset = Unit.objects.filter(tenant=tenant).order_by("name")

    def filters(self) -> SearchFilters:
        if not self.is_valid():
            return SearchFilters()
        d = self.cleaned_data
        return SearchFilters(
            classification=d["classification"].pk if d["classification"] else None,
            unit=d["unit"].pk if d["unit"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
            medium=d["medium"],
            security=d["security"],
            state=d["state"],
        )


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    return min(int(value), 10000) if value.isdigit() and int(value) > 0 else 1


@login_required
def search(request):
    form = SearchForm(request.GET or None, tenant=request.tenant)
    filters = form.filters()
    text = (form.cleaned_data.get("q") or "") if form.is_bound and form.is_valid() else ""
    searched = form.is_bound and form.is_valid() and any(form.cleaned_data.values())
    context = {"form": form, "searched": searched}
    if searched:
        result = record_search(
            user=request.user,
            text=text,
            filters=filters,
            page=_page_number(request),
            per_page=PER_PAGE,
        )
        context["result"] = result
        facets = record_search_facets(user=request.user, text=text, filters=filters)
        labels = {
            "security": dict(SecurityLevel.choices),
            "medium": dict(Medium.choices),
            "state": dict(RecordState.choices),
        }
        for field, names in labels.items():
            for row in facets[field]:
                row["label"] = names.get(row[field], row[field])
        context["facets"] = facets
        query = request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
    template = "archive/search_results.html" if request.htmx else "archive/search.html"
    return render(request, template, context)


@login_required
def classification_suggestions(request):
    """Suggested codes for the subject and summary typed so far (HTMX fragment); with `pick`,
    the classification input filled with the picked code."""
    pick = (request.GET.get("pick") or "").strip()[:30]
    if pick:
        return render(request, "archive/search_suggest_pick.html", {"code": pick})
    text = " ".join(
        (request.GET.get(name) or "")[:1000] for name in ("q", "subject", "summary")
    ).strip()
    codes = classification_suggest(tenant=request.user.tenant, text=text) if text else []
    return render(request, "archive/search_suggest.html", {"codes": codes})
