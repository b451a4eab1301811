"""The menu: the pages a user may open, asked of the same policy functions those pages ask,
and the figures of what waits there.

Each entry names its URL, its label and the policy that decides whether the user sees it.
A page that refuses some users asks the very function named here (`register_units` for the
incoming register and the pending scans, `report_units` for the leadership view, the admin
site's `has_permission`, `can_view_security_events`), so the menu and the pages cannot drift
apart; `tests/test_menu.py` opens every link of every persona and every hidden one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.utils.translation import gettext_noop

from accounts.permissions import can_view_security_events
from correspondence.menucount import menu_counts
from correspondence.permissions import register_units
from organizations.access import access_remembered
from organizations.permissions import can_view_organization
from reports.permissions import can_view_reports


def _member(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and can_view_organization(request.user, tenant)


def _everyone(request) -> bool:
    return True


def _keeps_register(request) -> bool:
    return _member(request) and register_units(request.user).exists()


def _leads(request) -> bool:
    return _member(request) and can_view_reports(request.user, request.tenant)


def _admin_site(request) -> bool:
    return request.user.is_active and admin.site.has_permission(request)


def _security_log(request) -> bool:
    return _member(request) and can_view_security_events(request.user, request.tenant)


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str  # a msgid, translated when the menu is drawn
    may: Callable
    count: str = ""  # key of `menu_counts` shown next to the label


ENTRIES: tuple[Entry, ...] = (
    Entry("home", gettext_noop("Home"), _everyone),
    Entry("org-directory", gettext_noop("Organisation"), _member),
    Entry("admin:index", gettext_noop("Administration"), _admin_site),
    Entry("correspondence:inbox", gettext_noop("Inbox"), _member, "inbox"),
    Entry("correspondence:dispositions", gettext_noop("Dispositions"), _member, "dispositions"),
    Entry("correspondence:awaiting", gettext_noop("Waiting for me"), _member, "awaiting"),
    Entry("correspondence:drafts", gettext_noop("My drafts"), _member),
    Entry("correspondence:outbox", gettext_noop("Outbox"), _member),
    Entry("correspondence:compose", gettext_noop("New letter"), _member),
    Entry("correspondence:incoming", gettext_noop("Register incoming"), _keeps_register),
    Entry("intake:list", gettext_noop("Pending incoming"), _keeps_register),
    Entry("correspondence:delegations", gettext_noop("Delegation"), _member),
    Entry("scheduling:calendar", gettext_noop("Calendar"), _member),
    Entry("archive:records", gettext_noop("Archive"), _member),
    Entry("reports:leadership", gettext_noop("Leadership view"), _leads),
    Entry("accounts:account", gettext_noop("My account"), _member),
    Entry("accounts:security-events", gettext_noop("Security log"), _security_log),
    Entry("notifications:centre", gettext_noop("Notifications"), _member),
    Entry("offline:actions", gettext_noop("Offline actions"), _member),
)


def menu_entries(request, *, figures: bool = True) -> list[tuple[str, str, int | None]]:
    """The entries the request's user may open: (URL name, label msgid, figure or None).
    Which ones is kept with the user's access facts (organizations.access): it changes only
    when their posts, roles or delegations do, so most pages ask the policy nothing. Without
    `figures` (the error pages) the counts are not asked: a wrong address costs no COUNTs."""
    names = access_remembered(
        request.user, "menu", lambda: frozenset(e.url_name for e in ENTRIES if e.may(request))
    )
    shown = [e for e in ENTRIES if e.url_name in names]
    counts = menu_counts(request.user) if figures and any(e.count for e in shown) else {}
    return [(e.url_name, e.label, counts.get(e.count) if e.count else None) for e in shown]


def menu(request) -> dict:
    """Context processor: the menu's entries, worked out only when a page draws the menu
    (`figures=False` from a page that shows no counts)."""
    if not request.user.is_authenticated:
        return {}
    return {"menu_entries": lambda figures=True: menu_entries(request, figures=figures)}
