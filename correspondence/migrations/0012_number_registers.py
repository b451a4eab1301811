"""One number, one letter.

Counters were kept per tenant, unit, type and year (`out:<tenant>:<unit>:<type>:<year>`), so in a
tenant whose pattern lacks {type} two types could give the same number. A register now follows
the pattern (`numbering.register_key`). This migration

1. merges the old counters into the registers they belong to now: a register's `last` is the
   largest `last` among them, so it never gives a number any of them gave;
2. repairs the numbers already given twice, with the code `manage.py number_duplicates
   --repair` runs (`correspondence.renumbering`): the first letter signed keeps its number,
   each later one gets a fresh number from its register, keeps the old one in
   `number_previous` and gets a `letter.renumbered` audit row (a signed PDF is not changed;
   the row says it still carries the old number); it prints each letter it renumbers;
3. adds the constraint that an issued number belongs to one letter of the tenant.

Going back rebuilds the per-type counters from the numbers letters and reservations hold.
"""

import re
import sys

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max

from correspondence import numbering
from correspondence.renumbering import number_duplicates_repair

OLD_KEY = re.compile(r"^out:(\d+):(\d+):(\d+):(\d+)$")


def registers_merge(apps, schema_editor):
    Counter = apps.get_model("correspondence", "NumberCounter")
    LetterType = apps.get_model("correspondence", "LetterType")
    Unit = apps.get_model("organizations", "Unit")
    old = [(c, OLD_KEY.match(c.key)) for c in Counter.objects.filter(key__startswith="out:")]
    old = [(c, m) for c, m in old if m]
    types = LetterType.objects.select_related("tenant").in_bulk({int(m[3]) for _, m in old})
    units = Unit.objects.in_bulk({int(m[2]) for _, m in old})
    merged: dict[tuple[int, str], int] = {}
    done = []
    for counter, m in old:
        ltype, unit = types.get(int(m[3])), units.get(int(m[2]))
        if ltype is None or unit is None:
            continue  # a type or unit deleted since: nothing of it is numbered
        key = numbering.register_key(ltype, ltype.tenant, unit, int(m[4]))
        merged[(counter.tenant_id, key)] = max(merged.get((counter.tenant_id, key), 0), counter.last)
        done.append(counter.pk)
    for (tenant_id, key), last in merged.items():
        row, _ = Counter.objects.get_or_create(key=key, defaults={"tenant_id": tenant_id})
        if row.last < last:
            row.last = last
            row.save(update_fields=["last"])
    Counter.objects.filter(pk__in=done).delete()
    for r in number_duplicates_repair(apps):
        pdf = f"; its signed PDF still carries {r.old}" if r.signed_pdf else ""
        sys.stdout.write(
            f"\n  {r.tenant}: letter {r.letter_id} renumbered {r.old} -> {r.new} "
            f"(letter {r.kept_by} keeps {r.old}){pdf}"
        )
    if schema_editor.connection.vendor == "postgresql":
        # The deferred foreign-key checks of the rows written above run now: PostgreSQL will
        # not build the index below on a table with checks pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def registers_split(apps, schema_editor):
    Counter = apps.get_model("correspondence", "NumberCounter")
    Letter = apps.get_model("correspondence", "Letter")
    Reservation = apps.get_model("correspondence", "NumberReservation")
    last: dict[tuple[int, str], int] = {}
    rows = [
        Letter.objects.exclude(number_seq=None)
        .values_list("tenant_id", "number_unit_id", "letter_type_id", "number_year")
        .annotate(m=Max("number_seq")),
        Reservation.objects.values_list("tenant_id", "unit_id", "letter_type_id", "year").annotate(
            m=Max("seq")
        ),
    ]
    for query in rows:
        for tenant_id, unit_id, type_id, year, m in query:
            key = (tenant_id, f"out:{tenant_id}:{unit_id}:{type_id}:{year}")
            last[key] = max(last.get(key, 0), m)
    Counter.objects.filter(key__startswith="reg:").delete()
    Counter.objects.bulk_create(
        [Counter(tenant_id=t, key=k, last=v) for (t, k), v in last.items()], ignore_conflicts=True
    )


class Migration(migrations.Migration):

    dependencies = [
        ('correspondence', '0011_layouts_parts_mandates'),
        ('organizations', '0004_signature_block_data'),
        ('workflows', '0005_transition_log_wider_states'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='letter',
            name='number_previous',
            field=models.CharField(blank=True, db_default='', default='', max_length=120, verbose_name='previous number'),
        ),
        migrations.RunPython(registers_merge, registers_split),
        migrations.AddConstraint(
            model_name='letter',
            constraint=models.UniqueConstraint(condition=models.Q(('number', ''), _negated=True), fields=('tenant', 'number'), name='letter_number_issued_once'),
        ),
    ]
