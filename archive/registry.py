"""What other apps tell the archive about the documents they file, without the archive
importing them: who may open a source document (its access carries over to the record)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

# (user) -> a query of the source model's ids the user may open.
SourceAccess = Callable[[object], QuerySet]

_access: dict[str, SourceAccess] = {}


def source_access_register(model_label: str, access: SourceAccess) -> None:
    """Register the access rule of a source model ("correspondence.letter")."""
    _access[model_label.lower()] = access


def source_access() -> dict[str, SourceAccess]:
    return dict(_access)
