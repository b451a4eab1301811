"""Filing records directly and from other apps' documents; the file plan and case files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from archive.choices import Fate, Medium, RecordState
from archive.models import Classification, Record, RecordFile
from archive.services import fileplan, records
from workflows.selectors import transition_log_for

from .helpers import archive_setup, code, record, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    archive_setup(world)
    return world


def test_default_file_plan_has_the_standard_codes_and_inherits_rules(setup):
    w = setup
    top = code(w, "000")
    child = code(w, "000.1")
    assert child.parent == top and child.depth == 2
    assert (child.active_years, child.inactive_years, child.fate) == (2, 3, Fate.DESTROY)
    assert code(w, "000.7").fate == Fate.PERMANENT
    tops = Classification.objects.filter(tenant=w.tenant, depth=1).values_list("code", flat=True)
    assert list(tops) == ["000", "100", "200", "300", "400", "500", "600", "700", "800", "900"]
    # Ensuring again makes nothing new.
    assert fileplan.file_plan_ensure_default(w.tenant) == 0


def test_a_code_without_its_parent_is_refused(setup):
    with pytest.raises(ValidationError, match="parent code 123"):
        fileplan.file_plan_load(tenant=setup.tenant, codes=[fileplan.Code("123.4", "Orphan")])


def test_direct_filing_computes_retention_dates_and_logs(setup):
    w = setup
    r = record(w, classification="000.3", document_date=dt.date(2024, 2, 29))
    assert r.state == RecordState.ACTIVE
    assert r.active_until == dt.date(2026, 2, 28)  # 29 Feb + 2 years
    assert r.inactive_until == dt.date(2034, 2, 28)  # + 8 inactive years
    f = r.files.get()
    assert f.size > 0 and len(f.sha256) == 64 and f.file.name.endswith(".pdf")
    assert [row.action for row in transition_log_for(r)] == ["record.filed"]


def test_paper_record_needs_its_place(setup):
    w = setup
    with pytest.raises(ValidationError):
        records.record_create(
            tenant=w.tenant,
            classification=code(w, "000.1"),
            unit=w.units["kominfo"],
            title="Arsip kertas",
            document_date=dt.date(2024, 1, 1),
            by=w.archivist,
            medium=Medium.PAPER,
        )
    r = record(w, medium=Medium.PAPER)
    assert r.location == "Gedung Arsip / R1 / B-01" and not r.files.exists()


def test_a_refused_file_keeps_nothing(setup):
    w = setup
    before = (Record.objects.count(), RecordFile.objects.count())
    with pytest.raises(ValidationError):
        records.record_create(
            tenant=w.tenant,
            classification=code(w, "000.1"),
            unit=w.units["kominfo"],
            title="Rusak",
            document_date=dt.date(2024, 1, 1),
            by=w.archivist,
            uploads=[upload("scan.pdf", b"not a pdf at all")],
        )
    assert (Record.objects.count(), RecordFile.objects.count()) == before


@pytest.mark.parametrize("who", ["drafter", "head", "clerk", "outsider", "foreigner"])
def test_only_archivists_file_directly(setup, who):
    w = setup
    with pytest.raises(PermissionDenied):
        record(w, by=getattr(w, who))


def test_a_foreign_tenants_code_is_refused(setup):
    w = setup
    with pytest.raises(PermissionDenied):
        records.record_create(
            tenant=w.tenant,
            classification=code(w, "000.1", w.other_tenant),
            unit=w.units["kominfo"],
            title="x",
            document_date=dt.date(2024, 1, 1),
            by=w.archivist,
            uploads=[upload()],
        )


def test_case_file_groups_records_of_one_code(setup):
    w = setup
    a = record(w, title="Undangan rapat", classification="000.1")
    b = record(w, title="Surat tugas", classification="000.1")
    other = record(w, title="Pengadaan", classification="000.3")
    case = records.casefile_create(
        tenant=w.tenant,
        classification=code(w, "000.1"),
        unit=w.units["kominfo"],
        title="Rapat koordinasi",
        by=w.archivist,
        records=[a, b],
    )
    assert case.number == 1 and set(case.records.all()) == {a, b}
    with pytest.raises(ValidationError):
        records.casefile_add(case_file=case, records=[other], by=w.archivist)
    records.casefile_close(case_file=case, by=w.archivist)
    with pytest.raises(ValidationError):
        records.casefile_add(case_file=case, records=[a], by=w.archivist)


def test_record_update_only_editable_fields(setup):
    w = setup
    r = record(w)
    records.record_update(record=r, by=w.archivist, box="B-09", is_vital=True)
    r = Record.objects.get(pk=r.pk)  # a protected FSM field cannot be refreshed in place
    assert r.box == "B-09" and r.is_vital
    with pytest.raises(ValidationError):
        records.record_update(record=r, by=w.archivist, state="destroyed")
    with pytest.raises(PermissionDenied):
        records.record_update(record=r, by=w.drafter, box="X")
