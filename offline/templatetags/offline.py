"""The version a queueable form carries (`data-offline-version`), from the one definition in
offline.selectors."""

from django import template

from ..selectors import offline_version as version_of

register = template.Library()


@register.simple_tag
def offline_version(kind: str, obj) -> str:
    return version_of(kind, obj)
