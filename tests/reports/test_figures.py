"""Every figure from a known set of letters with known timestamps (time-machine)."""

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from correspondence import services as svc
from organizations.models import Unit
from reports import selectors
from tests.conftest import client_for
from tests.correspondence.helpers import delivery_to, sent

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB


def at(hours: float):
    return time_machine.travel(T0 + dt.timedelta(hours=hours), tick=False)


@pytest.fixture
def known(world):
    """Three letters from Kominfo to Bappeda, read after 1, 3 and 5 hours; the first is
    dispositioned after 2 hours (due 5 November) and done after a day; one letter to Samarinda
    is dispositioned there with the same due date."""
    with at(0):
        a = sent(world, subject="Surat A", classification_code="000.1")
        b = sent(world, subject="Surat B", classification_code="000.1")
        c = sent(world, subject="Surat C", code="nota_dinas", classification_code="800")
        s = sent(world, subject="Surat Samarinda", to=("s_kominfo",))
    for letter, hours in ((a, 1), (b, 3), (c, 5)):
        with at(hours):
            svc.letter_opened(letter=letter, by=world.bappeda_head)
    with at(2):
        svc.disposition_create(
            delivery=delivery_to(a, world, "bappeda"),
            by=world.bappeda_head,
            to_positions=[world.positions["perencana"]],
            instructions=["tindak_lanjuti"],
            due_date=dt.date(2026, 11, 5),
        )
    with at(2.5):
        svc.letter_opened(letter=s, by=world.wita_head)
        svc.disposition_create(
            delivery=delivery_to(s, world, "s_kominfo"),
            by=world.wita_head,
            to_positions=[world.positions["s_staf"]],
            instructions=["tindak_lanjuti"],
            due_date=dt.date(2026, 11, 5),
        )
    with at(24):
        svc.delivery_finish(delivery=delivery_to(a, world, "bappeda"), by=world.bappeda_head)
    return {"a": a, "b": b, "c": c, "s": s}


def _units(world, key):
    return Unit.objects.filter(path__startswith=world.units[key].path)


def test_turnaround_counts_and_groups(world, known):
    with at(30):
        stats = selectors.statistics(
            world.tenant, _units(world, "bappeda"), dt.date(2026, 11, 1), dt.date(2026, 11, 30)
        )
    h = dt.timedelta(hours=1)
    assert (stats.to_first_read.n, stats.to_first_read.median, stats.to_first_read.p90) == (
        3,
        3 * h,
        5 * h,
    )
    assert (stats.to_first_disposition.n, stats.to_first_disposition.median) == (1, 2 * h)
    assert (stats.to_done.n, stats.to_done.median, stats.to_done.p90) == (1, 24 * h, 24 * h)
    assert {r["key"]: r["n"] for r in stats.received_by_type} == {"Surat Dinas": 2, "Nota Dinas": 1}
    assert {r["key"]: r["n"] for r in stats.received_by_classification} == {"000.1": 2, "800": 1}
    sender = selectors.statistics(
        world.tenant, _units(world, "kominfo"), dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    )
    assert {r["key"]: r["n"] for r in sender.sent_by_type} == {"Surat Dinas": 3, "Nota Dinas": 1}
    assert sender.signatures_by_signer == [{"key": world.head.name, "n": 4}]
    assert {r["key"]: r["n"] for r in sender.sent_by_security} == {"biasa": 4}


def test_a_period_outside_the_letters_counts_nothing(world, known):
    stats = selectors.statistics(
        world.tenant, _units(world, "bappeda"), dt.date(2026, 10, 1), dt.date(2026, 10, 31)
    )
    assert stats.to_first_read.n == 0 and stats.to_first_read.median is None
    assert stats.received_by_type == []


@pytest.mark.parametrize(
    ("utc", "medan", "samarinda"),
    [
        (dt.datetime(2026, 11, 5, 15, 59, tzinfo=UTC), 0, 0),  # 22:59 WIB, 23:59 WITA on the 5th
        (dt.datetime(2026, 11, 5, 16, 1, tzinfo=UTC), 0, 1),  # 23:01 WIB; 00:01 WITA on the 6th
        (dt.datetime(2026, 11, 5, 17, 1, tzinfo=UTC), 1, 1),  # 00:01 WIB on the 6th
    ],
)
def test_overdue_across_the_wib_wita_boundary(world, known, utc, medan, samarinda):
    with time_machine.travel(utc, tick=False):
        in_medan = selectors.overdue_dispositions(world.tenant, _units(world, "bappeda")).count()
        in_samarinda = selectors.overdue_dispositions(
            world.wita_tenant, Unit.objects.filter(tenant=world.wita_tenant)
        ).count()
    assert (in_medan, in_samarinda) == (medan, samarinda)


def test_monthly_trend(world, known):
    with at(30):
        trend = selectors.monthly_trend(world.tenant, Unit.objects.filter(tenant=world.tenant))
    assert len(trend) == 12 and trend[-1]["month"] == dt.date(2026, 11, 1)
    assert (trend[-1]["sent"], trend[-1]["received"]) == (4, 3)
    assert all(r["sent"] == r["received"] == 0 for r in trend[:-1])


def test_agenda_books_in_three_formats(world, known):
    client = client_for(world.bappeda_head)
    url = reverse("reports:agenda", args=["incoming"])
    params = {"from": "2026-11-01", "to": "2026-11-30"}
    with at(30):
        page = client.get(url, params)
        csv_ = client.get(url, {**params, "format": "csv"})
        xlsx = client.get(url, {**params, "format": "xlsx"})
        pdf = client.get(url, {**params, "format": "pdf"})
    assert page.status_code == 200 and b"Surat A" in page.content
    lines = csv_.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("No. agenda,Tanggal diterima,Pengirim")
    assert len(lines) == 4 and "Perencana Ahli Muda" in lines[1]
    assert "02-11-2026 08:00" in lines[1]  # received, shown in WIB
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 4 and sheet["F2"].value == "Surat A"
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "Buku Agenda Surat Masuk" in text and "Surat C" in text
    out = client_for(world.head).get(
        reverse("reports:agenda", args=["outgoing"]), {**params, "format": "csv"}
    )
    assert len(out.content.decode("utf-8-sig").splitlines()) == 5


@pytest.mark.parametrize(
    ("persona", "status", "sees_kominfo"),
    [
        ("bappeda_head", 200, False),
        ("head", 200, True),
        ("sekda", 200, True),
        ("tenant_admin", 200, True),
        ("drafter", 403, None),
        ("clerk", 403, None),
        ("foreign_head", 200, False),
    ],
)
def test_who_sees_which_figures(world, known, persona, status, sees_kominfo):
    client = client_for(world.users[persona])
    with at(30):
        api = client.get(reverse("api:report-statistics"), {"from": "2026-11-01"})
        page = client.get(reverse("reports:leadership"))
    assert api.status_code == status and page.status_code == status
    if status == 200:
        sent_by_type = {r["key"] for r in api.json()["sent_by_type"]}
        assert bool(sent_by_type) is sees_kominfo
        assert b"<svg" in page.content


def test_a_foreign_or_outside_unit_is_not_found(world, known):
    client = client_for(world.bappeda_head)
    other = world.units["kominfo"].pk
    assert client.get(reverse("api:report-statistics"), {"unit": other}).status_code == 404
