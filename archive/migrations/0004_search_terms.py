"""The vocabulary of record titles and senders, and an index for number prefixes.

PostgreSQL: a trigger on archive_record keeps `archive_searchterm` (the words, four to 64
letters without digits, of each record's title and sender, once per tenant) and a trigram
index on it finds the nearest spelling of a misspelt word; the existing records' words are
loaded here. An index on the upper-cased number (pattern operators, with the id) finds the
records whose number starts with a fragment ("000/3") without reading the table.

SQLite: the table stays empty; its search corrects spellings its own way.
"""

import django.db.models.deletion
from django.db import migrations, models

from core.db import VendorSQL

WORDS = """
    SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig,
        coalesce({row}.sender, '') || ' ' || coalesce({row}.title, '')))) AS w
    WHERE length(w) BETWEEN 4 AND 64 AND w !~ '[0-9]'
"""


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0003_record_by_date'),
        ('organizations', '0002_assignment_no_overlap'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=64)),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organizations.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('tenant', 'term'), name='searchterm_once')],
            },
        ),
        VendorSQL(
            forward={
                "postgresql": [
                    "CREATE INDEX archive_searchterm_trgm ON archive_searchterm "
                    "USING gin (term gin_trgm_ops)",
                    "CREATE FUNCTION archive_record_search_terms() RETURNS trigger "
                    "LANGUAGE plpgsql AS $$ BEGIN "
                    "INSERT INTO archive_searchterm (tenant_id, term) SELECT NEW.tenant_id, w FROM ("
                    + WORDS.format(row="NEW")
                    + ") t ON CONFLICT DO NOTHING; RETURN NULL; END $$",
                    "CREATE TRIGGER archive_record_search_terms AFTER INSERT OR UPDATE OF "
                    "title, sender ON archive_record FOR EACH ROW "
                    "EXECUTE FUNCTION archive_record_search_terms()",
                    "INSERT INTO archive_searchterm (tenant_id, term) SELECT DISTINCT r.tenant_id, "
                    "t.w FROM archive_record r, LATERAL ("
                    + WORDS.format(row="r")
                    + ") t ON CONFLICT DO NOTHING",
                    "CREATE INDEX archive_record_number_prefix ON archive_record "
                    "(tenant_id, upper(number::text) text_pattern_ops) INCLUDE (id)",
                ],
                "sqlite": [],
            },
            backward={
                "postgresql": [
                    "DROP INDEX IF EXISTS archive_record_number_prefix",
                    "DROP TRIGGER IF EXISTS archive_record_search_terms ON archive_record",
                    "DROP FUNCTION IF EXISTS archive_record_search_terms()",
                ],
                "sqlite": [],
            },
        ),
    ]
