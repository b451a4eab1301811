"""Where a search hit's words are: in the record's details (number, title, sender,
description), in its text, or in which of its files, and whether that file was read by OCR,
with a short passage of the file around the words.

Found only for the page of results shown (`archive.search.record_search` asks for its rows),
never for the whole result set: one or two short queries a page. A word counts where any
word of the search is (the hit needs them all, but they may sit in different places).
"""

from __future__ import annotations

import dataclasses
import html
import re

from django.db import connection
from django.db.models.functions import Substr
from django.utils.safestring import SafeString, mark_safe

from .choices import TextSource, TextState
from .models import RecordFile

HIT, END = "\x02", "\x03"  # highlight markers, turned into <mark> after escaping
READ_CHARS = 100_000  # of a body or a file: what the search index reads of them
PASSAGE_CHARS = 20_000  # of a file: where its passage is looked for


def highlight(text: str) -> SafeString:
    """Escape a backend's snippet and turn its markers into <mark> elements."""
    escaped = html.escape(text or "", quote=False)
    return mark_safe(escaped.replace(HIT, "<mark>").replace(END, "</mark>"))


@dataclasses.dataclass(frozen=True)
class FileMatch:
    """A file of the record that holds words of the search."""

    id: int
    name: str
    ocr: bool  # its text was read by OCR from a scan
    snippet: SafeString  # the words in their passage, or "" when they lie too deep in it


@dataclasses.dataclass(frozen=True)
class MatchPlaces:
    details: bool = False  # number, title, sender or description
    body: bool = False  # the record's text
    files: tuple[FileMatch, ...] = ()

    @property
    def found(self) -> bool:
        return self.details or self.body or bool(self.files)


def _places(ids, fields: dict[int, tuple[bool, bool]], files: list[FileMatch], file_of):
    """MatchPlaces by record id; a hit found nowhere matched by its number's fragment."""
    out = {}
    for pk in ids:
        details, body = fields.get(pk, (False, False))
        mine = tuple(f for f in files if file_of[f.id] == pk)
        out[pk] = (
            MatchPlaces(details, body, mine)
            if details or body or mine
            else MatchPlaces(details=True)
        )
    return out


# --- PostgreSQL -----------------------------------------------------------------------------

FIELDS_SQL = """
    WITH q AS (SELECT {query} AS query)
    SELECT r.id,
      (to_tsvector('indonesian'::regconfig, concat_ws(' ', r.number, r.title, r.sender,
         r.description)) || to_tsvector('simple'::regconfig, concat_ws(' ', r.number, r.title,
         r.sender))) @@ q.query,
      to_tsvector('indonesian'::regconfig, left(r.body, {read})) @@ q.query
    FROM archive_record r, q WHERE r.id = ANY(%s)
"""
FILES_SQL = """
    WITH q AS (SELECT {query} AS query)
    SELECT f.id, f.record_id, f.name, f.text_source,
      ts_headline('indonesian'::regconfig, left(f.text, {passage}), q.query, %s)
    FROM archive_recordfile f, q
    WHERE f.record_id = ANY(%s) AND f.text_state = %s AND f.deleted_at IS NULL
      AND to_tsvector('indonesian'::regconfig, left(f.text, {read})) @@ q.query
    ORDER BY f.record_id, f.id
"""
HEADLINE = f"StartSel={HIT}, StopSel={END}, MaxWords=24, MinWords=10, MaxFragments=1"


def places_postgres(ids: list[int], query: str, params: list) -> dict[int, MatchPlaces]:
    """Where each record's words are, by PostgreSQL full-text search. `query` is the SQL of
    a tsquery of any of the words, with its `params`."""
    if not ids:
        return {}
    fields_sql = FIELDS_SQL.format(query=query, read=READ_CHARS)
    files_sql = FILES_SQL.format(query=query, read=READ_CHARS, passage=PASSAGE_CHARS)
    with connection.cursor() as cursor:
        cursor.execute(fields_sql, [*params, list(ids)])
        fields = {pk: (bool(d), bool(b)) for pk, d, b in cursor.fetchall()}
        cursor.execute(files_sql, [*params, HEADLINE, list(ids), TextState.DONE])
        rows = cursor.fetchall()
    files = [
        FileMatch(fid, name, source == TextSource.OCR, highlight(line if HIT in line else ""))
        for fid, _rid, name, source, line in rows
    ]
    return _places(ids, fields, files, {fid: rid for fid, rid, *_ in rows})


# --- SQLite FTS5 (and plain Python for the files, which have no index there) -----------------

DETAIL_COLUMNS = 4  # number, title, sender, description; then body (see migration 0002)


def places_sqlite(ids: list[int], fts_query: str, words: list[str]) -> dict[int, MatchPlaces]:
    """Where each record's words are: its columns by FTS5 (`fts_query` matches any of the
    words), its files' text by the words' tokens as prefixes, as FTS5 matches them."""
    if not ids or not fts_query:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    columns = ", ".join(
        f"snippet(archive_record_fts, {i}, %s, %s, '', 2)" for i in range(DETAIL_COLUMNS + 1)
    )
    sql = (
        f"SELECT rowid, {columns} FROM archive_record_fts "
        f"WHERE archive_record_fts MATCH %s AND rowid IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [HIT, END] * (DETAIL_COLUMNS + 1) + [fts_query, *ids])
        fields = {
            row[0]: (any(HIT in (c or "") for c in row[1:-1]), HIT in (row[-1] or ""))
            for row in cursor.fetchall()
        }
    pattern = _tokens_pattern(words)
    files, file_of = [], {}
    rows = (
        RecordFile.objects.filter(
            record_id__in=ids, text_state=TextState.DONE, deleted_at__isnull=True
        )
        .annotate(head=Substr("text", 1, READ_CHARS))
        .order_by("record_id", "id")
        .values_list("id", "record_id", "name", "text_source", "head")
    )
    for fid, rid, name, source, head in rows:
        passage = python_snippet(head or "", pattern) if pattern else ""
        if passage:
            files.append(FileMatch(fid, name, source == TextSource.OCR, highlight(passage)))
            file_of[fid] = rid
    return _places(ids, fields, files, file_of)


def _tokens_pattern(words: list[str]) -> re.Pattern | None:
    tokens = {t.lower() for w in words for t in re.split(r"[\W_]+", w) if t}
    if not tokens:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE)


def python_snippet(text: str, pattern: re.Pattern, *, around: int = 80) -> str:
    """A passage of `text` around the first match of `pattern`, its matches between HIT and
    END markers; "" when nothing matches."""
    first = pattern.search(text)
    if first is None:
        return ""
    start = max(0, first.start() - around)
    end = min(len(text), first.end() + 2 * around)
    while start > 0 and not text[start - 1].isspace() and first.start() - start < 2 * around:
        start -= 1  # begin at a word
    while end < len(text) and not text[end].isspace() and end - first.end() < 3 * around:
        end += 1
    passage = pattern.sub(lambda m: HIT + m.group(0) + END, text[start:end])
    return ("… " if start else "") + passage.strip() + (" …" if end < len(text) else "")
