"""Django admin for tenants and their organisation, always scoped to the request's tenant."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import Assignment, Position, Tenant, TenantDomain, Unit, UnitRole, User
from .permissions import can_admin_platform, can_admin_tenant
from .services import unit_create, unit_move


def _tenant_admin(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and can_admin_tenant(request.user, tenant)


admin.site.site_header = _("Naskah administration")
admin.site.has_permission = lambda request: request.user.is_active and _tenant_admin(request)


class NotFoundAdminMixin:
    """A row outside the scoped queryset is a 404, as for a missing one (no redirect)."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


class TenantScopedAdmin(NotFoundAdminMixin, admin.ModelAdmin):
    """Shows and edits the rows of the request's tenant only; a superuser sees no more."""

    exclude = ("tenant",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tenant=request.tenant)

    def save_model(self, request, obj, form, change):
        obj.tenant = request.tenant
        super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model = db_field.remote_field.model
        if any(f.name == "tenant" for f in model._meta.get_fields()):
            kwargs["queryset"] = model._default_manager.filter(tenant=request.tenant)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return _tenant_admin(request)

    def has_view_permission(self, request, obj=None):
        return _tenant_admin(request)

    def has_add_permission(self, request):
        return _tenant_admin(request)

    def has_change_permission(self, request, obj=None):
        return _tenant_admin(request)

    def has_delete_permission(self, request, obj=None):
        return _tenant_admin(request)


class TenantDomainInline(admin.TabularInline):
    model = TenantDomain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(NotFoundAdminMixin, admin.ModelAdmin):
    list_display = ("app_name", "name", "city", "time_zone", "is_active")
    inlines = [TenantDomainInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if can_admin_platform(request.user) else qs.filter(pk=request.tenant.pk)

    def has_module_permission(self, request):
        return _tenant_admin(request)

    def has_view_permission(self, request, obj=None):
        return _tenant_admin(request)

    def has_change_permission(self, request, obj=None):
        return _tenant_admin(request)

    def has_add_permission(self, request):
        return can_admin_platform(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class UnitAdminForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, label=_("parent unit")
    )

    class Meta:
        model = Unit
        fields = ["parent", "code", "name", "short_name", "kind", "is_active"]


@admin.register(Unit)
class UnitAdmin(TenantScopedAdmin):
    """Units in tree order; creating and moving go through the services (treebeard paths)."""

    form = UnitAdminForm
    list_display = ("indented_name", "code", "kind", "is_active")
    search_fields = ("name", "code")
    list_filter = ("kind", "is_active")
    ordering = ("path",)

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj: Unit) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj.name}"

    def get_form(self, request, obj=None, change=False, **kwargs):  # noqa: FBT002 - Django's signature
        form = super().get_form(request, obj, change=change, **kwargs)
        parents = Unit.objects.filter(tenant=request.tenant)
        if obj is not None:
            parents = parents.exclude(path__startswith=obj.path)
        form.base_fields["parent"].queryset = parents
        if obj is not None:
            form.base_fields["parent"].initial = Unit.objects.get_parent(obj)
        return form

    def save_model(self, request, obj, form, change):
        parent = form.cleaned_data.get("parent")
        fields = {
            k: form.cleaned_data[k] for k in ("code", "name", "short_name", "kind", "is_active")
        }
        if not change:
            saved = unit_create(tenant=request.tenant, parent=parent, **fields)
            obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth
            return
        obj.tenant = request.tenant
        obj.save()
        unit_move(unit=obj, parent=parent)


@admin.register(Position)
class PositionAdmin(TenantScopedAdmin):
    list_display = ("title", "unit", "is_head", "can_sign", "is_active")
    list_filter = ("is_head", "can_sign", "is_active")
    search_fields = ("title", "code", "unit__name")
    list_select_related = ("unit",)


@admin.register(Assignment)
class AssignmentAdmin(TenantScopedAdmin):
    list_display = ("user", "position", "kind", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("user__name", "user__username", "position__title")
    list_select_related = ("user", "position")


@admin.register(UnitRole)
class UnitRoleAdmin(TenantScopedAdmin):
    list_display = ("user", "kind", "unit")
    list_filter = ("kind",)
    list_select_related = ("user", "unit")


@admin.register(User)
class UserAdmin(TenantScopedAdmin, BaseUserAdmin):
    list_display = ("username", "name", "nip", "email", "is_active")
    search_fields = ("username", "name", "nip", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Identity"),
            {"fields": ("name", "first_name", "last_name", "nip", "nik", "email", "phone")},
        ),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "name", "password1", "password2")}),)
    readonly_fields = ("last_login", "date_joined")
    exclude = ()
    list_filter = ("is_active",)
    filter_horizontal = ()


class PlatformOnlyMixin:
    """For the admin pages of tables no tenant owns (devices, lockout logs, task results,
    groups): platform operators (superusers) only. Anyone else gets a 404 for every row,
    existing or not, as for a missing one (Django's own pages answered 403 for a row that
    exists and redirected for one that does not)."""

    def get_object(self, request, object_id, from_field=None):
        if not can_admin_platform(request.user):
            raise Http404
        return super().get_object(request, object_id, from_field)

    def has_module_permission(self, request):
        return can_admin_platform(request.user)

    def has_view_permission(self, request, obj=None):
        return can_admin_platform(request.user)

    def has_add_permission(self, request, *args):
        return can_admin_platform(request.user)

    def has_change_permission(self, request, obj=None):
        return can_admin_platform(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_admin_platform(request.user)


def admin_lock_platform_models(site: admin.AdminSite = admin.site) -> None:
    """Make every admin registered by another package (not one of the tenant-scoped ones
    above) a platform operators' page. Called once the URLconf loads, after every app has
    registered its admin."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, TenantScopedAdmin | TenantAdmin | PlatformOnlyMixin):
            continue
        locked = type(
            f"PlatformOnly{type(model_admin).__name__}",
            (PlatformOnlyMixin, type(model_admin)),
            {},
        )
        site.unregister(model)
        site.register(model, locked)
