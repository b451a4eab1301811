"""The records list and record page: filters kept across pages, export of a page or a record,
the hold link for the records unit only."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from tests.conftest import client_for

from .helpers import archive_setup, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    archive_setup(world)
    world.recs = [record(world, title=f"Laporan bulanan {i:02d}") for i in range(55)]
    world.other = record(world, title="Nota Bappeda", unit="bappeda", classification="800")
    return world


def test_the_pager_keeps_the_filters_and_the_page_exports(setup):
    w = setup
    client = client_for(w.archivist)
    page1 = client.get(reverse("archive:records"), {"unit": w.units["kominfo"].pk})
    html = page1.content.decode()
    assert html.count('data-testid="record-row"') == 50
    assert "Nota Bappeda" not in html
    assert f"unit={w.units['kominfo'].pk}&amp;page=2" in html
    page2 = client.get(reverse("archive:records"), {"unit": w.units["kominfo"].pk, "page": 2})
    assert page2.content.decode().count('data-testid="record-row"') == 5
    # WHEN the archivist exports the second page
    ids = [r.pk for r in page2.context["page"]]
    response = client.post(reverse("archive:export"), {"record": ids})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 5


def test_record_page_offers_export_to_readers_and_holds_to_the_records_unit(setup):
    w = setup
    url = reverse("archive:record", args=[w.recs[0].pk])
    archivist = client_for(w.archivist).get(url).content.decode()
    assert 'data-testid="export-record"' in archivist and 'data-testid="hold-record"' in archivist
    head = client_for(w.head).get(url).content.decode()
    assert 'data-testid="export-record"' in head and 'data-testid="hold-record"' not in head
