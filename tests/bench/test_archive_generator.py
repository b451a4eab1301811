"""The archive generator fills records the archive's search and rules accept."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from archive.models import Record
from archive.services.fileplan import file_plan_ensure_default

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator writes with COPY"
)


@pytest.mark.django_db(transaction=True)
def test_records_are_copied_spread_and_indexed(world):
    # GIVEN the demo tenants with their file plans WHEN 60 records are generated in 25s
    file_plan_ensure_default(world.tenant)
    before = Record.objects.count()
    call_command("generate_archive_data", records=60, batch=25, years=3, seed=7)
    # THEN every record is there, dated within the asked years, filed under a code of its tenant
    made = list(Record.objects.select_related("classification").order_by("-pk")[:60])
    assert Record.objects.count() == before + 60
    today = timezone.localdate()
    for record in made:
        assert record.classification.tenant_id == record.tenant_id
        assert record.filed_at.date() == record.document_date
        assert 1 <= (today - record.document_date).days < 365 * 3
    # and the search indexes dropped for the load are built again
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'archive_record'"
            " AND indexname IN ('archive_record_title_trgm', 'archive_record_sender_trgm')"
        )
        assert cursor.fetchone()[0] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["records", "batch", "years"])
def test_non_positive_sizes_are_refused(option):
    with pytest.raises(CommandError, match="must be positive"):
        call_command("generate_archive_data", **{option: 0})
