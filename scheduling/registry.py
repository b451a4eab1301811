"""Hooks other apps register so the calendar can link to their documents without importing
them: a *minutes lookup* turns what an organiser typed (a letter's number) into a link."""

from __future__ import annotations

from collections.abc import Callable

MinutesLookup = Callable[[object, str], tuple[str, str] | None]  # (user, ref) -> (label, url)

_lookups: list[MinutesLookup] = []


def minutes_lookup_register(lookup: MinutesLookup) -> None:
    if lookup not in _lookups:
        _lookups.append(lookup)


def minutes_lookup(user, ref: str) -> tuple[str, str] | None:
    """The first registered app that knows the reference and lets the user open it."""
    ref = (ref or "").strip()
    if not ref:
        return None
    for lookup in _lookups:
        found = lookup(user, ref)
        if found is not None:
            return found
    return None
