"""The chat address card, shown on the account page and the preferences page (accounts
knows nothing of notifications: its template loads this)."""

from django import template
from django.conf import settings

from ..chat import chat_enabled
from ..selectors import chat_address_for

register = template.Library()


@register.inclusion_tag("notifications/_chat_address.html", takes_context=True)
def chat_address_card(context):
    request = context["request"]
    return {
        "enabled": chat_enabled(),
        "channel": settings.NASKAH_CHAT_CHANNEL,
        "address": chat_address_for(request.user),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
