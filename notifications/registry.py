"""Hooks other apps register so that notifications can serve them without importing them.

- A *watchable* object type: a WebSocket client asks to watch `{"object": name, "id": pk}`;
  the app's check says whether the user may (returning the group to join) — the access rule
  stays in the app that owns the object.
- A *digest section*: what the daily digest lists for a user (pending and overdue work).
- A *confidentiality check* per model (`app_label.model`): which of some objects are Rahasia
  or Sangat Rahasia, so that a push or chat message about them carries no text, only a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WatchCheck = Callable[[object, int], str | None]  # (user, pk) -> group name or None
# (user, pk) -> a text that changes whenever the object's page would, or None when the user
# may not see it: what a page polls when pushes cannot reach it (no shared channel layer).
WatchStamp = Callable[[object, int], str | None]


@dataclass(frozen=True)
class DigestLine:
    label: str
    count: int
    url: str = ""


DigestSection = Callable[[object], list[DigestLine]]

_watchable: dict[str, WatchCheck] = {}
_stamps: dict[str, WatchStamp] = {}
_digest_sections: list[DigestSection] = []
# (ids) -> the ids among them that are confidential
ConfidentialCheck = Callable[[set[int]], set[int]]
_confidential: dict[str, ConfidentialCheck] = {}


def watchable_register(name: str, check: WatchCheck, stamp: WatchStamp | None = None) -> None:
    _watchable[name] = check
    if stamp is not None:
        _stamps[name] = stamp


def watch_check(name: str) -> WatchCheck | None:
    return _watchable.get(name)


def watch_stamp(name: str) -> WatchStamp | None:
    return _stamps.get(name)


def digest_section_register(section: DigestSection) -> None:
    if section not in _digest_sections:
        _digest_sections.append(section)


def digest_sections() -> list[DigestSection]:
    return list(_digest_sections)


def confidential_register(label: str, check: ConfidentialCheck) -> None:
    """Say which objects of a model (`correspondence.letter`) are confidential: `check`
    gets a set of ids and returns those that are (a missing one counts as confidential)."""
    _confidential[label] = check


def confidential_register_field(model, field: str, levels) -> None:
    """`confidential_register` for a model whose `field` holds a security level: its rows
    with one of `levels` (or gone) are confidential."""

    def check(ids: set[int]) -> set[int]:
        open_ = model._default_manager.filter(pk__in=ids).exclude(**{f"{field}__in": levels})
        return set(ids) - set(open_.values_list("pk", flat=True))

    confidential_register(model._meta.label_lower, check)


def confidential_check(label: str) -> ConfidentialCheck | None:
    return _confidential.get(label)


def object_group(label: str, pk: int) -> str:
    """The channel-layer group of people viewing one object (e.g. `object.letter.42`)."""
    return f"object.{label}.{pk}"
