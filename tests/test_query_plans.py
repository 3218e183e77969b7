"""Every canned query, view filter and filtered page uses an index: no full scan of a big table.

Checked with EXPLAIN QUERY PLAN on a synthetic database of the real format
(bench/generate.py), large enough for SQLite's planner statistics to matter,
through the server's own connection (the plugins' pragmas in force), so the
plans are those the site runs.
"""

import re
import sqlite3
import subprocess
import sys

import pytest

import build
from conftest import DATA, ROOT, metadata, site_for
from pipeline.schema import load_package
from pipeline.views import VIEWS

sys.path.insert(0, str(ROOT / "bench"))
from run import traced_statements  # noqa: E402  (the benchmark reads traces the same way)

# "SCAN x" alone is a full scan of a table (or of an alias of one); "SCAN x
# USING ... INDEX" walks an index. Scans of the query's own CTEs are fine, and
# so are scans of a view that SQLite runs as a co-routine (a UNION ALL view):
# the view's own steps are in the plan above it and are checked there.
# "BLOOM FILTER ON x" reads all of x too, to build the filter (SQLite ≥ 3.38),
# and so does an AUTOMATIC index, built for the one statement.
FULL_SCAN = re.compile(r"^(?:SCAN (\w+)|BLOOM FILTER ON (\w+) .*|.*\b(\w+) USING AUTOMATIC (?:PARTIAL )?COVERING INDEX.*)$")
CTE_NAME = re.compile(r"(\w+)(?:\([^)]*\))?\s+as\s+\(", re.I)
DB = "antitrafficking"
PACKAGE = load_package(DATA)


@pytest.fixture(scope="module")
def synthetic_path(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synthetic")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--participants", "5000",
                    "--out", str(directory / "data")], check=True, capture_output=True)
    path = directory / f"{DB}.db"  # the name metadata.yml configures
    assert build.main(["--data", str(directory / "data"), "--output", str(path), "--quiet"]) == 0
    return path


@pytest.fixture(scope="module")
def synthetic_db(synthetic_path):
    conn = sqlite3.connect(synthetic_path)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def server_db(synthetic_path):
    """The synthetic database as the site opens it."""
    return site_for(synthetic_path).get_database(DB)


VIEW_NAMES = {name.lower() for name in VIEWS}


def scanned(plan, sql):
    ctes = {name.lower() for name in CTE_NAME.findall(sql)} | VIEW_NAMES
    for line in plan:
        match = FULL_SCAN.match(line)
        if match:
            table = next(group for group in match.groups() if group).lower()
            if table not in ctes and not table.startswith("sqlite_"):  # not the catalogue
                yield line


async def full_scans(server_db, sql, params):
    plan = await server_db.execute_fn(lambda conn: [row[3] for row in conn.execute("explain query plan " + sql, params)])
    return list(scanned(plan, sql))


def one(conn, sql):
    return conn.execute(sql).fetchone()[0]


def sample_params(conn):
    return {
        "event_roles": {"event_id": one(conn, "select parent_id from events where parent_id is not null limit 1")},
        "place_activity": {"location_id": one(conn, "select parent_id from locations where parent_id is not null limit 1")},
        "participant_profile": {"participant_id": one(conn, "select participant_id from memberships limit 1")},
        "search": {"q": "trafficking"},
        "row_evidence": {"table_name": "event_participants",
                         "row_id": one(conn, "select event_id || '/' || participant_id || '/' || role from event_participants limit 1")},
        "new_events": {},
        "places_geojson": {},
        "events_geojson": {},
    }


QUERIES = sorted(metadata()["databases"][DB]["queries"])


@pytest.mark.parametrize("name", QUERIES)
async def test_canned_query_with_parameters_scans_no_big_table(server_db, synthetic_db, name):
    sql = metadata()["databases"][DB]["queries"][name]["sql"]
    assert await full_scans(server_db, sql, sample_params(synthetic_db)[name]) == []


@pytest.mark.parametrize("name", QUERIES)
async def test_canned_query_without_parameters_scans_no_big_table(server_db, synthetic_db, name):
    sql = metadata()["databases"][DB]["queries"][name]["sql"]
    empty = {key: "" for key in sample_params(synthetic_db)[name]}
    assert await full_scans(server_db, sql, empty) == []


def filtered_columns():
    """(table, column) for every foreign key and every x-indexed column of the data package."""
    wanted = {(table.name, fk.column) for table in PACKAGE.tables for fk in table.single_foreign_keys}
    wanted |= {(table.name, field.name) for table in PACKAGE.tables for field in table.stored_fields if field.indexed}
    return sorted(wanted)


@pytest.mark.parametrize("table, column", filtered_columns())
async def test_foreign_key_or_indexed_column_filter_uses_an_index(server_db, table, column):
    sql = f'select * from "{table}" where "{column}" = :value order by rowid limit 51'
    assert await full_scans(server_db, sql, {"value": "x"}) == []


VIEW_FILTERS = {
    "a participation's event": "select * from participations where event_id = :event_id",
    "a participant's participations": "select * from participations where participant_id = :participant_id",
    "an event's latest status": "select * from event_status_latest where event_id = :event_id",
    "an event on the map": "select * from events_on_map where event_id = :event_id",
    "a row's evidence": "select * from evidence where table_name = 'participants' and row_id = :participant_id",
    "a source's evidence": "select * from evidence where source_id = :source_id",
    "an entity's mentions": "select * from entity_mentions where table_name = 'participants' and row_id = :participant_id",
    "an actor's names": "select * from participant_names where id = :participant_id",
    "a place's names": "select * from location_names where id = :location_id",
}


@pytest.mark.parametrize("sql", VIEW_FILTERS.values(), ids=VIEW_FILTERS.keys())
async def test_a_view_filtered_on_its_ids_scans_no_big_table(server_db, synthetic_db, sql):
    params = {"event_id": one(synthetic_db, "select id from events limit 1"),
              "participant_id": one(synthetic_db, "select participant_id from memberships limit 1"),
              "source_id": one(synthetic_db, "select id from sources limit 1"),
              "location_id": one(synthetic_db, "select id from locations limit 1")}
    assert await full_scans(server_db, sql, params) == []


def test_the_checker_sees_a_full_scan():
    sql = "select * from participants where note = 'x'"
    assert list(scanned(["SCAN participants"], sql)) == ["SCAN participants"]
    assert list(scanned(["SCAN chosen", "SCAN sqlite_master"], "with chosen as (select 1) select * from chosen")) == []


def test_the_checker_sees_an_automatic_index(synthetic_db):
    sql = "select * from events join participants on participants.note = events.note"
    plan = [row[3] for row in synthetic_db.execute("explain query plan " + sql)]  # automatic indexes on here
    assert [line for line in scanned(plan, sql) if "AUTOMATIC" in line], plan


@pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 38), reason="SQLite builds Bloom filters from 3.38 on")
async def test_the_checker_sees_a_bloom_filter_over_a_whole_table(server_db):
    sql = """with recursive chain(id) as (select :id union all select locations.parent_id from locations
             join chain on locations.id = chain.id where locations.parent_id is not null) select * from chain"""
    assert await full_scans(server_db, sql, {"id": "x"}) == ["BLOOM FILTER ON locations (id=?)"]


async def test_the_server_builds_no_automatic_index(server_db):
    assert await server_db.execute_fn(lambda conn: conn.execute("pragma automatic_index").fetchone()[0]) == 0


def rich_event(conn):
    """An event with sub-events, preferably one in a series with attendance and documents."""
    return one(conn, """select events.id from events
        where exists (select 1 from events as sub where sub.parent_id = events.id)
        order by events.series_id is null,
          not exists (select 1 from attendance where attendance.event_id = events.id),
          not exists (select 1 from event_documents where event_documents.event_id = events.id), events.id
        limit 1""")


async def test_every_statement_of_an_event_page_scans_no_big_table(synthetic_path, synthetic_db, server_db):
    site = site_for(synthetic_path, trace_debug=True)
    response = await site.client.get(f"/{DB}/events/{rich_event(synthetic_db)}?_trace=1")
    assert response.status_code == 200
    statements = traced_statements(response.text)
    plugin_statements = [sql for sql, _ in statements if "json_each" in sql or "with recursive" in sql]
    assert len(plugin_statements) >= 5  # the plugin's queries are among them
    for sql, params in statements:
        assert await full_scans(server_db, sql, params or {}) == [], sql



# The row of each entity page with the most rows to gather: the place with the
# most places below it (a country), the topic, document and series with the most
# events. Each list of those pages is bounded (LIST_LIMIT), so the heavy case stays
# under the 256 KB that Datasette's ?_trace=1 can show (it never sends the end of a
# bigger body): the test checks the plans of the statements the biggest pages run.
ENTITY_PAGE_ROWS = {
    "participants": "select participant_id from event_participants group by participant_id "
                    "order by count(*) desc, participant_id limit 1",
    "locations": """with recursive tree(top, id) as (
                      select id, id from locations where parent_id is null
                      union all
                      select tree.top, locations.id from tree join locations on locations.parent_id = tree.id)
                    select top from tree group by top order by count(*) desc, top limit 1""",
    "sources": "select source_id from mentions group by source_id order by count(*) desc, source_id limit 1",
    "topics": "select topic_id from event_topics group by topic_id order by count(*) desc, topic_id limit 1",
    "documents": "select document_id from event_documents group by document_id "
                 "order by count(*) desc, document_id limit 1",
    "series": "select series_id from events where series_id is not null group by series_id "
              "order by count(*) desc, series_id limit 1",
}


def entity_page_sql():
    """The SQL constants (NAME_SQL) of the entity pages' modules and of the event_page ones they reuse."""
    from antitrafficking_site import actor_page, catalogue_pages, entity_citations, event_page, place_page, source_page

    modules = (actor_page, place_page, source_page, catalogue_pages, entity_citations, event_page)
    return {" ".join(value.split()) for module in modules for name, value in vars(module).items()
            if name.endswith("_SQL") and isinstance(value, str)}


@pytest.mark.parametrize("table", ENTITY_PAGE_ROWS)
async def test_every_statement_of_an_entity_page_scans_no_big_table(synthetic_path, synthetic_db, server_db, table):
    """Each statement of the entity pages' SQL constants, with the parameters the page gave it."""
    site = site_for(synthetic_path, trace_debug=True)
    response = await site.client.get(f"/{DB}/{table}/{one(synthetic_db, ENTITY_PAGE_ROWS[table])}?_trace=1")
    assert response.status_code == 200
    assert 'class="entity-page' in response.text  # the plugin gathered the page
    ours = entity_page_sql()
    statements = [(sql, params) for sql, params in traced_statements(response.text) if " ".join(sql.split()) in ours]
    assert len(statements) >= 3
    for sql, params in statements:
        assert await full_scans(server_db, sql, params or {}) == [], sql
