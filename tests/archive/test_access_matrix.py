"""Who may do what with a record: role × security level × action, through the policy and
through HTTP (page, API, file, edit, search). The expected table is written out here, from the
rule, not computed from the code under test.

The rule: archivists of the record's classification (the records unit's covering the whole
plan) see every level and edit; a record filed directly by a unit is open at Biasa to the
people of that unit and of the units under it, at Terbatas only to the unit's head and those
the tenant's reach of Terbatas names (by default its TU, the secretary role), and at Rahasia
and Sangat Rahasia only to the unit's head; nobody of another unit or tenant sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archive import permissions as policy
from archive.models import CaseFile, Record
from archive.search import record_search
from archive.services import lending, records
from tests.conftest import client_for

from .helpers import archive_setup, code, record

pytestmark = pytest.mark.django_db

LEVELS = ["biasa", "terbatas", "rahasia", "sangat_rahasia"]
OPEN = {"biasa", "terbatas"}
BIASA = {"biasa"}
ALL = set(LEVELS)
NONE: set[str] = set()

# persona -> (levels they may open, may edit)
ROWS = {
    "archivist": (ALL, True),  # records officer of Dispusip, the records unit: whole plan
    "code_archivist": (ALL, True),  # named archivist of 000.1 (a Bappeda planner)
    "other_code_archivist": (NONE, False),  # archivist of 800 only
    "head": (ALL, False),  # head of Kominfo, the creating unit
    "secretary": (OPEN, False),  # Kominfo's TU (secretary role): Terbatas reaches it
    "clerk": (BIASA, False),  # Kominfo's agenda clerk
    "tenant_admin": (BIASA, False),  # administrator, holding a Kominfo post
    "reviewer2": (BIASA, False),  # head of a bidang under Kominfo: not Kominfo's head
    "reviewer": (BIASA, False),  # head of a seksi two levels under Kominfo
    "drafter": (BIASA, False),  # staff of that seksi
    "outsider": (NONE, False),  # Dinkes staff
    "dinkes_head": (NONE, False),  # head of another OPD
    "sekda": (NONE, False),  # the Sekda heads the secretariat, not the city
    "foreigner": (NONE, False),  # Tangerang staff
    "foreign_admin": (NONE, False),  # Tangerang's administrator and archivist
}
ACTIONS = ["page", "api", "file", "edit", "search"]


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """One record per level, filed directly by Kominfo under 000.1, built once for the module
    (the rows are read-only but for the edits, which each test undoes by its own transaction)."""
    from tests.world import build_world

    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            w = build_world()
            archive_setup(w)
            code(w, "000.1").archivists.add(w.users["bappeda_staff"])
            code(w, "800").archivists.add(w.users["bappeda_clerk"])
            from archive.services.fileplan import file_plan_ensure_default
            from organizations.choices import RoleKind
            from organizations.services import role_grant

            file_plan_ensure_default(w.other_tenant)
            role_grant(user=w.users["foreign_admin"], kind=RoleKind.RECORDS_OFFICER)
            recs = {
                level: record(w, title=f"Nota dinas tingkat {level} zamrud", security=level)
                for level in LEVELS
            }
            yield w, recs
            transaction.set_rollback(True)


def persona(w, name: str):
    return {
        "code_archivist": w.users["bappeda_staff"],
        "other_code_archivist": w.users["bappeda_clerk"],
    }.get(name) or w.users[name]


def cases():
    for name, (levels, edits) in ROWS.items():
        for level in LEVELS:
            for action in ACTIONS:
                allowed = level in levels and (action != "edit" or edits)
                yield pytest.param(name, level, action, allowed, id=f"{name}-{level}-{action}")


@pytest.mark.parametrize(("name", "level", "action", "allowed"), list(cases()))
def test_policy(matrix, name, level, action, allowed):
    w, recs = matrix
    user, rec = persona(w, name), recs[level]
    if action == "edit":
        assert policy.can_edit_record(user, rec) is allowed
    elif action == "search":
        found = {h.record.pk for h in record_search(user=user, text="zamrud", per_page=10).hits}
        assert (rec.pk in found) is allowed
    else:
        assert policy.can_view_record(user, rec) is allowed
        assert Record.objects.visible_to(user).filter(pk=rec.pk).exists() is allowed


@pytest.mark.parametrize(("name", "level", "action", "allowed"), list(cases()))
def test_http(matrix, name, level, action, allowed):
    w, recs = matrix
    user, rec = persona(w, name), recs[level]
    client = client_for(user)
    sees = level in ROWS[name][0]
    if action == "page":
        response = client.get(reverse("archive:record", args=[rec.pk]))
        assert response.status_code == (200 if allowed else 404)
    elif action == "api":
        response = client.get(f"/api/v1/archive/records/{rec.pk}/")
        assert response.status_code == (200 if allowed else 404)
    elif action == "file":
        f = rec.files.get()
        response = client.get(reverse("archive:record-file", args=[rec.pk, f.pk]))
        assert response.status_code == (200 if allowed else 404)
        if allowed:
            assert b"".join(response.streaming_content).startswith(b"%PDF")
    elif action == "edit":
        response = client.post(
            reverse("archive:record-action", args=[rec.pk, "edit"]),
            {"title": "Diubah", "quantity": 1, "box": "B-9"},
        )
        # Not seen: a 404; seen but not an archivist of the code: refused back to the page.
        assert response.status_code == (302 if sees else 404)
        title = Record.objects.values_list("title", flat=True).get(pk=rec.pk)
        assert (title == "Diubah") is allowed
    else:
        response = client.get(reverse("archive:search"), {"q": "zamrud"})
        assert response.status_code == 200
        link = reverse("archive:record", args=[rec.pk])
        assert (f'href="{link}"' in response.content.decode()) is allowed


# --- other archive rows of another tenant: 404 like a missing id ---------------------------


def test_another_tenants_archive_rows_are_404s(matrix):
    w, recs = matrix
    rec = recs["biasa"]
    case = records.casefile_create(
        tenant=w.tenant,
        classification=rec.classification,
        unit=rec.unit,
        by=w.archivist,
        title="Berkas rapat",
        records=[rec],
    )
    paper = record(w, title="Arsip kertas", medium="paper")
    loan = lending.loan_request(record=paper, by=w.clerk, purpose="Audit")
    client = client_for(w.users["foreign_admin"])
    urls = [
        f"/api/v1/archive/classifications/{rec.classification_id}/",
        reverse("archive:case-file", args=[case.pk]),
        f"/api/v1/archive/case-files/{case.pk}/",
        reverse("archive:loan", args=[loan.pk]),
        f"/api/v1/archive/loans/{loan.pk}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # and the owner's archivist reaches each of them
    own = client_for(w.archivist)
    for url in urls:
        assert own.get(url).status_code == 200, url
    assert CaseFile.objects.filter(pk=case.pk).exists()
