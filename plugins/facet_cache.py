"""Remember facet counts and row counts of immutable databases.

Every table page counts its default facet over the whole table: on a million
rows that is one pass over an index per page view (70-200 ms), repeated for
every visitor although the answer cannot change (the database is served
immutable, `-i`). A searched or filtered table page also counts its rows
(`select count(*) from ...`): for a common word in events_fts at 100 000
events, 40-50 ms of each such page. This plugin keeps the results of both
kinds of query, keyed by their SQL and parameters, in a small LRU per
database and kind; not queries whose answer can change between runs
(random(), the date "now"), which a visitor's ?_where= may contain.

A facet query that runs out of `facet_time_limit_ms` is queued to be computed
once more in the background with a longer limit, so that later visitors get
it: one such computation at a time, in the order they were queued, and at
most MAX_BACKGROUND of them in the life of the server, so hostile facet
requests cannot keep SQL threads busy this way. (Dropping a second timed-out
facet while the first was computed, as this plugin first did, left the
event_participants table page at 1M participants slow for its first few
seconds of traffic: p99 0.9-1.0 s against a p50 of 160 ms.)
"""

import asyncio
import collections
import re
import sqlite3

import datasette.database

MAX_ENTRIES = 1024  # cached results per database
MAX_ROWS = 1000  # results larger than this are not kept
BACKGROUND_TIME_LIMIT_MS = 5_000
MAX_BACKGROUND = 64
# SQL whose answer can change from one run to the next, even on an immutable
# file: a visitor's ?_where= may call random() or ask for the date "now".
# A denylist, so a contrived spelling ('n' || 'ow') only freezes that
# visitor's own count; kept results are keyed by the exact SQL.
NOT_REPEATABLE = re.compile(
    r"random|changes\s*\(|last_insert_rowid|current_(date|time|timestamp)|['\"]now['\"]"
    r"|\b(date|time|datetime|julianday|unixepoch)\s*\(\s*\)|strftime\s*\(\s*'[^']*'\s*\)",
    re.I,
)


class ResultCache:
    """Results of one kind of query on one database, least recently used first
    out; for facets, also the queue of those to compute in the background."""

    def __init__(self):
        self.results = collections.OrderedDict()
        self.background_runs = 0  # computations started, in the life of the server
        self.waiting = collections.OrderedDict()  # key -> (sql, params), queued for the background
        self.worker = None  # the task computing them, one at a time

    def get(self, key):
        if key in self.results:
            self.results.move_to_end(key)
            return self.results[key]
        return None

    def put(self, key, results):
        if len(results.rows) <= MAX_ROWS:
            self.results[key] = results
            self.results.move_to_end(key)
            while len(self.results) > MAX_ENTRIES:
                self.results.popitem(last=False)

    def may_queue(self, key):
        return (self.background_runs + len(self.waiting) < MAX_BACKGROUND
                and key not in self.results and key not in self.waiting)


def cache_key(sql, params):
    if isinstance(params, dict):
        return sql, tuple(sorted((str(k), repr(v)) for k, v in params.items()))
    return sql, tuple(repr(v) for v in (params or ()))


def cache_for(db, name="_facet_cache"):
    if name not in db.__dict__:
        setattr(db, name, ResultCache())
    return getattr(db, name)


def is_facet_query(db, sql, kwargs):
    """Facet queries are the ones Datasette runs with facet_time_limit_ms."""
    limit = kwargs.get("custom_time_limit")
    return (not db.is_mutable and limit is not None
            and limit == db.ds.setting("facet_time_limit_ms") and not NOT_REPEATABLE.search(sql))


def is_row_count_query(db, sql, kwargs):
    """The table view's count, which it runs with no options (a query typed
    into the SQL editor comes with a time limit and truncation, and is not kept)."""
    return (not db.is_mutable and not kwargs and sql.startswith("select count(*) from ")
            and not NOT_REPEATABLE.search(sql))


def install():
    """Wrap Database.execute once per process (Datasette loads this file once per instance)."""
    Database = datasette.database.Database
    if getattr(Database, "_facet_cache_installed", False):
        return
    execute = Database.execute

    async def cached_execute(self, sql, params=None, **kwargs):
        facet = is_facet_query(self, sql, kwargs)
        if not facet and not is_row_count_query(self, sql, kwargs):
            return await execute(self, sql, params, **kwargs)
        cache, key = cache_for(self, "_facet_cache" if facet else "_count_cache"), cache_key(sql, params)
        found = cache.get(key)
        if found is not None:
            return found
        try:
            results = await execute(self, sql, params, **kwargs)
        except datasette.database.QueryInterrupted:
            if facet and cache.may_queue(key):  # a count that timed out is shown as unknown, as before
                cache.waiting[key] = (sql, params)
                if cache.worker is None or cache.worker.done():
                    cache.worker = asyncio.get_running_loop().create_task(compute_in_background(self, execute))
            raise
        cache.put(key, results)
        return results

    Database.execute = cached_execute
    Database._facet_cache_installed = True


async def compute_in_background(db, execute):
    """Compute the queued facet queries one after another, with the longer time limit."""
    cache = cache_for(db)
    while cache.waiting:
        key, (sql, params) = next(iter(cache.waiting.items()))  # stays queued while computed: not queued twice
        cache.background_runs += 1
        try:
            cache.put(key, await execute(db, sql, params, truncate=False, custom_time_limit=BACKGROUND_TIME_LIMIT_MS))
        except (datasette.database.QueryInterrupted, sqlite3.Error):
            pass  # still too slow, or refused: the facet stays uncached and times out as before
        finally:
            del cache.waiting[key]


install()  # on import: Datasette imports every file in --plugins-dir
