"""The menu, rendered once per process for each language and set of links it shows.

The links are the same for every page and every user with the same rights; reversing fifteen
URL names and translating their labels on every request cost more than a page's list query.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import translation

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_menu(context) -> str:
    """The menu's links for the user of the page."""
    user = context["user"]
    tenant_admin = context.get("is_tenant_admin", False)
    if callable(tenant_admin):
        tenant_admin = tenant_admin()
    key = (
        translation.get_language(),
        get_script_prefix(),
        bool(user.is_authenticated and user.tenant_id),
        bool(user.is_staff or user.is_superuser or tenant_admin),
        bool(tenant_admin),
    )
    if settings.DEBUG:  # template edits show at once while developing
        return _render(*key)
    return _rendered(*key)


def _render(language, prefix, member, admin_site, tenant_admin) -> str:
    return get_template("_nav.html").render(
        {"member": member, "admin_site": admin_site, "tenant_admin": tenant_admin}
    )


_rendered = lru_cache(maxsize=128)(_render)
