"""Records are kept per side (issue: the archive leaked every unit's disposition notes).

Letters filed before this migration carried every delivery's disposition sheet and every
disposition note; this runs `correspondence.archiving.records_split_sides`, which is also the
`records_split_sides` command. On a database with no such record (every new one) it reads one
row and returns: the current code is only imported when there is something to correct.
"""

from django.db import migrations


def split(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Record = apps.get_model("archive", "Record")
    ct = ContentType.objects.filter(app_label="correspondence", model="letter").first()
    if ct is None or not Record.objects.filter(source_type_id=ct.pk).exists():
        return
    from correspondence.archiving import records_split_sides

    records_split_sides()


class Migration(migrations.Migration):
    dependencies = [
        ("correspondence", "0009_lettertype_direct_to_signer"),
        ("archive", "0004_search_terms"),
        ("workflows", "0002_securityreach"),
        ("organizations", "0003_position_echelon"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(split, migrations.RunPython.noop)]
