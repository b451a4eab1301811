"""Trigram indexes for the recipient picker's as-you-type search (correspondence.picker): its
`icontains` filters compare UPPER(column::text), so the indexes are on that expression.
PostgreSQL only; SQLite scans (the embedded default's few hundred rows)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from core.db import VendorSQL

INDEXES = {
    "unit_name_trgm": ("organizations_unit", "name"),
    "unit_short_name_trgm": ("organizations_unit", "short_name"),
    "position_title_trgm": ("organizations_position", "title"),
    "user_name_trgm": ("organizations_user", "name"),
}


class Migration(migrations.Migration):
    dependencies = [("organizations", "0005_email_out")]

    operations = [
        TrigramExtension(),
        VendorSQL(
            forward={
                "postgresql": [
                    f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                    f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
                    for name, (table, column) in INDEXES.items()
                ]
            },
            backward={"postgresql": [f"DROP INDEX IF EXISTS {name}" for name in INDEXES]},
        ),
    ]
