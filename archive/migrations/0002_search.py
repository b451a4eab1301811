"""The search index of records, kept by the database itself.

PostgreSQL: a stored generated tsvector column (`search_vector`) weighting number and title A,
sender and description B, text and attachment text C; the `indonesian` configuration stems
(mengundang, undangan -> undang), the `simple` one keeps names, acronyms and letter numbers
as written (prefix queries on "800/12" match "800/1234/…"). A GIN index serves it, and
trigram GIN indexes (pg_trgm) serve number fragments and misspelt names.

SQLite (the embedded default): an external-content FTS5 table kept in sync by triggers.

The column and the FTS5 table are not Django fields: nothing but `archive.search` reads them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from core.db import VendorSQL

# Long texts are cut before indexing: a tsvector holds at most 1 MB and positions stop at
# 16,383 anyway; the first 100,000 characters of a text are what a search needs.
VECTOR = """
    setweight(to_tsvector('indonesian'::regconfig, coalesce(number, '') || ' ' || coalesce(title, '')), 'A')
 || setweight(to_tsvector('simple'::regconfig, coalesce(number, '') || ' ' || coalesce(title, '')), 'A')
 || setweight(to_tsvector('indonesian'::regconfig, coalesce(sender, '') || ' ' || coalesce(description, '')), 'B')
 || setweight(to_tsvector('simple'::regconfig, coalesce(sender, '')), 'B')
 || setweight(to_tsvector('indonesian'::regconfig,
        left(coalesce(body, ''), 100000) || ' ' || left(coalesce(attachment_text, ''), 100000)), 'C')
"""

FTS_COLUMNS = "number, title, sender, description, body, attachment_text"
FTS_NEW = "new.id, new.number, new.title, new.sender, new.description, new.body, new.attachment_text"
FTS_OLD = "old.id, old.number, old.title, old.sender, old.description, old.body, old.attachment_text"


class Migration(migrations.Migration):
    dependencies = [("archive", "0001_initial")]

    operations = [
        TrigramExtension(),
        VendorSQL(
            forward={
                "postgresql": [
                    "ALTER TABLE archive_record ADD COLUMN search_vector tsvector "
                    f"GENERATED ALWAYS AS ({VECTOR}) STORED",
                    "CREATE INDEX archive_record_search ON archive_record USING gin (search_vector)",
                    "CREATE INDEX archive_record_number_trgm ON archive_record "
                    "USING gin (number gin_trgm_ops)",
                    "CREATE INDEX archive_record_title_trgm ON archive_record "
                    "USING gin (title gin_trgm_ops)",
                    "CREATE INDEX archive_record_sender_trgm ON archive_record "
                    "USING gin (sender gin_trgm_ops)",
                ],
                "sqlite": [
                    f"CREATE VIRTUAL TABLE archive_record_fts USING fts5({FTS_COLUMNS}, "
                    "content='archive_record', content_rowid='id', "
                    "tokenize='unicode61 remove_diacritics 2')",
                    "CREATE TRIGGER archive_record_fts_insert AFTER INSERT ON archive_record BEGIN "
                    f"INSERT INTO archive_record_fts(rowid, {FTS_COLUMNS}) VALUES ({FTS_NEW}); END",
                    "CREATE TRIGGER archive_record_fts_delete AFTER DELETE ON archive_record BEGIN "
                    f"INSERT INTO archive_record_fts(archive_record_fts, rowid, {FTS_COLUMNS}) "
                    f"VALUES ('delete', {FTS_OLD}); END",
                    "CREATE TRIGGER archive_record_fts_update AFTER UPDATE OF "
                    f"{FTS_COLUMNS} ON archive_record BEGIN "
                    f"INSERT INTO archive_record_fts(archive_record_fts, rowid, {FTS_COLUMNS}) "
                    f"VALUES ('delete', {FTS_OLD}); "
                    f"INSERT INTO archive_record_fts(rowid, {FTS_COLUMNS}) VALUES ({FTS_NEW}); END",
                    "INSERT INTO archive_record_fts(archive_record_fts) VALUES ('rebuild')",
                ],
            },
            backward={
                "postgresql": [
                    "DROP INDEX IF EXISTS archive_record_sender_trgm",
                    "DROP INDEX IF EXISTS archive_record_title_trgm",
                    "DROP INDEX IF EXISTS archive_record_number_trgm",
                    "DROP INDEX IF EXISTS archive_record_search",
                    "ALTER TABLE archive_record DROP COLUMN IF EXISTS search_vector",
                ],
                "sqlite": [
                    "DROP TRIGGER IF EXISTS archive_record_fts_update",
                    "DROP TRIGGER IF EXISTS archive_record_fts_delete",
                    "DROP TRIGGER IF EXISTS archive_record_fts_insert",
                    "DROP TABLE IF EXISTS archive_record_fts",
                ],
            },
        ),
    ]
