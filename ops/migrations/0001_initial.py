"""WorkerLease and PendingFile move here from workflows (state only: the tables, made by
workflows 0003, keep their names)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("workflows", "0004_move_ops_models")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PendingFile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(db_index=True, max_length=500)),
                        ("pending", models.CharField(max_length=500, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={
                        "db_table": "workflows_pendingfile",
                        "verbose_name": "file waiting for its transaction",
                        "verbose_name_plural": "files waiting for their transactions",
                    },
                ),
                migrations.CreateModel(
                    name="WorkerLease",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("worker_id", models.CharField(max_length=64, unique=True)),
                        ("hostname", models.CharField(blank=True, max_length=255)),
                        ("pid", models.PositiveIntegerField(default=0)),
                        ("started_at", models.DateTimeField(auto_now_add=True)),
                        ("seen_at", models.DateTimeField(db_index=True)),
                    ],
                    options={
                        "db_table": "workflows_workerlease",
                        "verbose_name": "worker lease",
                        "verbose_name_plural": "worker leases",
                    },
                ),
            ],
            database_operations=[],
        )
    ]
