"""Archive search: one box over number, title, sender, description, text and attachment text,
with filters, highlighted snippets and classification suggestions.

One `SearchBackend` interface, two implementations chosen by the database (or by
NASKAH_SEARCH_BACKEND): PostgreSQL full-text search (weighted tsvector of the `indonesian`
and `simple` configurations, GIN, pg_trgm for number fragments and misspelt names) and SQLite
FTS5 (the embedded default). Callers use `record_search`, `record_search_facets` and
`classification_suggest`; an OpenSearch backend can later implement the same protocol.

Access is never decided here: every search starts from `Record.objects.visible_to(user)`, and
the backend only adds SQL conditions to that query, so the permission filter runs in the same
statement as the match.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Protocol

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Count, Expression, F, FloatField, Max, QuerySet
from django.utils.safestring import SafeString

from core.memo import request_memo

from .models import Classification, Record
from .searchwhere import END, HIT, MatchPlaces, places_postgres, places_sqlite
from .searchwhere import highlight as _highlight
from .selectors.records import RecordFilters, RecordNarrowing, record_filter

MAX_QUERY = 200  # characters of a search box that are used
# Counting every match of a common word in a city's million records costs seconds; a person
# narrows the search long before the five-hundredth hit, so the count stops there ("500+").
COUNT_CAP = 500


@dataclasses.dataclass(frozen=True)
class SearchFilters(RecordNarrowing):
    """What the filters of the search page narrow to (empty = no filter)."""

    classification: int | None = None  # includes the code's sub-codes


@dataclasses.dataclass
class SearchHit:
    record: Record
    rank: float
    snippet: SafeString
    where: MatchPlaces = dataclasses.field(default_factory=MatchPlaces)


@dataclasses.dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    fuzzy: bool = False  # nothing matched the words: these are near spellings
    more: bool = False  # counting stopped at COUNT_CAP: `total` is a lower bound

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class RecordSQL(Expression):
    """SQL over the record table's columns, written with `{r}` for the table: unlike RawSQL
    naming "archive_record", it follows the alias the table gets inside a subquery (where a
    literal name would read the outer query's row)."""

    def __init__(self, template: str, params: list, output_field=None):
        super().__init__(output_field=output_field or BooleanField())
        self.template, self.params = template, list(params)

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.base_table)
        return "(" + self.template.replace("{r}", table) + ")", self.params


def _words(text: str) -> list[str]:
    """The words of a query (letters, digits and the joiners of numbers: / . -)."""
    return re.findall(r"[\w][\w/.\-]*", text[:MAX_QUERY])


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


class SearchBackend(Protocol):
    """A full-text engine for records. Every method takes and returns querysets (or ids), so
    the caller's permission filter and filters stay in the same SQL statement."""

    name: str

    def match(self, qs: QuerySet, text: str) -> QuerySet:
        """Records of `qs` matching the words, annotated with `search_rank` (higher first)."""
        ...

    def fuzzy(self, qs: QuerySet, text: str, *, tenant_id: int) -> QuerySet:
        """Records of `qs` whose title or sender is spelt nearly like the text (a misspelt
        name), annotated with `search_rank`; `tenant_id` is the searching user's tenant."""
        ...

    def snippets(self, ids: list[int], text: str) -> dict[int, str]:
        """A short passage of each record's text around the words, with HIT/END markers."""
        ...

    def places(self, ids: list[int], text: str) -> dict[int, MatchPlaces]:
        """Where each record's words are (details, text, which files), for a page of hits."""
        ...

    def classification_scores(self, tenant_id: int, text: str, limit: int) -> list[tuple]:
        """(classification id, score) of the codes whose filed records best match the text."""
        ...


# --- PostgreSQL -----------------------------------------------------------------------------


PREFIX_LETTERS = 4


def _tsquery_simple(words: list[str]) -> str:
    """A to_tsquery('simple') text: every word as written, the last one as a prefix when it
    holds a digit or is short (a number fragment "800/12" finds "800/1234/…", "rap" finds
    "rapat"). A longer half-typed word is not a prefix here: a prefix of a common word
    costs the index dearly, and a word that matches nothing is corrected against the
    vocabulary instead ("koordin" -> "koordinasi", see `fuzzy`)."""
    quoted = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in words]
    if quoted and (_has_digit(words[-1]) or len(words[-1]) <= PREFIX_LETTERS):
        quoted[-1] += ":*"
    return " & ".join(quoted)


class PostgresSearchBackend:
    """PostgreSQL full-text search over `archive_record.search_vector` (migration 0002), the
    number-prefix index and the search vocabulary (migration 0004)."""

    name = "postgresql"
    RANK_CANDIDATES = COUNT_CAP + 1  # enough to say "500+" of a common word
    VECTOR = "{r}.search_vector"
    TSQUERY = (
        "(websearch_to_tsquery('indonesian'::regconfig, %s) || to_tsquery('simple'::regconfig, %s))"
    )

    def _query_params(self, text: str) -> list[str]:
        return [text[:MAX_QUERY], _tsquery_simple(_words(text))]

    # Ranking reads every candidate's vector and a common word matches a hundred thousand
    # records, so only the RANK_CANDIDATES most recently filed matches are ranked. They are
    # found in one of two ways, because PostgreSQL cannot read a GIN index newest first:
    # - row by row, newest first, testing each row's vector: cheap per row, so right while
    #   matches are dense (a common word) or the user's records are few;
    # - through the GIN index: every match is fetched and sorted, so right while matches
    #   are few.
    # The planner picks between them by its estimate of how many rows match, and a word it
    # has no statistics for (a misspelling: no match at all) looks common enough to walk
    # the whole table. So the choice is made here: up to NARROW_ROWS records under the
    # user's access and filters (the planner's estimate), row by row; otherwise row by row
    # through the newest WINDOW rows of the table, and through the index below them only
    # when the window did not hold enough matches.
    NARROW_ROWS = 20_000
    WINDOW = 50_000
    ROW = "ts_match_vq({v}, {q})"  # the function behind @@: the same test, unseen by the index
    INDEXED = "{v} @@ {q}"

    def _estimated_rows(self, qs: QuerySet) -> float:
        try:
            sql, params = qs.values("pk").query.sql_with_params()
        except EmptyResultSet:  # a filter no row can match (an unknown classification id)
            return 0
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return plan[0]["Plan"]["Plan Rows"]

    def match(self, qs: QuerySet, text: str) -> QuerySet:
        params = self._query_params(text)
        row = self.ROW.format(v=self.VECTOR, q=self.TSQUERY)
        indexed = self.INDEXED.format(v=self.VECTOR, q=self.TSQUERY)
        cond_params = list(params)
        words = _words(text)
        ids: list[int] = []
        if len(words) == 1 and _has_digit(words[0]) and len(words[0]) >= 3:
            # A letter number: first the numbers that start with it ("000/3"), from an index
            # that holds the ids (sorted here: one number range is filed in one season, which
            # the planner cannot know); when those are few, also a fragment from the middle
            # ("1234/DISKOMINFO", trigram index) and the text that quotes it.
            prefix = RecordSQL("upper({r}.number::text) LIKE %s", [_like(words[0].upper())[1:]])
            ids = self._ids(qs.filter(prefix), sort=True)
            row = f"({row} OR {{r}}.number ILIKE %s)"
            indexed = f"({indexed} OR {{r}}.number ILIKE %s)"
            cond_params.append(_like(words[0]))
        if len(ids) < self.RANK_CANDIDATES:
            ids = self._candidates(qs, row, indexed, cond_params)
        rank = RecordSQL(f"ts_rank({self.VECTOR}, {self.TSQUERY})", params, FloatField())
        return qs.model.objects.filter(pk__in=ids).annotate(search_rank=rank)

    def _candidates(self, qs: QuerySet, row: str, indexed: str, params: list) -> list[int]:
        if self._estimated_rows(qs) <= self.NARROW_ROWS:
            return self._ids(qs.filter(RecordSQL(row, params)))
        top = qs.model.objects.aggregate(top=Max("pk"))["top"] or 0
        floor = top - self.WINDOW
        ids = self._ids(qs.filter(pk__gt=floor).filter(RecordSQL(row, params)))
        if len(ids) < self.RANK_CANDIDATES:
            older = qs.filter(pk__lte=floor).filter(RecordSQL(indexed, params))
            ids += self._ids(older, sort=True, limit=self.RANK_CANDIDATES - len(ids))
        return ids

    def _ids(self, qs: QuerySet, *, sort: bool = False, limit: int = 0) -> list[int]:
        """The ids of the newest records of `qs` (at most RANK_CANDIDATES); `sort` sorts the
        matches found through an index rather than walking the table newest first."""
        order = (F("pk") + 0).desc() if sort else F("pk").desc()
        newest = qs.order_by(order).values_list("pk", flat=True)
        return list(newest[: limit or self.RANK_CANDIDATES])

    def fuzzy(self, qs: QuerySet, text: str, *, tenant_id: int) -> QuerySet:
        """Each word of four letters or more replaced by the nearest word of the tenant's
        titles and senders (trigram similarity), then searched as words again."""
        words = _words(text)
        fixed = [w.lower() for w in words]
        sql = (
            "SELECT term FROM archive_searchterm WHERE tenant_id = %s AND term %% %s "
            "ORDER BY similarity(term, %s) DESC, term LIMIT 1"
        )
        with connection.cursor() as cursor:
            for i, word in enumerate(fixed):
                if len(word) >= 4 and not _has_digit(word):
                    cursor.execute(sql, [tenant_id, word, word])
                    row = cursor.fetchone()
                    fixed[i] = row[0] if row else word
        if fixed == [w.lower() for w in words]:
            return qs.none().annotate(search_rank=RecordSQL("0", [], FloatField()))
        return self.match(qs, " ".join(fixed))

    def snippets(self, ids: list[int], text: str) -> dict[int, str]:
        if not ids:
            return {}
        options = (
            f"StartSel={HIT}, StopSel={END}, MaxWords=30, MinWords=12, MaxFragments=2, "
            'FragmentDelimiter=" … "'
        )
        sql = (
            "SELECT id, ts_headline('indonesian'::regconfig, "
            "concat_ws(' ', nullif(description, ''), left(body, 20000), "
            "left(nullif(attachment_text, ''), 20000)), "
            f"{self.TSQUERY}, %s) FROM archive_record WHERE id = ANY(%s)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self._query_params(text), options, list(ids)])
            return dict(cursor.fetchall())

    ANY_TSQUERY = (
        "(replace(plainto_tsquery('indonesian'::regconfig, %s)::text, ' & ', ' | ')::tsquery"
        " || to_tsquery('simple'::regconfig, %s))"
    )

    def places(self, ids: list[int], text: str) -> dict[int, MatchPlaces]:
        words = _words(text)
        params = [" ".join(words), _tsquery_simple(words).replace(" & ", " | ")]
        return places_postgres(ids, self.ANY_TSQUERY, params)

    def classification_scores(self, tenant_id: int, text: str, limit: int) -> list[tuple]:
        words = [w for w in _words(text) if len(w) >= 3 and not w.isdigit()][:30]
        if not words:
            return []
        # Any of the words (an OR query); the best-matching records of the tenant vote for
        # their code with their rank. The newest 5,000 matches are enough to see the pattern
        # and keep the cost bounded on a city's million records.
        sql = """
            WITH q AS (
              SELECT replace(plainto_tsquery('indonesian'::regconfig, %s)::text, ' & ', ' | ')
                     ::tsquery AS query
            ), hits AS (
              SELECT r.classification_id, ts_rank(r.search_vector, q.query) AS rank
              FROM archive_record r, q
              WHERE r.tenant_id = %s AND r.search_vector @@ q.query
                AND r.state IN ('active', 'inactive', 'permanent')
              ORDER BY r.id DESC LIMIT 5000
            ), top AS (
              SELECT classification_id, rank FROM hits ORDER BY rank DESC LIMIT 200
            )
            SELECT classification_id, SUM(rank) AS score FROM top
            GROUP BY classification_id ORDER BY score DESC LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [" ".join(words), tenant_id, limit])
            return [(cid, float(score)) for cid, score in cursor.fetchall()]


# --- SQLite FTS5 ----------------------------------------------------------------------------


def _fts5_query(words: list[str], *, any_word: bool = False) -> str:
    """An FTS5 query: each word a quoted phrase of its tokens ("800/12" -> "800 12"), its last
    token a prefix; all words required (or any of them)."""
    phrases = []
    for word in words:
        tokens = [t for t in re.split(r"[\W_]+", word) if t]
        if tokens:
            phrases.append('"' + " ".join(tokens).replace('"', '""') + '" *')
    return (" OR " if any_word else " AND ").join(phrases)


class SqliteFtsSearchBackend:
    """SQLite FTS5 over the external-content table `archive_record_fts` (migration 0002).
    No Indonesian stemmer: words match as written or as prefixes."""

    name = "sqlite"
    # bm25 weights of number, title, sender, description, text, attachment text (A, B, C).
    BM25 = "bm25(archive_record_fts, 10.0, 10.0, 4.0, 4.0, 1.0, 1.0)"

    def match(self, qs: QuerySet, text: str) -> QuerySet:
        words = _words(text)
        query = _fts5_query(words)
        if not query:
            return qs.none().annotate(search_rank=RecordSQL("0", [], FloatField()))
        cond = "{r}.id IN (SELECT rowid FROM archive_record_fts WHERE archive_record_fts MATCH %s)"
        params: list = [query]
        if len(words) == 1 and _has_digit(words[0]) and len(words[0]) >= 3:
            cond = f"({cond} OR {{r}}.number LIKE %s ESCAPE '\\')"
            params.append(_like(words[0]))
        rank = RecordSQL(
            f"COALESCE((SELECT -{self.BM25} FROM archive_record_fts WHERE archive_record_fts "
            "MATCH %s AND rowid = {r}.id), 0)",
            [query],
            FloatField(),
        )
        return qs.filter(RecordSQL(cond, params)).annotate(search_rank=rank)

    def fuzzy(self, qs: QuerySet, text: str, *, tenant_id: int) -> QuerySet:
        """Without trigrams: a word whose first three letters match (Nasutoin -> Nasution)."""
        words = [w for w in _words(text) if len(w) >= 4]
        if not words:  # ordered by rank like any other answer of `fuzzy`
            return qs.none().annotate(search_rank=RecordSQL("0", [], FloatField()))
        query = _fts5_query([w[:3] for w in words])
        cond = RecordSQL(
            "{r}.id IN (SELECT rowid FROM archive_record_fts WHERE archive_record_fts MATCH %s)",
            ["{sender title} : (" + query + ")"],
        )
        return qs.filter(cond).annotate(search_rank=RecordSQL("0", [], FloatField()))

    def snippets(self, ids: list[int], text: str) -> dict[int, str]:
        query = _fts5_query(_words(text))
        if not ids or not query:
            return {}
        marks = ", ".join(["%s"] * len(ids))
        sql = (
            f"SELECT rowid, snippet(archive_record_fts, -1, %s, %s, ' … ', 24) "
            f"FROM archive_record_fts WHERE archive_record_fts MATCH %s AND rowid IN ({marks})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [HIT, END, query, *ids])
            return dict(cursor.fetchall())

    def places(self, ids: list[int], text: str) -> dict[int, MatchPlaces]:
        words = _words(text)
        return places_sqlite(ids, _fts5_query(words, any_word=True), words)

    def classification_scores(self, tenant_id: int, text: str, limit: int) -> list[tuple]:
        words = [w for w in _words(text) if len(w) >= 3 and not w.isdigit()][:30]
        query = _fts5_query(words, any_word=True)
        if not query:
            return []
        # What filed records are about (title, description) votes; a sender's name does not.
        query = "{title description} : (" + query + ")"
        sql = f"""
            SELECT r.classification_id, SUM(t.rank) AS score FROM (
              SELECT rowid, -{self.BM25} AS rank FROM archive_record_fts
              WHERE archive_record_fts MATCH %s ORDER BY rank DESC LIMIT 1000
            ) t JOIN archive_record r ON r.id = t.rowid
            WHERE r.tenant_id = %s AND r.state IN ('active', 'inactive', 'permanent')
            GROUP BY r.classification_id ORDER BY score DESC LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [query, tenant_id, limit])
            return [(cid, float(score)) for cid, score in cursor.fetchall()]


BACKENDS = {"postgresql": PostgresSearchBackend, "sqlite": SqliteFtsSearchBackend}


def search_backend() -> SearchBackend:
    """The backend named by NASKAH_SEARCH_BACKEND, else the one of the database in use."""
    name = getattr(settings, "NASKAH_SEARCH_BACKEND", "") or connection.vendor
    try:
        return BACKENDS[name]()
    except KeyError:
        raise LookupError(f"no archive search backend for {name!r}") from None


# --- selectors ------------------------------------------------------------------------------


def record_search_filter(qs: QuerySet, filters: SearchFilters) -> QuerySet:
    """Narrow a record query by the search page's filters."""
    f = filters
    if f.classification:
        code = (
            Classification.objects.filter(pk=f.classification)
            .values_list("code", flat=True)
            .first()
        )
        if code is None:
            return qs.none()
    else:
        code = ""
    return record_filter(qs, RecordFilters(**{**dataclasses.asdict(f), "classification": code}))


def record_search_queryset(
    *, user, text: str, filters: SearchFilters | None = None, backend: SearchBackend | None = None
) -> QuerySet:
    """The records the user may open that match the text and filters, best first (newest
    first without words). Never filters in Python."""
    backend = backend or search_backend()
    filters = filters or SearchFilters()
    qs = record_search_filter(Record.objects.visible_to(user), filters)
    if not text.strip():
        return qs.order_by("-document_date", "-id")

    def matched() -> QuerySet:
        return backend.match(qs, text).order_by("-search_rank", "-document_date", "-id")

    # The search page asks for the results and for their facets: the matches are found once.
    return request_memo(("archive_search", user.pk, backend.name, text, filters), matched).all()


def record_search(
    *,
    user,
    text: str,
    filters: SearchFilters | None = None,
    page: int = 1,
    per_page: int = 20,
    backend: SearchBackend | None = None,
) -> SearchResult:
    """One page of search results with their highlighted snippets, where each hit's words
    are (details, text, which file, read by OCR or not) and the total. When no
    record matches the words, records with a nearly matching title or sender (a misspelt
    name) are returned instead, marked `fuzzy`."""
    backend = backend or search_backend()
    text = text.strip()[:MAX_QUERY]
    page = max(1, page)
    qs = record_search_queryset(user=user, text=text, filters=filters, backend=backend)
    qs = qs.select_related("classification", "unit")
    start = (page - 1) * per_page
    rows = list(qs[start : start + per_page])
    total, more = _total(qs, len(rows), start, per_page)
    fuzzy = False
    if text and total == 0:
        base = record_search_filter(Record.objects.visible_to(user), filters or SearchFilters())
        qs = backend.fuzzy(base, text, tenant_id=user.tenant_id).order_by(
            "-search_rank", "-document_date", "-id"
        )
        rows = list(qs.select_related("classification", "unit")[start : start + per_page])
        total, more = _total(qs, len(rows), start, per_page)
        fuzzy = bool(rows)
    ids = [r.pk for r in rows]
    snippets = backend.snippets(ids, text) if text and not fuzzy else {}
    places = backend.places(ids, text) if text and not fuzzy else {}  # this page's only
    hits = [
        SearchHit(
            record=r,
            rank=float(getattr(r, "search_rank", 0) or 0),
            snippet=_highlight(snippets.get(r.pk) or _lead(r)),
            where=places.get(r.pk) or MatchPlaces(),
        )
        for r in rows
    ]
    return SearchResult(
        hits=hits, total=total, page=page, per_page=per_page, fuzzy=fuzzy, more=more
    )


def _total(qs: QuerySet, got: int, start: int, per_page: int) -> tuple[int, bool]:
    """The number of matches (at most COUNT_CAP) and whether there are more; no second
    query when the page shows the last of them."""
    if got < per_page and (got or start == 0):
        return start + got, False
    n = qs.order_by().values("pk")[: COUNT_CAP + 1].count()  # no rank for a count
    return (COUNT_CAP, True) if n > COUNT_CAP else (n, False)


def _lead(record: Record) -> str:
    text = record.description or record.body or record.attachment_text
    return text[:240] + ("…" if len(text) > 240 else "")


FACETS = ("security", "medium", "state")


def record_search_facets(
    *, user, text: str, filters: SearchFilters | None = None, backend: SearchBackend | None = None
) -> dict[str, list[dict]]:
    """Counts of the matching records by security, medium, state, unit and classification
    (top ten of the last two), for the filters of the search page."""
    qs = record_search_queryset(
        user=user, text=text.strip()[:MAX_QUERY], filters=filters, backend=backend
    ).order_by()
    out: dict[str, list[dict]] = {}
    for field in FACETS:
        out[field] = list(qs.values(field).annotate(n=Count("id")).order_by("-n"))
    out["unit"] = list(
        qs.values("unit_id", "unit__name").annotate(n=Count("id")).order_by("-n")[:10]
    )
    out["classification"] = list(
        qs.values("classification_id", "classification__code", "classification__title")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    return out


def classification_suggest(
    *, tenant, text: str, limit: int = 5, backend: SearchBackend | None = None
) -> list[Classification]:
    """The tenant's active classification codes most likely for a letter with this subject
    and summary: ranked by how well records already filed under each code match the text.
    Each returned code carries `score` (0–1, relative to the best)."""
    backend = backend or search_backend()
    scores = backend.classification_scores(tenant.pk, text[:2000], limit * 2)
    if not scores:
        return []
    codes = Classification.objects.in_bulk([cid for cid, _s in scores])
    best = scores[0][1] or 1.0
    out = []
    for cid, score in scores:
        code = codes.get(cid)
        if code is not None and code.is_active and code.tenant_id == tenant.pk:
            code.score = round(score / best, 2)
            out.append(code)
    return out[:limit]
