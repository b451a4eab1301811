"""The benchmark data generator writes rows the application accepts as its own."""

from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench.generators.letters import BENCH_PASSWORD, LoadGenerator, Plan, totp_key_for
from correspondence import numbering
from correspondence.models import Delivery, Disposition, Letter, NumberCounter
from organizations.models import Assignment, Position, User
from workflows.selectors import audit_verify

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and the reference check are PostgreSQL's"
)


@pytest.fixture
def generated(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plan = Plan(letters=400, tenants=1, users_per_tenant=150, busy_deliveries=120, batch=150)
    stats = LoadGenerator(plan, log=lambda _: None).run()
    return stats


def test_counts_numbers_and_chains(generated):
    assert Letter.objects.count() == 400
    assert generated["deliveries"] == Delivery.objects.count() > 400
    assert Disposition.objects.filter(parent__isnull=False).exists()  # two levels deep
    # Numbers are gapless per register, each given once, and the counters continue where the
    # data stops.
    numbered = Letter.objects.exclude(number_seq=None).select_related(
        "tenant", "letter_type", "number_unit"
    )
    per_key = defaultdict(list)
    for x in numbered:
        key = numbering.register_key(x.letter_type, x.tenant, x.number_unit, x.number_year)
        per_key[key].append(x.number_seq)
    for key, seqs in per_key.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
        assert NumberCounter.objects.get(key=key).last == len(seqs)
    assert len({x.number for x in numbered}) == len(numbered)
    # Letters come in the order they were written.
    created = list(Letter.objects.order_by("id").values_list("created_at", flat=True))
    assert created == sorted(created)
    assert audit_verify() == []


def test_busy_inbox_and_people(generated):
    busy = Delivery.objects.filter(unit_id=generated["busy_unit"]).count()
    assert busy == generated["busy_deliveries"]
    assert 60 <= busy <= 180  # about the 120 asked for
    head = Position.objects.get(unit_id=generated["busy_unit"], is_head=True)
    holder = Assignment.objects.get(position=head, end_date__isnull=True).user
    visible = Delivery.objects.visible_to(holder).filter(unit_id=generated["busy_unit"])
    assert visible.count() == busy  # the head sees the whole inbox, confidential included
    assert User.objects.count() == 150
    staff = User.objects.filter(username__contains=".u").first()
    assert staff.check_password(BENCH_PASSWORD)
    device = holder.totpdevice_set.first()
    if holder.username.split(".")[1].startswith("u"):  # a generated head, not a demo account
        assert device.key == totp_key_for(holder.username)


def test_refuses_a_database_with_letters(generated):
    with pytest.raises(CommandError, match="already holds letters"):
        call_command("generate_load_data", letters=10, tenants=1, users=10)
    assert Letter.objects.count() == 400


def test_bad_arguments_are_refused(db):
    with pytest.raises(CommandError, match="must be positive"):
        call_command("generate_load_data", letters=0)
    assert not Letter.objects.exists()
