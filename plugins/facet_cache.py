"""Remember facet counts of immutable databases.

Every table page counts its default facet over the whole table: on a million
rows that is one pass over an index per page view (70-200 ms), repeated for
every visitor although the answer cannot change (the database is served
immutable, `-i`). This plugin keeps the results of facet queries, keyed by
their SQL and parameters, in a small LRU per database.

A facet query that runs out of `facet_time_limit_ms` is computed once more in
the background with a longer limit, so that the next visitor gets it: at
most one such computation at a time, and at most MAX_BACKGROUND of them in
the life of the server, so hostile facet requests cannot keep SQL threads
busy this way.
"""

import asyncio
import collections
import sqlite3

import datasette.database

MAX_ENTRIES = 1024  # cached results per database
MAX_ROWS = 1000  # results larger than this are not kept
BACKGROUND_TIME_LIMIT_MS = 5_000
MAX_BACKGROUND = 64


class FacetCache:
    def __init__(self):
        self.results = collections.OrderedDict()
        self.background_runs = 0
        self.background_busy = False

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

    def may_run_in_background(self, key):
        return not self.background_busy and self.background_runs < MAX_BACKGROUND and key not in self.results


def cache_key(sql, params):
    if isinstance(params, dict):
        return sql, tuple(sorted((str(k), repr(v)) for k, v in params.items()))
    return sql, tuple(repr(v) for v in (params or ()))


def cache_for(db):
    if "_facet_cache" not in db.__dict__:
        db._facet_cache = FacetCache()
    return db._facet_cache


def is_facet_query(db, kwargs):
    """Facet queries are the ones Datasette runs with facet_time_limit_ms."""
    limit = kwargs.get("custom_time_limit")
    return (not db.is_mutable and limit is not None
            and limit == db.ds.setting("facet_time_limit_ms"))


def install():
    """Wrap Database.execute once per process (Datasette loads this file once per instance)."""
    Database = datasette.database.Database
    if getattr(Database, "_facet_cache_installed", False):
        return
    execute = Database.execute

    async def cached_execute(self, sql, params=None, **kwargs):
        if not is_facet_query(self, kwargs):
            return await execute(self, sql, params, **kwargs)
        cache, key = cache_for(self), cache_key(sql, params)
        found = cache.get(key)
        if found is not None:
            return found
        try:
            results = await execute(self, sql, params, **kwargs)
        except datasette.database.QueryInterrupted:
            if cache.may_run_in_background(key):
                asyncio.get_running_loop().create_task(compute_in_background(self, execute, sql, params, key))
            raise
        cache.put(key, results)
        return results

    Database.execute = cached_execute
    Database._facet_cache_installed = True


async def compute_in_background(db, execute, sql, params, key):
    cache = cache_for(db)
    cache.background_busy = True
    cache.background_runs += 1
    try:
        cache.put(key, await execute(db, sql, params, truncate=False, custom_time_limit=BACKGROUND_TIME_LIMIT_MS))
    except (datasette.database.QueryInterrupted, sqlite3.Error):
        pass  # still too slow, or refused: the facet stays uncached and times out as before
    finally:
        cache.background_busy = False


install()  # on import: Datasette imports every file in --plugins-dir
