"""Records are kept per side (the archive leaked every unit's disposition notes).

Letters filed before carried every delivery's disposition sheet and every disposition note.
This migration only notes which records those are, with the models of this point in history;
after `migrate` has run every migration, `correspondence.archiving.records_split_pending`
(connected to post_migrate) splits them with today's code, and `manage.py
records_split_sides` does the same by hand (for records that were under a legal hold).
"""

from django.db import migrations, models


def note_pending(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Record = apps.get_model("archive", "Record")
    Pending = apps.get_model("correspondence", "RecordSplitPending")
    ct = ContentType.objects.filter(app_label="correspondence", model="letter").first()
    if ct is None:
        return
    ids = Record.objects.filter(source_type_id=ct.pk).values_list("pk", flat=True)
    Pending.objects.bulk_create([Pending(record_id=pk) for pk in ids], ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("correspondence", "0009_lettertype_direct_to_signer"),
        ("archive", "0004_search_terms"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecordSplitPending",
            fields=[("record_id", models.BigIntegerField(primary_key=True, serialize=False))],
        ),
        migrations.RunPython(note_pending, migrations.RunPython.noop),
    ]
