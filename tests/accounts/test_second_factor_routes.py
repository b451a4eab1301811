"""Every route, found by walking the URL resolver, asks a signer whose session has no second
factor yet for one: pages send them to the two-step page, JSON answers 403. Only the paths
accounts.middleware lists as open (the two-step pages themselves, static files, the offline
page, the app's manifest and worker) answer without it."""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from accounts.middleware import OPEN_PATHS, OPEN_PREFIXES
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _paths() -> list[str]:
    """Each route as a path, its placeholders filled (regular-expression routes, the admin's,
    with their literal prefix only)."""
    found = set()
    for route in _walk(get_resolver().url_patterns):
        route = route.split("(?P<", 1)[0].split("^", 1)[-1] if "(?P<" in route else route
        route = route.replace("^", "").replace("$", "")

        def fill(m):
            return "1" if (m.group("conv") or "str") in ("int", "path") else "x1"

        found.add("/" + PLACEHOLDER.sub(fill, route))
    return sorted(found)


def _open(path: str) -> bool:
    return path.startswith(OPEN_PREFIXES) or path in OPEN_PATHS


def test_the_walk_finds_the_routes_that_apply_actions():
    paths = _paths()
    assert len(paths) > 100
    assert "/offline/actions/" in paths and not _open("/offline/actions/")


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_route_asks_an_unverified_signer_for_the_second_factor(world, method):
    client = client_for(world.head, verified=False)  # the head signs: a second factor is due
    wrong = []
    for path in _paths():
        if _open(path):
            continue
        if method == "get":
            response = client.get(path)
        else:
            response = client.post(path, {"actions": []}, content_type="application/json")
        location = response.get("Location", "")
        if response.status_code == 302 and "/account/two-step/" in location:
            continue
        if response.status_code == 403 and b"second_factor_required" in response.content:
            continue
        wrong.append(f"{method.upper()} {path}: {response.status_code} {location}")
    assert not wrong, "\n".join(wrong)
