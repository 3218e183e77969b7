"""The pages a visit starts from: the home page and the database page.

* Home (templates/index.html): what the dataset is, how much of each kind
  of thing it holds (entity tables only: no data-dictionary or build rows),
  the events newest first with their sub-events, a map of their venues, a
  search box, the canned questions in plain words, the downloads and how to
  cite. The rows come from a few indexed queries on the database that holds
  `events` (the site serves one).
* Database page (templates/database.html): the entity tables first, each
  with its description; the internal tables are hidden in metadata.yml.

The canned questions' own pages are query_page.py's.
"""

import json
import weakref

from datasette import hookimpl
from datasette.utils import format_bytes

from .page_queries import STATUSES_SQL, safe_json
from .id_links import ENTITY_TABLES
from .site_origin import Links

MAX_TOP_EVENTS = 50  # the newest top-level events on the home page, with all their sub-events
MAX_MAP_MARKERS = 1000

COUNTS = {  # table: (one, many)
    "events": ("event", "events"),
    "participants": ("actor", "actors"),
    "locations": ("place", "places"),
    "sources": ("press release", "press releases"),
    "documents": ("document", "documents"),
    "topics": ("topic", "topics"),
    "series": ("series", "series"),
    "quotes": ("quote", "quotes"),
}
# The newest top-level events (events.start_date is indexed), then everything below them.
EVENT_TREE_SQL = """
    with recursive tree(id, top, depth) as (
      select id, id, 0 from (
        select id from events where parent_id is null order by start_date desc, end_date desc, id limit :limit
      )
      union all
      select events.id, tree.top, tree.depth + 1 from tree cross join events on events.parent_id = tree.id
    )
    select events.id, events.name, events.kind, events.parent_id, events.start_date, events.end_date,
      tree.depth,
      (select group_concat(name, ', ') from (
        select locations.name from event_locations cross join locations on locations.id = event_locations.location_id
        where event_locations.event_id = events.id and event_locations.role = 'venue' order by locations.name)
      ) as venues
    from tree cross join events on events.id = tree.id
"""
TOP_EVENTS_COUNT_SQL = "select count(*) from events where parent_id is null"
MAP_SQL = """
    select event_id, event_name, start_date, location_name, latitude, longitude from events_on_map
    order by start_date desc, event_id limit :limit
"""
BUILD_FILES_SQL = "select path, rows, bytes from _build_files where path like '%.csv' order by path"
TABLES_SQL = "select name from sqlite_master where type in ('table', 'view')"


@hookimpl
def extra_template_vars(template, view_name, database, request, datasette):
    if view_name == "index":
        return home_vars(datasette, request)
    if view_name == "database" and template == "database.html":
        return database_page_vars(datasette, database)
    return {}


# ---- the home page ------------------------------------------------------------

def home_vars(datasette, request):
    async def inner():
        db = await events_database(datasette)
        if db is None:
            return {}
        tables = await table_names(db)
        return {"home": {
            "database": db.name,
            "links": Links(datasette, db.name),  # row URLs with their keys tilde-encoded
            "counts": await counts(datasette, db, tables),
            "events": await event_tree(db),
            "top_events": await top_events_count(datasette, db),
            "max_top_events": MAX_TOP_EVENTS,
            # For a <script>: safe_json escapes "<", so no value closes it.
            "map_markers": safe_json(await map_markers(datasette, db, tables)),
            "queries": await canned_queries(datasette, db.name, request),
            "downloads": await rows(db, BUILD_FILES_SQL, {}) if "_build_files" in tables else [],
            "database_size": format_bytes(db.size),
        }}

    return inner


async def events_database(datasette):
    for db in datasette.databases.values():
        if db.name != "_internal" and "events" in await table_names(db):
            return db
    return None


async def table_names(db):
    return {row[0] for row in (await db.execute(TABLES_SQL)).rows}


async def rows(db, sql, params):
    return [dict(row) for row in (await db.execute(sql, params)).rows]


# Datasette -> {database name: {key: number}}: an immutable database's counts, once per process.
_counted = weakref.WeakKeyDictionary()


def counted(datasette, db):
    """The cache of `db`'s counts: kept for an immutable database (it cannot change
    while served), a fresh one on every request for a mutable one."""
    if db.is_mutable:
        return {}
    return _counted.setdefault(datasette, {}).setdefault(db.name, {})


async def counts(datasette, db, tables):
    """[(number, what)] of the entity tables: what a reader counts, not the dictionary's rows.

    An immutable database's counts are Datasette's when it has them (the
    --inspect-file's, as `make serve` gives one, or those its own pages counted),
    and otherwise counted here once per process, not on every home page request."""
    present = [table for table in COUNTS if table in tables]
    cache = counted(datasette, db)
    if not db.is_mutable:
        known = db.cached_table_counts or {}  # from the inspect file, or Datasette's own counts
        cache.update({table: known[table] for table in present
                      if table not in cache and isinstance(known.get(table), int)})
    missing = [table for table in present if table not in cache]
    if missing:
        sql = "select " + ", ".join(f'(select count(*) from "{table}")' for table in missing)
        cache.update(zip(missing, (await db.execute(sql)).rows[0]))
    return [(cache[table], COUNTS[table][cache[table] != 1], table) for table in present]


async def top_events_count(datasette, db):
    """How many top-level events there are (the home page lists the newest MAX_TOP_EVENTS)."""
    cache = counted(datasette, db)
    if " top events" not in cache:
        cache[" top events"] = (await db.execute(TOP_EVENTS_COUNT_SQL)).rows[0][0]
    return cache[" top events"]


async def event_tree(db):
    events = await rows(db, EVENT_TREE_SQL, {"limit": MAX_TOP_EVENTS})
    # Each event's latest status, looked up by id (as the event page does).
    statuses = await rows(db, STATUSES_SQL, {"ids": json.dumps([event["id"] for event in events])})
    status_of = {row["event_id"]: row["status"] for row in statuses}
    for event in events:
        event["status"] = status_of.get(event["id"])
    return nest(events)


def nest(events):
    """The flat tree rows as [event with its "children"], newest top-level event first,
    sub-events in the order they happened."""
    by_id = {event["id"]: {**event, "children": []} for event in events}
    tops = []
    for event in by_id.values():
        parent = by_id.get(event["parent_id"])
        (parent["children"] if parent else tops).append(event)
    for event in by_id.values():
        event["children"].sort(key=lambda child: (child["start_date"], child["end_date"], child["id"]))
    tops.sort(key=lambda event: event["id"])
    tops.sort(key=lambda event: (event["start_date"], event["end_date"]), reverse=True)
    return tops


async def map_markers(datasette, db, tables):
    if "events_on_map" not in tables:
        return []
    links = Links(datasette, db.name)
    return [{"latitude": row["latitude"], "longitude": row["longitude"],
             "label": f"{row['event_name']} ({row['start_date']}), {row['location_name']}",
             "url": links.row("events", row["event_id"])}
            for row in await rows(db, MAP_SQL, {"limit": MAX_MAP_MARKERS})]


async def canned_queries(datasette, database, request):
    queries = await datasette.get_canned_queries(database, request.actor if request else None)
    return [{"name": name, "title": query.get("title") or name, "description": query.get("description"),
             "url": datasette.urls.query(database, name)}
            for name, query in queries.items()]


# ---- the database page --------------------------------------------------------

def database_page_vars(datasette, database):
    async def inner():
        tables = await table_names(datasette.get_database(database))
        return {"database_page": {
            "first_tables": [table for table in ENTITY_TABLES if table in tables],
            "descriptions": {table: (datasette.table_metadata(database, table) or {}).get("description")
                             for table in tables},
        }}

    return inner
