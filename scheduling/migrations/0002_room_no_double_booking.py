from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from core.db import VendorSQL

NAME = "room_no_double_booking"
OVERLAP = """
    SELECT 1 FROM scheduling_roombooking b
    WHERE b.room_id = NEW.room_id AND b.state = 'active' AND b.id <> COALESCE(NEW.id, -1)
      AND b.starts_at < NEW.ends_at AND b.ends_at > NEW.starts_at
"""


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial"), ("organizations", "0002_assignment_no_overlap")]

    operations = [
        BtreeGistExtension(),
        VendorSQL(
            forward={
                "postgresql": [
                    f"ALTER TABLE scheduling_roombooking ADD CONSTRAINT {NAME} EXCLUDE USING gist "
                    "(room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
                    "WHERE (state = 'active')"
                ],
                "sqlite": [
                    f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON scheduling_roombooking "
                    f"WHEN NEW.state = 'active' AND EXISTS ({OVERLAP}) "
                    f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END",
                    f"CREATE TRIGGER {NAME}_update BEFORE UPDATE ON scheduling_roombooking "
                    f"WHEN NEW.state = 'active' AND EXISTS ({OVERLAP}) "
                    f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {NAME}'); END",
                ],
            },
            backward={
                "postgresql": [f"ALTER TABLE scheduling_roombooking DROP CONSTRAINT {NAME}"],
                "sqlite": [f"DROP TRIGGER {NAME}_insert", f"DROP TRIGGER {NAME}_update"],
            },
        ),
    ]
