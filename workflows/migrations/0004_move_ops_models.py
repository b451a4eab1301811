"""WorkerLease and PendingFile now belong to the ops app; their tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_worker_lease_pending_file")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PendingFile"),
                migrations.DeleteModel(name="WorkerLease"),
            ],
            database_operations=[],
        )
    ]
