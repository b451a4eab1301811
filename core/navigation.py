"""The menu, drawn from the entries the project's context processor says the user may open.

Which entries a user sees is the policy's answer (`naskah.menu`, which imports the apps; the
core imports none); here each link's URL and translated label are kept per process and
language, since reversing and translating fifteen links on every request cost more than a
page's list query. Only the figures change from request to request.
"""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_menu(context) -> str:
    """The menu's links for the user of the page, with a figure where something waits (none
    on a page whose context sets `menu_figures` false: the error pages)."""
    entries = context.get("menu_entries")
    if callable(entries):
        entries = entries(figures=context.get("menu_figures", True))
    language, prefix = translation.get_language(), get_script_prefix()
    links = []
    for url_name, label, count in entries or ():
        href, text = _link(language, prefix, url_name, label)
        links.append((href, url_name, text, _badge(url_name, count)))
    unread = format_html(
        '{} <span class="badge" data-unread-badge hidden>0</span>', gettext("Notifications")
    )
    return format_html_join(
        "\n",
        '<a href="{}" data-nav="{}">{}{}</a>',
        ((h, n, unread if n == "notifications:centre" else t, b) for h, n, t, b in links),
    )


def _badge(url_name: str, count: int | None) -> str:
    if not count:
        return ""
    return format_html(' <span class="count" data-nav-count="{}">({})</span>', url_name, count)


@lru_cache(maxsize=512)
def _link(language: str, prefix: str, url_name: str, label: str) -> tuple[str, str]:
    return reverse(url_name), gettext(label)
