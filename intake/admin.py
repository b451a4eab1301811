"""A city's administrator sees its intake mailboxes (the tenant file sets them up; here they
can be changed or switched off) and what became of each message, quarantine reasons first."""

from django.contrib import admin

from organizations.admin import TenantScopedAdmin

from .models import Mailbox, MailMessage


@admin.register(Mailbox)
class MailboxAdmin(TenantScopedAdmin):
    list_display = ("code", "unit", "host", "username", "enabled", "last_polled_at", "last_error")
    list_filter = ("enabled",)
    list_select_related = ("unit",)
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(MailMessage)
class MailMessageAdmin(TenantScopedAdmin):
    """Read only: the rows are the intake's record of what it took."""

    list_display = ("received_at", "mailbox", "sender", "subject", "state", "reason")
    list_filter = ("state",)  # not by mailbox: its choices would list every tenant's
    search_fields = ("subject", "sender", "message_id")
    list_select_related = ("mailbox",)
    exclude = ()

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request).filter(mailbox__tenant=request.tenant)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
