"""Remember facet counts and row counts of table pages of immutable databases.

Every table page counts its default facet over the whole table: on a million
rows that is one pass over an index per page view (70-200 ms), repeated for
every visitor although the answer cannot change (the database is served
immutable, `-i`). A searched or filtered table page also counts its rows
(`select count(*) from ...`): for a common word in events_fts at 100 000
events, 40-50 ms of each such page. This plugin keeps the results of both
kinds of query, keyed by their SQL and parameters, in a small LRU per
database and kind. Measured at 100 000 participants (issue 12, in process,
median of 29 requests): the event_participants table page's JSON 81 ms
without the cache, 4 ms with it; its HTML page 134 ms and 23 ms; the
participants page's JSON 29 ms and 8 ms.

Only Datasette's own SQL is kept: the facet and count queries of a table (or
view) page whose request carries no SQL of the visitor's (no `sql=` and no
`_where=`, in any spelling of the name). The request is known from an
asgi_wrapper that marks it in a context variable; a facet query is one run
with truncate=False and facet_time_limit_ms (a visitor's `?sql=` always runs
with truncate=True, and its `_timelimit=200` no longer passes for a facet),
a count query one run with no options. Anything the visitor writes into
those queries otherwise is a bound parameter (col__op=value, _search=) or a
name Datasette checks or quotes (_sort, _facet, _fts_table), so no kept
result can depend on random() or the date "now". Each cache is bounded in
bytes (MAX_BYTES: keys and values, estimated) as well as in entries.

A facet query that runs out of `facet_time_limit_ms` is queued to be computed
once more in the background with a longer limit, so that later visitors get
it: one such computation at a time, in the order they were queued, and at
most MAX_BACKGROUND of them in the life of the server, so hostile facet
requests cannot keep SQL threads busy this way. (Dropping a second timed-out
facet while the first was computed, as this plugin first did, left the
event_participants table page at 1M participants slow for its first few
seconds of traffic: p99 0.9-1.0 s against a p50 of 160 ms.)

Datasette 0.65 has no hook for query results, so patches.py wraps the
internal Database.execute with cached_execute below.
"""

import asyncio
import collections
import contextvars
import re
import sqlite3
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.database import QueryInterrupted

MAX_ENTRIES = 1024  # cached results per database and kind
MAX_BYTES = 8 * 1024 * 1024  # estimated bytes of keys and results per database and kind
MAX_ROWS = 1000  # results larger than this are not kept
BACKGROUND_TIME_LIMIT_MS = 5_000
MAX_BACKGROUND = 64
# Estimated bytes of a kept result besides the text and blobs it holds: each
# value (a Python object in a sqlite3.Row), each row, each entry.
VALUE_OVERHEAD, ROW_OVERHEAD, ENTRY_OVERHEAD = 16, 80, 600

# A table page: /database/table or /database/table.format (Datasette's route;
# a dot inside a name is tilde-encoded).
TABLE_PAGE = re.compile(r"/[^/.]+/[^/.]+(\.\w+)?")
# Query parameters that carry the visitor's own SQL into a table page's queries.
VISITOR_SQL = {"sql", "_where"}


# True while Datasette answers a table page whose queries are all its own.
cacheable_request = contextvars.ContextVar("facet_cache_request", default=False)


def request_is_cacheable(scope):
    if scope.get("method") not in ("GET", "HEAD") or not TABLE_PAGE.fullmatch(scope.get("path", "")):
        return False
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return not any(key in VISITOR_SQL for key, _ in pairs)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def marked(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            token = cacheable_request.set(request_is_cacheable(scope))
            try:
                return await app(scope, receive, send)
            finally:
                cacheable_request.reset(token)
        return marked
    return wrap


def result_bytes(key, results):
    """An estimate of the memory a kept result takes, its key included."""
    size = ENTRY_OVERHEAD + len(key[0]) + sum(len(part) for part in key[1])
    for row in results.rows:
        size += ROW_OVERHEAD
        for value in row:
            size += VALUE_OVERHEAD + (len(value) if isinstance(value, (str, bytes)) else 8)
    return size


class ResultCache:
    """Results of one kind of query on one database, least recently used first
    out; for facets, also the queue of those to compute in the background."""

    def __init__(self, max_entries=MAX_ENTRIES, max_bytes=MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.results = collections.OrderedDict()  # key -> (results, estimated bytes)
        self.bytes = 0
        self.background_runs = 0  # computations started, in the life of the server
        self.waiting = collections.OrderedDict()  # key -> (sql, params), queued for the background
        self.worker = None  # the task computing them, one at a time

    def get(self, key):
        if key in self.results:
            self.results.move_to_end(key)
            return self.results[key][0]
        return None

    def put(self, key, results):
        if len(results.rows) > MAX_ROWS:
            return
        size = result_bytes(key, results)
        if size > self.max_bytes // 8:  # one result may take an eighth of the cache
            return
        if key in self.results:
            self.bytes -= self.results.pop(key)[1]
        self.results[key] = (results, size)
        self.bytes += size
        while len(self.results) > self.max_entries or self.bytes > self.max_bytes:
            self.bytes -= self.results.popitem(last=False)[1][1]

    def may_queue(self, key):
        return (self.background_runs + len(self.waiting) < MAX_BACKGROUND
                and key not in self.results and key not in self.waiting)


def cache_key(sql, params):
    if isinstance(params, dict):
        return sql, tuple(f"{k}={v!r}" for k, v in sorted(params.items(), key=lambda item: str(item[0])))
    return sql, tuple(repr(v) for v in (params or ()))


def cache_for(db, name="_facet_cache"):
    if name not in db.__dict__:
        setattr(db, name, ResultCache())
    return getattr(db, name)


def is_facet_query(db, sql, kwargs):
    """A table page's facet: Datasette runs it with truncate=False and
    facet_time_limit_ms."""
    return (kwargs.get("truncate") is False
            and kwargs.get("custom_time_limit") == db.ds.setting("facet_time_limit_ms")
            and sql.lstrip().startswith("select "))


def is_row_count_query(sql, kwargs):
    """A table page's row count, which Datasette runs with no options."""
    return not kwargs and sql.startswith("select count(*) from ")


def cached_execute(execute):
    """Database.execute, answered from the caches for a table page's own facet
    and count queries on an immutable database."""

    async def execute_or_remember(self, sql, params=None, **kwargs):
        if self.is_mutable or not cacheable_request.get():
            return await execute(self, sql, params, **kwargs)
        facet = is_facet_query(self, sql, kwargs)
        if not facet and not is_row_count_query(sql, kwargs):
            return await execute(self, sql, params, **kwargs)
        cache, key = cache_for(self, "_facet_cache" if facet else "_count_cache"), cache_key(sql, params)
        found = cache.get(key)
        if found is not None:
            return found
        try:
            results = await execute(self, sql, params, **kwargs)
        except QueryInterrupted:
            if facet and cache.may_queue(key):  # a count that timed out is shown as unknown, as before
                cache.waiting[key] = (sql, params)
                if cache.worker is None or cache.worker.done():
                    cache.worker = asyncio.get_running_loop().create_task(compute_in_background(self, execute))
            raise
        cache.put(key, results)
        return results

    return execute_or_remember


async def compute_in_background(db, execute):
    """Compute the queued facet queries one after another, with the longer time limit."""
    cache = cache_for(db)
    while cache.waiting:
        key, (sql, params) = next(iter(cache.waiting.items()))  # stays queued while computed: not queued twice
        cache.background_runs += 1
        try:
            cache.put(key, await execute(db, sql, params, truncate=False, custom_time_limit=BACKGROUND_TIME_LIMIT_MS))
        except (QueryInterrupted, sqlite3.Error):
            pass  # still too slow, or refused: the facet stays uncached and times out as before
        finally:
            del cache.waiting[key]

