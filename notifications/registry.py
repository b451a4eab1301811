"""Hooks other apps register so that notifications can serve them without importing them.

- A *watchable* object type: a WebSocket client asks to watch `{"object": name, "id": pk}`;
  the app's check says whether the user may (returning the group to join) — the access rule
  stays in the app that owns the object.
- A *digest section*: what the daily digest lists for a user (pending and overdue work).
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


def object_group(label: str, pk: int) -> str:
    """The channel-layer group of people viewing one object (e.g. `object.letter.42`)."""
    return f"object.{label}.{pk}"
