"""A generated tenancy and visibility probe: every URL pattern and every OpenAPI operation
that takes an id (pages, files, exports, feeds, the API, the admin) is asked, as each
persona, on its own host and on the other tenant's host, with the ids of rows the persona may
not see (Medan's, HIDDEN_BASE up) and of another tenant's rows (Tangerang's, FOREIGN_BASE
up). Every answer must be the one an unknown id gets, and no marker of those rows may appear
in any answer (HTML, JSON, CSV, iCalendar, PDF and XLSX text).

Routes are found by walking the URL resolver and the OpenAPI schema, never listed by hand: a
new route is probed without editing this file. A route that must be exempt is in EXEMPT with
its reason; an exemption that no longer matches a route fails the test.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from drf_spectacular.generators import SchemaGenerator

from notifications.registry import _watchable
from tests.conftest import client_for, host_of

from .world import FOREIGN, FOREIGN_BASE, HIDDEN, HIDDEN_BASE, SPAN, UNKNOWN_ID, text_of

# clock_free: ids and bodies are compared, no date decides an answer (not rerun with the clock ahead).
pytestmark = [pytest.mark.django_db, pytest.mark.clock_free]

# Routes that take an id but are not the probe's business, each with its reason.
EXEMPT = {
    "v/<str:token>": "the public verification page: the QR token printed on a letter is the "
    "credential, on any host (tests/correspondence/test_pdf.py checks what it shows)",
    "admin/r/<path:content_type_id>/<path:object_id>/": "Django's view-on-site redirect: "
    "it only sends the browser to the object's own URL, which this probe covers",
}
ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")
PERSONAS_HIDDEN = ["drafter", "bappeda_clerk"]  # what they may not see: HIDDEN_BASE rows
PERSONAS_FOREIGN = ["drafter", "tenant_admin", "archivist"]  # FOREIGN_BASE rows
PLACEHOLDER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rx>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    route: str  # the resolver's pattern text
    kwargs: tuple[tuple[str, str], ...]  # (name, converter)
    methods: tuple[str, ...]
    api: bool

    def url(self, values: dict[str, str]) -> str:
        def fill(m: re.Match) -> str:
            return values[m.group("name") or m.group("rx")]

        path = PLACEHOLDER.sub(fill, self.route).replace("^", "").replace("$", "")
        return "/" + path


def _walk(patterns, prefix: str = "") -> Iterator[tuple[str, object]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _api_methods() -> dict[str, tuple[str, ...]]:
    """Methods per API path from the OpenAPI schema (`/api/v1/letters/{id}/`)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    out = {}
    for path, ops in schema["paths"].items():
        if "{" in path:
            methods = tuple(
                m.upper() for m in ops if m in ("get", "post", "put", "patch", "delete")
            )
            out[re.sub(r"\{\w+\}", "{}", path)] = methods
    return out


@functools.cache
def routes() -> tuple[Route, ...]:
    """Every route that takes an id or a token (found once per process: the URL conf and the
    OpenAPI schema do not change while the tests run)."""
    api = _api_methods()
    found = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        kwargs = [
            (m.group("name") or m.group("rx"), m.group("conv") or "rx")
            for m in PLACEHOLDER.finditer(route)
        ]
        ids = [k for k in kwargs if k[1] in ("int", "path", "rx", "str")]
        if not ids or route in EXEMPT or route.startswith("admin/(?P<url>"):
            continue
        if route.startswith("admin/^("):  # the admin's app index: an app label, no id
            continue
        if kwargs[0][1] == "rx" and not route.startswith("api/"):
            continue
        is_api = route.startswith("api/")
        if is_api:
            key = "/" + PLACEHOLDER.sub("{}", route).replace("^", "").replace("$", "")
            methods = api.get(key)
            assert methods, f"{route} is not in the OpenAPI schema"
        else:
            methods = ("GET", "POST")
        found.append(Route(route, tuple(kwargs), methods, is_api))
    return tuple(found)


@functools.cache
def _template_slugs() -> dict[str, frozenset[str]]:
    """The literal slugs the templates pass to each URL name ({% url 'x:y' obj.pk 'approve' %}):
    the actions a page really posts, so action routes are probed past their action test (read
    once per process)."""
    slugs: dict[str, set[str]] = {}
    tag = re.compile(r"{%\s*url\s+'([\w:-]+)'([^%]*)%}")
    for base in [
        Path(settings.BASE_DIR) / "templates",
        *Path(settings.BASE_DIR).glob("*/templates"),
    ]:
        for path in base.rglob("*.html"):
            for name, args in tag.findall(path.read_text()):
                for word in re.findall(r"'([\w-]+)'", args):
                    slugs.setdefault(name.split(":")[-1], set()).add(word)
    return {name: frozenset(words) for name, words in slugs.items()}


def _values(
    route: Route, ids: list[int], tokens: list[str], slugs: Collection[str]
) -> Iterator[dict]:
    """Keyword values for the route: each probe id in every id slot (a second id slot also
    with the unknown id), every token in a token slot, every template slug in a slug slot."""
    names = [(n, c) for n, c in route.kwargs]
    slug_values = sorted(slugs) or ["x"]
    id_slots = [n for n, c in names if c in ("int", "path", "rx")]
    token_slots = [n for n, c in names if c == "str"]
    if token_slots:
        for token in tokens:
            yield {n: token for n in token_slots} | {n: "x" for n, c in names if c == "slug"}
        return
    for i in ids:
        for slug in slug_values:
            base = {n: slug for n, c in names if c == "slug"}
            yield base | {n: str(i) for n in id_slots}
            if len(id_slots) > 1:
                yield base | {id_slots[0]: str(i)} | {n: str(UNKNOWN_ID) for n in id_slots[1:]}
                yield base | {id_slots[0]: str(UNKNOWN_ID)} | {n: str(i) for n in id_slots[1:]}


# What a page's forms post, in every shape the views read: a view that checks its form before
# it looks the id up would otherwise answer an empty post the same for every id.
FORM = {
    "note": "Catatan uji",
    "reason": "Alasan uji",
    "text": "Laporan uji",
    "title": "Judul uji",
    "subject": "Hal uji",
    "purpose": "Keperluan uji",
    "password": "Test-Password-2026",
    "instructions": "tindak_lanjuti",
    "decision": "approved",
    "action": "create",
    "quantity": "1",
    "box": "B-1",
    "code": "000",
}


def _ask(client: Client, method: str, url: str, *, api: bool):
    if method == "GET":
        return client.get(url)
    if not api:
        return client.post(url, FORM)
    body = b"" if method == "DELETE" else json.dumps(FORM).encode()
    return client.generic(method, url, data=body, content_type="application/json")


def _probe(
    probe,
    personas: list[str],
    ids: list[int],
    tokens: list[str],
    markers: list[str],
    *,
    foreign_host: bool = False,
) -> int:
    w = probe.w
    slugs = _template_slugs()
    clients = Clients(w)
    answers: dict[tuple, object] = {}
    spot_checked: dict[tuple, int] = {}
    failures: list[str] = []
    asked = 0
    for name in personas:
        user = w.users[name]
        for route in routes():
            if route.route.startswith("admin/") and name != "tenant_admin":
                continue  # the admin answers only tenant administrators (and operators)
            route_ids = ids
            admin = ADMIN_MODEL.match(route.route)
            if admin and not foreign_host:
                route_ids = probe.admin_ids(admin.group("app"), admin.group("model"), ids)
                if not route_ids:
                    continue
            url_name = _pattern_name(route)
            route_slugs = slugs.get(url_name, frozenset())
            if foreign_host:
                # That host ends the persona's session before any view reads an id: a few ids
                # and one action show it for every route.
                route_ids, route_slugs = route_ids[:3], set(sorted(route_slugs)[:1])
            for values in _values(route, route_ids, tokens, route_slugs):
                url = route.url(values)
                unknown = route.url(_unknown(route, values))
                for method in route.methods:
                    key = (name, method, unknown)
                    if key not in answers:  # the same for every id: asked once
                        answers[key] = _ask(
                            clients.get(user, foreign_host), method, unknown, api=route.api
                        )
                    want = answers[key]
                    spot = (name, method, route.route)
                    if want.status_code == 405:
                        # A method the route does not take is refused before any id is read:
                        # a few ids show it; the rest of the range is asked by its methods.
                        spot_checked[spot] = spot_checked.get(spot, 0) + 1
                        if spot_checked[spot] > 2:
                            continue
                    got = _ask(clients.get(user, foreign_host), method, url, api=route.api)
                    asked += 1
                    leaked = [m for m in markers if m in text_of(got)]
                    if got.status_code != want.status_code or leaked:
                        failures.append(
                            f"{name} {method} {url}: {got.status_code} (unknown id: "
                            f"{want.status_code}){' shows ' + ','.join(leaked) if leaked else ''}"
                        )
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} in all)"
    if foreign_host:
        assert len(clients.sent) >= asked
        clients.assert_foreign_sessions_ended()
    return asked


_names: dict[str, str] = {}


def _pattern_name(route: Route) -> str:
    if not _names:
        for text, pattern in _walk(get_resolver().url_patterns):
            _names[text] = pattern.name or ""
    return _names.get(route.route, "")


def _unknown(route: Route, values: dict[str, str]) -> dict[str, str]:
    """The same values with every id (and token) replaced by one no row has."""
    kinds = dict(route.kwargs)
    out = {}
    for key, value in values.items():
        if kinds[key] in ("int", "path", "rx"):
            out[key] = str(UNKNOWN_ID)
        elif kinds[key] == "str":
            out[key] = "x" * len(value)
        else:
            out[key] = value
    return out


class Clients:
    """One logged-in client per persona on its own host, kept. On the other tenant's host that
    host ends the session it is sent, so every request there carries a fresh session of the
    persona's own: a new session row holding what one real login of the persona stored (user,
    backend, password hash, second factor). Each such session must be ended by the host
    (`assert_foreign_sessions_ended`). A full login per request (its audit row, key cycling and
    token rotation, none of which the host reads) took most of the probe's time."""

    def __init__(self, w):
        self.w = w
        self.own: dict[int, Client] = {}
        self.logins: dict[int, dict] = {}  # user pk -> the session data a login stored
        self.sent: list[str] = []  # session keys sent to the other tenant's host
        self.foreign_host = host_of(w.other_tenant)

    def get(self, user, foreign_host: bool) -> Client:
        if foreign_host:
            if user.pk not in self.logins:
                self.logins[user.pk] = dict(client_for(user).session.items())
            session = import_module(settings.SESSION_ENGINE).SessionStore()
            session.update(self.logins[user.pk])
            session.save()
            self.sent.append(session.session_key)
            client = Client(HTTP_HOST=self.foreign_host)  # no cookie but the session's
            client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
            return client
        if user.pk not in self.own:
            self.own[user.pk] = client_for(user)
        return self.own[user.pk]

    def assert_foreign_sessions_ended(self) -> None:
        """Each session sent to the other tenant's host was a live login that the host ended
        (a session it did not take for the persona's would still be there)."""
        store = import_module(settings.SESSION_ENGINE).SessionStore
        left = store.get_model_class().objects.filter(session_key__in=self.sent).count()
        assert not left, f"{left} of {len(self.sent)} sessions outlived the other host"


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch):
    """Thousands of API requests a minute: the rate limits would answer them all alike."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.fixture(scope="module")
def probe(django_db_setup, django_db_blocker):
    from django.db import transaction

    from .world import access_settle, build_probe_world

    with django_db_blocker.unblock(), transaction.atomic():
        p = build_probe_world()
        access_settle()
        yield p
        transaction.set_rollback(True)


def test_routes_are_found_and_exemptions_are_real():
    found = {r.route for r in routes()}
    assert len(found) > 60
    assert any(r.startswith("letters/") for r in found)
    assert any(r.startswith("api/v1/") for r in found)
    every = {text for text, _p in _walk(get_resolver().url_patterns)}
    assert set(EXEMPT) <= every, "an exemption names a route that is gone"


def test_the_probe_world_made_hidden_and_foreign_rows(probe):
    for phase in ("hidden", "foreign"):
        made = probe.counts[phase]
        for label in (
            "correspondence.letter",
            "correspondence.delivery",
            "correspondence.disposition",
            "archive.record",
            "archive.recordfile",
            "archive.loan",
            "archive.disposalproposal",
            "archive.transfer",
            "archive.casefile",
            "archive.legalhold",
            "scheduling.event",
            "notifications.notification",
            "accounts.apitoken",
        ):
            assert made.get(label), f"{phase}: no {label}"
        # Every row of a table a route could read is probed; only the logs, which no route
        # reads by id (a document's page shows its own), grow past SPAN.
        beyond = {t for t, n in made.items() if n > SPAN}
        assert beyond <= {"workflows.transitionlog", "workflows.securityevent"}, beyond


@pytest.mark.slow
@pytest.mark.parametrize("host", ["own", "other"])
def test_hidden_rows_answer_as_unknown_ones(probe, host):
    ids = list(range(HIDDEN_BASE, HIDDEN_BASE + SPAN))
    # (A hidden user's feed token is that user's credential: the feed answers it by design.)
    asked = _probe(probe, PERSONAS_HIDDEN, ids, [], [HIDDEN], foreign_host=host == "other")
    assert asked > (1000 if host == "own" else 300)


@pytest.mark.slow
@pytest.mark.parametrize("host", ["own", "other"])
def test_foreign_rows_answer_as_unknown_ones(probe, host):
    ids = list(range(FOREIGN_BASE, FOREIGN_BASE + SPAN))
    # A feed token is its owner's credential on their own tenant's hosts: probed on Medan's.
    tokens = probe.tokens["foreign"] if host == "own" else []
    asked = _probe(probe, PERSONAS_FOREIGN, ids, tokens, [FOREIGN], foreign_host=host == "other")
    assert asked > (1000 if host == "own" else 300)


def test_sockets_watch_nothing_hidden_or_foreign(probe):
    """Every watchable object type refuses hidden and foreign ids as it refuses unknown ones
    (the consumer answers not_found for all three)."""
    w = probe.w
    assert _watchable, "no watchable object types registered"
    for name, check in _watchable.items():
        for persona in set(PERSONAS_HIDDEN + PERSONAS_FOREIGN):
            user = w.users[persona]
            for base in (HIDDEN_BASE, FOREIGN_BASE):
                if base == HIDDEN_BASE and persona not in PERSONAS_HIDDEN:
                    continue
                for pk in range(base, base + SPAN):
                    assert check(user, pk) is None, (name, persona, pk)
