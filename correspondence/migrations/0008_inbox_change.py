"""Inbox versions: every write to a delivery, a disposition or a delivery grant records the
units whose inbox rows it touched, so that kept inbox counts know when they are stale.

PostgreSQL: one statement-level trigger per table and operation, reading the transition
tables (a bulk insert of 20,000 deliveries records each unit once). SQLite: row triggers.
Writers only insert: no row is locked, so busy inboxes never serialise their senders.
"""

from django.db import migrations, models

from core.db import VendorSQL

CHANGE = "correspondence_inboxchange"
# table, the column that names a unit (deliveries) or a delivery (the others), a short name
WATCHED = [
    ("correspondence_delivery", "unit_id", "delivery"),
    ("correspondence_disposition", "delivery_id", "disposition"),
    ("correspondence_deliveryuserobjectpermission", "content_object_id", "delivery_grant"),
]


def _units(table: str, column: str, rows: str) -> str:
    """SELECT the distinct units touched by `rows` (a subquery of `column AS k`)."""
    if table == "correspondence_delivery":
        return f"SELECT DISTINCT r.k, 1 FROM ({rows}) r"
    return (
        f"SELECT DISTINCT d.unit_id, 1 FROM ({rows}) r "
        "JOIN correspondence_delivery d ON d.id = r.k"
    )


def _pg(table: str, column: str, short: str) -> list[str]:
    fn = f"inbox_changed_{short}"
    insert = f"INSERT INTO {CHANGE} (unit_id, weight) "
    new = f"SELECT {column} AS k FROM new_rows"
    old = f"SELECT {column} AS k FROM old_rows"
    return [
        f"""CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {insert}{_units(table, column, new)};
  ELSIF TG_OP = 'DELETE' THEN
    {insert}{_units(table, column, old)};
  ELSE
    {insert}{_units(table, column, f"{old} UNION ALL {new}")};
  END IF;
  RETURN NULL;
END $$""",
        f"CREATE TRIGGER {fn}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        f"CREATE TRIGGER {fn}_update AFTER UPDATE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
        f"CREATE TRIGGER {fn}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()",
    ]


def _sqlite(table: str, column: str, short: str) -> list[str]:
    fn = f"inbox_changed_{short}"
    insert = f"INSERT INTO {CHANGE} (unit_id, weight) "
    new = f"SELECT NEW.{column} AS k"
    old = f"SELECT OLD.{column} AS k"
    return [
        f"CREATE TRIGGER {fn}_insert AFTER INSERT ON {table} "
        f"BEGIN {insert}{_units(table, column, new)}; END",
        f"CREATE TRIGGER {fn}_update AFTER UPDATE ON {table} "
        f"BEGIN {insert}{_units(table, column, f'{old} UNION ALL {new}')}; END",
        f"CREATE TRIGGER {fn}_delete AFTER DELETE ON {table} "
        f"BEGIN {insert}{_units(table, column, old)}; END",
    ]


def _drop(table: str, short: str, *, function: bool) -> list[str]:
    fn = f"inbox_changed_{short}"
    on = f" ON {table}" if function else ""
    drops = [f"DROP TRIGGER {fn}_{op}{on}" for op in ("insert", "update", "delete")]
    return drops + ([f"DROP FUNCTION {fn}()"] if function else [])


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0007_letter_closed_at")]

    operations = [
        migrations.CreateModel(
            name="InboxChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("unit_id", models.BigIntegerField(db_index=True)),
                ("weight", models.BigIntegerField(default=1)),
            ],
        ),
        VendorSQL(
            forward={
                "postgresql": [sql for watched in WATCHED for sql in _pg(*watched)],
                "sqlite": [sql for watched in WATCHED for sql in _sqlite(*watched)],
            },
            backward={
                "postgresql": [sql for t, _, n in WATCHED for sql in _drop(t, n, function=True)],
                "sqlite": [sql for t, _, n in WATCHED for sql in _drop(t, n, function=False)],
            },
        ),
    ]
