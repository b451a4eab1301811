"""Root fixtures: the persona world, tenant-bound clients, and database capabilities."""

import os
import re
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from . import accounting
from .factories import PASSWORD
from .world import world_fast

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in tests


@pytest.fixture(scope="session", autouse=True)
def _timestamp_authority(tmp_path_factory):
    """Every signature gets its time from a real RFC 3161 authority: one local TSA per test
    worker (on a thread, on the test's clock), trusted through NASKAH_TRUST_ROOTS like a
    city's configured TSA."""
    from django.conf import settings

    from .pki import tsa_serve

    server, url, root = tsa_serve(tmp_path_factory.mktemp("pki"))
    old = settings.NASKAH_TSA_URL, settings.NASKAH_TRUST_ROOTS
    settings.NASKAH_TSA_URL, settings.NASKAH_TRUST_ROOTS = url, [str(root)]
    yield url
    settings.NASKAH_TSA_URL, settings.NASKAH_TRUST_ROOTS = old
    server.shutdown()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API throttles, lockouts and periodic-job slots live in the cache: no test inherits
    another's (nor the hosts a process keeps for a few seconds)."""
    from django.core.cache import cache

    from organizations.selectors import tenant_local_clear

    cache.clear()
    tenant_local_clear()
    yield
    cache.clear()
    tenant_local_clear()


@pytest.fixture
def world(db):
    return world_fast()


@pytest.fixture
def drafter(world):
    return world.drafter


@pytest.fixture
def reviewer(world):
    return world.reviewer


@pytest.fixture
def head_of_opd(world):
    return world.head


@pytest.fixture
def agenda_clerk(world):
    return world.clerk


@pytest.fixture
def archivist(world):
    return world.archivist


@pytest.fixture
def outsider(world):
    return world.outsider


@pytest.fixture
def foreign_user(world):
    return world.foreigner


def host_of(user_or_tenant) -> str:
    tenant = getattr(user_or_tenant, "tenant", None) or user_or_tenant
    return tenant.domains.get(is_primary=True).host


def client_for(user=None, *, tenant=None, verified: bool = True) -> Client:
    """A test client on the host of the user's tenant (or the given tenant), logged in; for
    signers and tenant admins the session is verified with a second factor unless
    `verified=False`."""
    tenant = tenant or user.tenant
    client = Client(HTTP_HOST=host_of(tenant))
    if user is not None:
        client.force_login(user)
        if verified:
            verify_session(client, user)
    return client


def verify_session(client: Client, user) -> None:
    """Mark a test client's session as verified with the user's (test) authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.permissions import needs_second_factor

    if not needs_second_factor(user):
        return
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def as_user():
    return client_for


@pytest.fixture
def password():
    return PASSWORD


# A test module that touches the calendar: dates, times, due dates, retention, certificates,
# reminders, report months. `make test-future` runs these with the clock two years ahead.
DATES = re.compile(
    r"\b(date|datetime|timedelta|time_machine|today|localdate|now|due|year|month|expir|"
    r"not_after|remind|retention|deadline|clock|period|overdue)",
    re.IGNORECASE,
)


def pytest_configure(config):
    """Count collected against reported tests (tests/accounting.py). Under `make test-future`
    (faketime), prove the clock really is ahead: the make target passes the real time it
    started at and how far ahead the run must be."""
    accounting.pytest_configure(config)
    ahead = os.environ.get("NASKAH_TEST_CLOCK_AHEAD_DAYS")
    if ahead:
        real = float(os.environ["NASKAH_TEST_REAL_EPOCH"])
        shifted_days = (time.time() - real) / 86400
        if shifted_days < float(ahead) - 1:
            raise pytest.UsageError(
                f"the clock is {shifted_days:.1f} days ahead, not {ahead}: is faketime working?"
            )


THIS = Path(__file__).resolve()
TESTS = THIS.parent
IMPORTS = re.compile(
    r"^\s*from\s+(\.+[\w.]*|tests(?:\.[\w.]+)?)\s+import\s+([\w, ()\n]+)", re.MULTILINE
)


def _module_path(name: str, base: Path) -> list[Path]:
    """Files under tests/ that an import names (`.helpers`, `tests.archive.helpers`)."""
    if name.startswith("."):
        dots = len(name) - len(name.lstrip("."))
        root = base
        for _ in range(dots - 1):
            root = root.parent
        parts = [p for p in name.lstrip(".").split(".") if p]
    else:
        root, parts = TESTS.parent, name.split(".")
    target = root.joinpath(*parts)
    return [p for p in (target.with_suffix(".py"), target / "__init__.py") if p.is_file()]


def touches_dates(path: Path, seen: dict[Path, bool] | None = None) -> bool:
    """Whether a test module, or a helper module of the tests it imports (and so on), mentions
    the calendar."""
    seen = {} if seen is None else seen
    if path in seen:
        return seen[path]
    seen[path] = False  # an import cycle ends here
    text = path.read_text()
    found = bool(DATES.search(text))
    if not found:
        for name, names in IMPORTS.findall(text):
            targets = _module_path(name, path.parent)
            for word in re.findall(r"\w+", names):  # `from . import helpers`
                module = f"{name}.{word}" if name.strip(".") else name + word
                targets += _module_path(module, path.parent)
            # (this file holds the pattern itself: it says nothing about a module's dates)
            if any(touches_dates(t, seen) for t in targets if t not in (path, THIS)):
                found = True
                break
    seen[path] = found
    return found


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    dates_only = os.environ.get("NASKAH_TEST_DATES_ONLY") == "1"
    sources: dict[Path, bool] = {}
    kept = []
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("browser"))
        if dates_only:
            if item.path not in sources:
                sources[item.path] = touches_dates(item.path)
            skip = "browser" in item.keywords or "clock_free" in item.keywords
            if not sources[item.path] or skip:
                continue
        kept.append(item)
    if dates_only:
        keep = {id(i) for i in kept}
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in keep])
        items[:] = kept
    # The few tests of a minute or more start first, each on its own worker, so the run does
    # not wait at its end for one of them begun late (the longest-first rule of scheduling).
    items.sort(key=lambda item: "slow" not in item.keywords)
