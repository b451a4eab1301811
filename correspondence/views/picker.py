"""The compose form's recipient picker: as-you-type search (JSON) and saved groups."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.query import id_or_404
from organizations.permissions import can_view_organization

from .. import services as svc
from ..grouppolicy import recipient_groups_visible_to
from ..picker import (
    ROLES,
    PickerInputError,
    PickerResult,
    group_member_options,
    picker_choices,
    picker_search,
)
from ..selectors import letter_types_for


def _member(request) -> None:
    if not can_view_organization(request.user, request.tenant):
        raise Http404
    # The same row the middleware resolved: the options' group labels read its name.
    request.user.tenant = request.tenant


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@require_GET
@login_required
def picker(request):
    """?role=unit|position|signer|address&q=...[&type=<letter type id>] -> grouped options;
    ?role=unit|position&group=<id> -> a saved group's members."""
    _member(request)
    role = request.GET.get("role", "")
    if role not in ROLES:
        return _bad(_("Unknown kind of recipient."))
    letter_type = None
    if request.GET.get("type"):
        try:
            type_id = id_or_404(request.GET["type"])
        except Http404:
            return _bad(_("Unknown letter type."))
        # Another tenant's or an inactive type answers like one that does not exist: nothing.
        letter_type = letter_types_for(request.user).filter(pk=type_id).first()
        if letter_type is None:
            return JsonResponse({"results": [], "optgroups": [], "more": False})
    if request.GET.get("group"):
        # A picked saved group: its members, to put in the field instead of the group.
        try:
            group_id = id_or_404(request.GET["group"])
        except Http404:
            return _bad(_("Unknown group."))
        found = PickerResult(options=group_member_options(request.user, group_id, role))
        return _answer(found)
    try:
        found = picker_search(
            request.user, role=role, q=request.GET.get("q", ""), letter_type=letter_type
        )
    except PickerInputError:
        return _bad(_("Type at most 60 letters, without control characters."))
    return _answer(found)


def _answer(found: PickerResult) -> JsonResponse:
    groups = list(dict.fromkeys(o.group for o in found.options if o.group))
    return JsonResponse(
        {
            "results": [
                {"value": o.value, "text": o.text, "group": o.group, "holder": o.holder}
                for o in found.options
            ],
            "optgroups": [{"value": g, "label": g} for g in groups],
            "more": found.more,
        }
    )


def _ids(values: list[str]) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(id_or_404(v))
        except Http404:
            raise ValidationError({"members": _("Unknown recipient.")}) from None
    return out


@require_POST
@login_required
def recipient_group_create(request):
    """Keep the posted selection (units=…, positions=…) as a group named `name`: the user's
    own, or the tenant's (`tenant_wide`) for a tenant administrator."""
    _member(request)
    user = request.user
    try:
        unit_ids = set(_ids(request.POST.getlist("units")))
        position_ids = set(_ids(request.POST.getlist("positions")))
        units = list(picker_choices(user, "unit").filter(pk__in=unit_ids))
        positions = list(picker_choices(user, "position").filter(pk__in=position_ids))
        if len(units) != len(unit_ids) or len(positions) != len(position_ids):
            raise ValidationError({"members": _("Unknown recipient.")})
        group = svc.recipient_group_save(
            by=user,
            name=request.POST.get("name", ""),
            units=units,
            positions=positions,
            tenant_wide=bool(request.POST.get("tenant_wide")),
        )
    except ValidationError as exc:
        return _bad(" ".join(exc.messages))
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    return JsonResponse(
        {"value": f"g:{group.pk}", "text": group.name, "tenant_wide": group.is_tenant_wide},
        status=201,
    )


@require_POST
@login_required
def recipient_group_delete(request, pk):
    """Delete a group the user keeps; another's personal group, another tenant's or a
    missing one is the same 404."""
    _member(request)
    group = recipient_groups_visible_to(request.user).filter(pk=id_or_404(pk)).first()
    if group is None:
        raise Http404
    try:
        svc.recipient_group_delete(by=request.user, group=group)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    return JsonResponse({"deleted": True})
