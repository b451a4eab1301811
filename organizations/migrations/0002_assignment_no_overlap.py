from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from core.db import VendorSQL

NAME = "assignment_no_overlapping_definitive"
OVERLAP = """
    SELECT 1 FROM organizations_assignment a
    WHERE a.position_id = NEW.position_id AND a.kind = 'definitive' AND a.id <> COALESCE(NEW.id, -1)
      AND a.start_date <= COALESCE(NEW.end_date, '9999-12-31')
      AND COALESCE(a.end_date, '9999-12-31') >= NEW.start_date
"""


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        VendorSQL(
            forward={
                "postgresql": [
                    f"ALTER TABLE organizations_assignment ADD CONSTRAINT {NAME} EXCLUDE USING gist "
                    "(position_id WITH =, daterange(start_date, end_date, '[]') WITH &&) "
                    "WHERE (kind = 'definitive')"
                ],
                "sqlite": [
                    f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON organizations_assignment "
                    f"WHEN NEW.kind = 'definitive' AND EXISTS ({OVERLAP}) "
                    f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END",
                    f"CREATE TRIGGER {NAME}_update BEFORE UPDATE ON organizations_assignment "
                    f"WHEN NEW.kind = 'definitive' AND EXISTS ({OVERLAP}) "
                    f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END",
                ],
            },
            backward={
                "postgresql": [f"ALTER TABLE organizations_assignment DROP CONSTRAINT {NAME}"],
                "sqlite": [f"DROP TRIGGER {NAME}_insert", f"DROP TRIGGER {NAME}_update"],
            },
        ),
    ]
